"""The console report a clerk acts on: findings grouped by rule, each with its cell."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledgercheck import catalog
from ledgercheck.findings import Finding, Report, Severity

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
WORDS = {
    "zh": {
        "error": "错误",
        "warning": "警告",
        "info": "提示",
        "where": "位置",
        "value": "值",
        "expected": "应为",
        "message": "说明",
        "clause": "条款",
        "file": "文件",
        "sheet": "工作表",
        "table": "表",
        "rows": "行数",
        "header": "表头行",
        "not_run": "未运行的规则",
        "clean": "未发现问题",
        "summary": "汇总",
        "unrecognised": "未识别",
        "rule": "规则",
        "count": "条数",
    },
    "en": {
        "error": "errors",
        "warning": "warnings",
        "info": "info",
        "where": "cell",
        "value": "value",
        "expected": "expected",
        "message": "message",
        "clause": "clause",
        "file": "file",
        "sheet": "sheet",
        "table": "table",
        "rows": "rows",
        "header": "header row",
        "not_run": "rules not run",
        "clean": "no problems found",
        "summary": "summary",
        "unrecognised": "not recognised",
        "rule": "rule",
        "count": "findings",
    },
}
MAX_ROWS_PER_RULE = 200


def location(f: Finding) -> str:
    if f.cell and f.sheet:
        return f"{f.sheet}!{f.cell}"
    if f.sheet and f.row is not None:
        return f"{f.sheet}!{f.row}"
    return f.sheet or f.file or "—"


def render(report: Report, console: Console, lang: str = "zh") -> None:
    w = WORDS[lang]
    _inputs(report, console, w)
    findings = sorted(report.findings, key=lambda f: (f.severity.rank, f.code, f.sort_key()))
    for code, group in groupby(findings, key=lambda f: f.code):
        _rule_block(code, list(group), console, lang, w)
    _summary(report, console, w)
    if report.rules_not_run:
        names = ", ".join(n.code for n in report.rules_not_run)
        console.print(Text(f"{w['not_run']}: {names}", style="dim"))
    _closing(report, console, w)


def _inputs(report: Report, console: Console, w: dict[str, str]) -> None:
    table = Table(title=None, show_edge=False, pad_edge=False)
    for key in ("file", "sheet", "table", "header", "rows"):
        table.add_column(w[key], justify="right" if key in {"rows", "header"} else "left")
    for info in report.inputs:
        if info.error:
            table.add_row(info.file, "—", Text(info.error, style="red"), "", "")
        for s in info.sheets:
            table.add_row(
                info.file,
                s.sheet,
                s.table or Text(w["unrecognised"], style="dim"),
                str(s.header_row or ""),
                str(s.rows),
            )
    console.print(table)
    console.print()


def _rule_block(
    code: str, group: list[Finding], console: Console, lang: str, w: dict[str, str]
) -> None:
    first = group[0]
    title = catalog.text(code, "title", lang)
    clause = f"  [{w['clause']} {first.clause}]" if first.clause else ""
    head = Text.assemble(
        (f"{code} ", STYLE[first.severity]),
        (f"{title}", "bold"),
        (f"  ×{len(group)}", "dim"),
        (clause, "dim"),
    )
    console.print(head)
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2, 0, 2))
    for key in ("where", "value", "expected", "message"):
        table.add_column(w[key], overflow="fold")
    for f in group[:MAX_ROWS_PER_RULE]:
        table.add_row(location(f), f.value or "", f.expected or "", f.message)
    console.print(table)
    if len(group) > MAX_ROWS_PER_RULE:
        console.print(Text(f"  … +{len(group) - MAX_ROWS_PER_RULE}", style="dim"))
    console.print()


def _summary(report: Report, console: Console, w: dict[str, str]) -> None:
    if not report.findings:
        return
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for f in report.findings:
        per[f.table or "—"][f.severity.value] += 1
    table = Table(title=w["summary"], show_edge=False)
    table.add_column(w["table"])
    for sev in Severity:
        table.add_column(w[sev.value], justify="right", style=STYLE[sev])
    for name in sorted(per):
        table.add_row(name, *(str(per[name][s.value]) for s in Severity))
    console.print(table)
    console.print()


def _closing(report: Report, console: Console, w: dict[str, str]) -> None:
    counts = report.counts()
    if not report.findings:
        console.print(Text(f"✓ {w['clean']} ({report.rows} {w['rows']})", style="bold green"))
        return
    parts = [Text(f"{counts[s.value]} {w[s.value]}", style=STYLE[s]) for s in Severity]
    line = Text("✗ " if counts["error"] else "! ")
    for i, part in enumerate(parts):
        line.append_text(part)
        if i < len(parts) - 1:
            line.append(" · ")
    line.append(f"  ({report.rows} {w['rows']})", style="dim")
    console.print(line)
