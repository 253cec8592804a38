"""Reporters: one module per output format; each turns a Report into text or bytes.

`FORMATS` maps a `--format` name to its renderer; new formats register here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from ledgercheck.findings import Report
from ledgercheck.reporters import console, json


@dataclass(frozen=True)
class Context:
    lang: str = "zh"
    width: int = 120
    color: bool = False


Renderer = Callable[[Report, Context], str | bytes]


def _console(report: Report, ctx: Context) -> str:
    buffer = io.StringIO()
    target = Console(
        file=buffer,
        width=ctx.width,
        color_system="auto" if ctx.color else None,
        force_terminal=ctx.color,
    )
    console.render(report, target, ctx.lang)
    return buffer.getvalue()


def _json(report: Report, ctx: Context) -> str:
    return json.render(report)


FORMATS: dict[str, Renderer] = {"console": _console, "json": _json}


def render(name: str, report: Report, ctx: Context) -> str | bytes:
    return FORMATS[name](report, ctx)
