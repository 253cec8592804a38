"""`verify --jobs N` over several ledger files: distributed.py's map/reduce on local workers.

Checking the union of all files in the parent leaves the workers idle for much of a run,
and shipping every file's typed frames back costs as much again. Here the workers check
the files, and the parent judges only what is judged across files (distributed.py's
docstring tells the stages):

1. read   — each file is read by whichever worker is free, which keeps it and sends back
            its outline (distributed.outline): its tables' shape and hashed join keys.
2. check  — the parent groups the files that share a join key into parts (distributed.group)
            and gives each part to the worker holding most of it; what it lacks, the
            workers holding it hand over (`handoff`). Each worker checks all its parts as
            one, with the union's shape, by every rule but the cross-file ones, keeps that
            part and sends back its summary.
3. reduce — the parent judges the cross-file rules (distributed.reduce); the workers draft
            the rows picked (a person registered earlier, HH005; the uninsured, MED001/2)
            from the parts they kept; distributed.merge makes the report.

The report is the one `pipeline.assemble` gives for the union (tests/test_batch.py).

Each worker is a process pool of one: a shared pool hands a task to any of its workers,
and only the worker that read a file can check it without reading it again. One part a
worker, not one a file: the rules cost ~0.09 s a part whatever its size (twenty district
workbooks of 5,000 members take 2.3 s checked one by one, 0.5 s as one part).
Everything sent to a worker is a top-level function (Windows spawns them), and nothing
here imports dask.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from ledgercheck import handoff, oneshot, pipeline
from ledgercheck.distributed import (
    Outline,
    Part,
    Shapes,
    Summary,
    Verdict,
    check_part,
    finish,
    group,
    merge,
    outline,
    reduce,
    summarise,
    union_shapes,
)
from ledgercheck.findings import Draft, InputInfo, Report
from ledgercheck.normalize import TableData
from ledgercheck.pipeline import FileResult, Options, Progress
from ledgercheck.tables import TABLES

T = TypeVar("T")
CRASHED = "the spreadsheet reader crashed on this file (corrupt workbook)"
# Files sent to a worker at a time: the next is there when it is done with one.
SENT = 2
# A file for a worker to check that another worker read: handed over by that worker (or,
# small, through the pipes); for a file whose reader crashed, what the parent made of it.
Source = handoff.Handoff[FileResult] | FileResult
# Stage 2's work: each worker's files to check, and for those it did not read, the worker
# holding each (or the crashed file's result).
Plan = list[tuple["Slot", list[int], dict[int, "Slot | FileResult"]]]


# --- in a worker ------------------------------------------------------------------------------


@dataclass
class Held:
    """What a worker keeps between the parent's tasks: the files it read, then its part."""

    files: dict[int, FileResult] = field(default_factory=dict)
    part: Part | None = None


HELD = Held()  # this process's: each worker has its own


@dataclass
class Read:
    """A file as the parent gets it from the worker that read it: never its rows."""

    outline: Outline
    drafts: list[Draft]  # its reading findings (F001–F004)


def read(index: int, path: Path, label: str, options: Options) -> Read:
    """Read a file and keep it here, for this worker to check it."""
    result = pipeline.load_file(path, label, options)  # by attribute: tests stand in for it
    HELD.files[index] = result
    return Read(outline(result), result.drafts)


def give(index: int, into: str | None) -> Source:
    """A file read and kept here, for another worker to check: handed over, not read again
    there (a million-member CSV takes seconds to read, a moment to hand over)."""
    return handoff.send(HELD.files.pop(index), into)


def check(files: list[int], extra: dict[int, Source], shapes: Shapes, options: Options) -> Summary:
    """Check whole parts as one, with the union's shape: the files kept here, and `extra`."""
    results = [handoff.receive(extra[i]) if i in extra else HELD.files[i] for i in files]
    HELD.files.clear()  # the part holds what it needs; files another worker checks go
    HELD.part = check_part(files, results, shapes, options)
    return summarise(HELD.part)


def draft(duplicates: list[int], uncovered: list[str], options: Options) -> list[Draft]:
    """The rows of the part kept here that the parent's reduce picked."""
    if HELD.part is None:
        raise RuntimeError("no part checked in this worker")
    return finish(HELD.part, duplicates, uncovered, options)


# --- in the parent ----------------------------------------------------------------------------


class Slot:
    """A worker: a process pool of one, so that a task goes to the process holding its files."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.held: list[int] = []  # files read there and kept
        self.sent: deque[int] = deque()  # files sent to read, in the order it reads them
        self.suspect: int | None = None  # a file its last process died on, to retry alone
        self.life = 0  # which of its processes: a task's outcome is for the one it went to
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        if self._pool is None:
            self._pool = oneshot.pool(1)
        return self._pool.submit(fn, *args)

    def restart(self) -> tuple[int, list[int]]:
        """After its process died: a new one next time. The file it died reading (the first
        of those sent), and the files lost with it: those it held and those sent after."""
        dead, *after = self.sent
        lost = self.held + after
        self.held, self.sent = [], deque()
        self.life += 1
        self.close(wait=True)
        return dead, lost

    def close(self, wait: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


def verify(
    paths: Sequence[tuple[Path, str]], options: Options, progress: Progress | None = None
) -> Report:
    """The report `pipeline.verify` gives for these ledger files (no rosters), on workers."""
    items = list(paths)
    slots = [Slot(n) for n in range(max(1, min(options.jobs, len(items))))]
    try:
        try:
            return run(slots, items, options, progress)
        finally:
            for slot in slots:
                slot.close(wait=False)  # its process exits while the report is written
    except BrokenExecutor:
        # Reading tells which file kills a worker. A worker dying later, on files read fine
        # before (out of memory?), is no file's fault: the union path, whose reading
        # isolates crashes too, still gives the report.
        return pipeline.assemble(pipeline.load_all(items, options), options)


def run(
    slots: list[Slot],
    paths: list[tuple[Path, str]],
    options: Options,
    progress: Progress | None = None,
) -> Report:
    reads, crashed = read_all(slots, paths, options, progress)
    outlines = [r.outline for r in reads]
    plan = assign(slots, group(outlines), outlines, crashed)
    units = check_all(plan, outlines, options)
    summaries = [u.summary for u in units]
    verdict = reduce(summaries, options)
    drafts = verdict.drafts + draft_all(units, verdict, options)
    return merge(outlines, summaries, drafts, options)


@dataclass
class Unit:
    """A worker's part: its files, the worker that keeps it, and its summary."""

    files: list[int]
    slot: Slot
    summary: Summary


def check_all(plan: Plan, outlines: list[Outline], options: Options) -> list[Unit]:
    """Stage 2: each worker checks its parts; their summaries in input order."""
    union = columns(outlines)
    shapes: Shapes | None = None
    moves = {i: src for _, _, extra in plan for i, src in extra.items() if isinstance(src, Slot)}
    into = handoff.folder() if moves else None
    # Every file handed over before any check starts: a check lets go of its worker's files.
    given_up = {i: holder.submit(give, i, into) for i, holder in moves.items()}
    tasks = []
    # Parts waiting for no other worker's file go first.
    for slot, files, extra in sorted(plan, key=lambda entry: any(i in moves for i in entry[2])):
        # Files with every table and column of the union are checked as they are: the
        # union's shape would add nothing (distributed.fill), and it takes time to make.
        if columns([outlines[i] for i in files]) == union:
            given: Shapes = {}
        else:
            given = shapes = union_shapes(outlines) if shapes is None else shapes
        sources = {i: given_up[i].result() if i in moves else src for i, src in extra.items()}
        tasks.append((files, slot, slot.submit(check, files, sources, given, options)))
    units = [Unit(files, slot, task.result()) for files, slot, task in tasks]
    return sorted(units, key=lambda u: u.files[0])


def draft_all(units: list[Unit], verdict: Verdict, options: Options) -> list[Draft]:
    """Stage 3: the rows the reduce picked, drafted by the workers keeping them."""
    tasks = [
        u.slot.submit(draft, verdict.duplicates.get(n, []), verdict.uncovered, options)
        for n, u in enumerate(units)
        if verdict.duplicates.get(n) or verdict.uncovered
    ]
    return [d for task in tasks for d in task.result()]


def columns(outlines: Sequence[Outline]) -> dict[str, tuple[set[str], set[str]]]:
    """The tables of some files together, with their columns: typed, and as read."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for o in outlines:
        for name, (typed, raw) in o.columns.items():
            have = out.setdefault(name, (set(), set()))
            have[0].update(typed)
            have[1].update(raw)
    return out


def read_all(
    slots: list[Slot],
    paths: list[tuple[Path, str]],
    options: Options,
    progress: Progress | None,
) -> tuple[list[Read], dict[int, FileResult]]:
    """Stage 1: each file read by a free worker and kept there; progress as each is read.

    Returns every file's read in input order, and the files whose reader crashed.
    """
    reading = Reading(slots, paths, options, progress)
    for depth in range(1, SENT + 1):  # a file each first: a few files still go to all
        for slot in slots:
            reading.feed(slot, depth)
    while reading.running:
        finished, _ = wait(reading.running, return_when=FIRST_COMPLETED)
        # Those read first: a file read before its worker died is not the one it died on.
        for future in sorted(finished, key=lambda f: f.exception() is not None):
            reading.settle(future)
    if reading.queue:
        raise RuntimeError(f"files left unread: {list(reading.queue)}")
    return [reading.reads[i] for i in range(len(paths))], reading.crashed


class Reading:
    """Stage 1's state: which worker reads what, what was read, which files crashed."""

    def __init__(
        self,
        slots: list[Slot],
        paths: list[tuple[Path, str]],
        options: Options,
        progress: Progress | None,
    ) -> None:
        self.paths, self.options, self.progress = paths, options, progress
        self.queue = deque(pipeline.biggest_first(paths))
        self.reads: dict[int, Read] = {}
        self.crashed: dict[int, FileResult] = {}
        self.running: dict[Future[Read], tuple[Slot, int, int]] = {}  # slot, its life, file

    def feed(self, slot: Slot, depth: int = SENT) -> None:
        """Keep `depth` files sent to a worker, so that it never waits for this process
        between two; a file it died on goes alone to its new process."""
        if slot.suspect is not None:
            if not slot.sent:
                self._send(slot, slot.suspect)
            return
        while len(slot.sent) < depth and (index := take(self.queue, slot.number)) is not None:
            self._send(slot, index)

    def _send(self, slot: Slot, index: int) -> None:
        future = slot.submit(read, index, *self.paths[index], self.options)
        self.running[future] = (slot, slot.life, index)
        slot.sent.append(index)

    def settle(self, future: Future[Read]) -> None:
        slot, life, index = self.running.pop(future)
        if life != slot.life:
            return  # sent to a process that died: what it lost is being read again
        try:
            got = future.result()
        except BrokenExecutor:
            self._died(slot)
        else:
            slot.sent.remove(index)
            slot.held.append(index)
            if slot.suspect == index:
                slot.suspect = None
            self._done(index, got)
        self.feed(slot)

    def _died(self, slot: Slot) -> None:
        """Read again what died with the worker; the file it was reading is tried alone in
        a new process, and if that dies too, the file is the cause."""
        dead, lost = slot.restart()
        self.queue.extendleft(reversed(lost))
        if slot.suspect != dead:
            slot.suspect = dead
            return
        slot.suspect = None
        self.crashed[dead] = _crashed(self.paths[dead][1])
        self._done(dead, Read(outline(self.crashed[dead]), self.crashed[dead].drafts))

    def _done(self, index: int, got: Read) -> None:
        if index not in self.reads:  # a file read again after its worker died is told once
            self.reads[index] = got
            if self.progress:
                self.progress(_progress(got))


def take(queue: deque[int], slot: int) -> int | None:
    """The next file for a free worker. (Tests choose otherwise.)"""
    return queue.popleft() if queue else None


def _crashed(label: str) -> FileResult:
    return FileResult(InputInfo(label, error=CRASHED), [], [Draft("F001", label, value=CRASHED)])


def _progress(got: Read) -> FileResult:
    """What `pipeline.load_all` hands the progress bar, which counts rows and findings:
    the rows are stand-ins without columns, so that the bar's count stays right."""
    rows = pd.DataFrame(index=pd.RangeIndex(got.outline.rows))
    tables = [TableData(TABLES["members"], got.outline.info.file, "", 0, rows, rows)]
    return FileResult(got.outline.info, tables if got.outline.rows else [], got.drafts)


def assign(
    slots: list[Slot],
    parts: list[list[int]],
    outlines: list[Outline],
    crashed: dict[int, FileResult],
) -> Plan:
    """Stage 2's plan: each part to the worker holding most of its rows (the least loaded
    if none does), with the workers holding the files it did not read."""
    holder = {i: slot for slot in slots for i in slot.held}
    load = {slot: 0 for slot in slots}
    plan: dict[Slot, tuple[list[int], dict[int, Slot | FileResult]]] = {}
    for files in parts:
        rows: Counter[Slot] = Counter()
        for i in files:
            if i in holder:
                rows[holder[i]] += outlines[i].rows + 1  # an empty file counts too
        slot = max(rows, key=lambda s: rows[s]) if rows else min(slots, key=lambda s: load[s])
        mine, extra = plan.setdefault(slot, ([], {}))
        for i in files:
            mine.append(i)
            if holder.get(i) is not slot:
                extra[i] = crashed[i] if i in crashed else holder[i]
            load[slot] += outlines[i].rows
    return [(slot, sorted(files), extra) for slot, (files, extra) in plan.items()]
