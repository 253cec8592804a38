"""Reporters: one module per output format; each turns a Report into text or bytes.

`FORMATS` maps a `--format` name to its renderer; new formats register here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from ledgercheck.findings import Report
from ledgercheck.reporters import concise, console, csv, github, json, jsonlines, junit, sarif


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


def _html(report: Report, ctx: Context) -> str:
    # Imported on use: matplotlib takes a second to load and only this format needs it.
    from ledgercheck.reporters import html as html_report

    return html_report.render(report, ctx.lang)


FORMATS: dict[str, Renderer] = {
    "console": _console,
    "json": _json,
    "json-lines": lambda report, ctx: jsonlines.render(report),
    "csv": lambda report, ctx: csv.render(report),
    "junit": lambda report, ctx: junit.render(report, ctx.lang),
    "sarif": lambda report, ctx: sarif.render(report, ctx.lang),
    "github": lambda report, ctx: github.render(report, ctx.lang),
    "concise": lambda report, ctx: concise.render(report),
    "html": _html,
}


def render(name: str, report: Report, ctx: Context) -> str | bytes:
    return FORMATS[name](report, ctx)
