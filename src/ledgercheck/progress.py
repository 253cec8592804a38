"""A progress bar for long batches, shown only to a person at a terminal (not in CI or pipes)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def wanted(total: int) -> bool:
    return total > 1 and sys.stderr.isatty() and not os.environ.get("CI")


def _progress(counts: str) -> Progress:
    """A bar on stderr, gone once done: done of total, `counts`, elapsed and remaining."""
    columns = (
        TextColumn("[bold]ledgercheck"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(counts),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=Console(stderr=True), transient=True)


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[Any], None] | None]:
    if not wanted(total):
        yield None
        return
    stats = {"rows": 0, "findings": 0}
    with _progress("{task.fields[rows]} rows · {task.fields[findings]} findings") as bar:
        task = bar.add_task("files", total=total, rows=0, findings=0)

        def advance(result: Any) -> None:
            stats["rows"] += sum(len(t.frame) for t in result.tables)
            stats["findings"] += len(result.drafts)
            bar.update(task, advance=1, rows=stats["rows"], findings=stats["findings"])

        yield advance


@contextmanager
def partition_bar() -> Iterator[Callable[[int, int], None] | None]:
    """`--engine dask`: partitions checked, of how many (known once the file is split)."""
    if not wanted(2):
        yield None
        return
    with _progress("partitions") as bar:
        task = bar.add_task("partitions", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
