"""The console report a clerk acts on: findings grouped by rule, each with its cell."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledgercheck import catalog, i18n, tracking
from ledgercheck.findings import Finding, Report, Severity
from ledgercheck.reporters.common import INVENTORY_FILES, inventory, not_run_reason
from ledgercheck.reporters.json import HEADLINE

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
# Headings come from the one catalogue every human-facing report shares.
WORDS = i18n.WORDS
MAX_ROWS_PER_RULE = 200


def location(f: Finding) -> str:
    if f.cell and f.sheet:
        return f"{f.sheet}!{f.cell}"
    if f.sheet and f.row is not None:
        return f"{f.sheet}!{f.row}"
    return f.sheet or f.file or "—"


def render(report: Report, console: Console, lang: str = "zh") -> None:
    w = i18n.words(lang)
    _inputs(report, console, w)
    _comparisons(report, console, w)
    findings = sorted(report.findings, key=lambda f: (f.severity.rank, f.code, f.sort_key()))
    for code, group in groupby(findings, key=lambda f: f.code):
        _rule_block(code, list(group), console, lang, w)
    _summary(report, console, w)
    _headline(report, console, w)
    _breakdowns(report, console, w)
    _not_run(report, console, w)
    _tracking(report, console, lang)
    _closing(report, console, w)


def _not_run(report: Report, console: Console, w: dict[str, str]) -> None:
    """The rules that did not run, a line for each reason (a missing table stops dozens)."""
    by_reason: dict[str, list[str]] = {}
    for n in report.rules_not_run:
        by_reason.setdefault(not_run_reason(n.reason, w), []).append(n.code)
    if not by_reason:
        return
    console.print(Text(f"{w['not_run']} ({len(report.rules_not_run)}):", style="dim"))
    grid = Table.grid(padding=(0, 2), pad_edge=True)  # a long list wraps under its codes
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(style="dim")
    for why, codes in by_reason.items():
        grid.add_row(why, ", ".join(codes))
    console.print(grid)


def _headline(report: Report, console: Console, w: dict[str, str]) -> None:
    """The plan's headline rates beside their targets; a rate short of its target in red."""
    rows = [a for a in report.aggregates if a.name in HEADLINE and a.measured is not None]
    if not rows:
        return
    order = {name: i for i, name in enumerate(HEADLINE)}
    if len({a.scope for a in rows if a.scope != "all"}) <= 1:
        rows = [a for a in rows if a.scope == "all"]  # one 区: its rows repeat the total
    rows.sort(key=lambda a: (order[a.name], a.scope != "all", a.scope))
    table = Table(title=w["headline"], show_edge=False)
    for key, justify in (
        ("indicator", "left"),
        ("district", "left"),
        ("measured", "right"),
        ("target", "right"),
        ("covered", "right"),
    ):
        table.add_column(w[key], justify=justify)  # type: ignore[arg-type]
    for a in rows:
        assert a.measured is not None
        style = "red" if a.measured < a.target - 1e-9 else "green"
        table.add_row(
            w.get(f"cov_{a.name}", a.name),
            w["scope_all"] if a.scope == "all" else a.scope,
            Text(f"{a.measured:.1%}", style=style),
            f"{a.target:.0%}",
            f"{a.numerator:,.0f} / {a.denominator:,.0f}",
        )
    console.print(table)
    console.print()


def _inputs(report: Report, console: Console, w: dict[str, str]) -> None:
    """Each sheet read, as what table from which header row. Of many files, only what needs
    a look (a file not read, a sheet no table was recognised in) and a line of counts: 300
    village workbooks made 1,800 lines before the first finding. JSON keeps every sheet."""
    many = len(report.inputs) > INVENTORY_FILES
    table = Table(title=None, show_edge=False, pad_edge=False)
    for key in ("file", "sheet", "table", "header", "rows"):
        table.add_column(w[key], justify="right" if key in {"rows", "header"} else "left")
    for info in report.inputs:
        if info.error:
            table.add_row(info.file, "—", Text(info.error, style="red"), "", "")
        for s in info.sheets:
            if many and s.table:
                continue
            table.add_row(
                info.file,
                s.sheet,
                (f"{s.table} (flat)" if s.flat else s.table)
                or Text(w["unrecognised"], style="dim"),
                str(s.header_row or ""),
                str(s.rows),
            )
    if table.row_count:
        console.print(table)
    if many:
        console.print(Text(f"{inventory(report, w)}{w['inventory_json']}", style="dim"))
    console.print()


def _where(f: Finding, most: int = 3) -> str:
    """The ledger's cell and, for a roster cross-check (XR), the roster rows behind it."""
    others = [f"\n↔ {r.sheet or r.file}!{r.cell or r.row}" for r in f.related[:most]]
    more = f" +{len(f.related) - most}" if len(f.related) > most else ""
    return location(f) + "".join(others) + more


def _comparisons(report: Report, console: Console, w: dict[str, str]) -> None:
    """Per roster: ledger persons matched / missing, roster records outside (not findings)."""
    if not report.comparisons:
        return
    table = Table(title=w["comparison"], show_edge=False, pad_edge=False)
    # heading word → field of the comparison
    columns = {
        "records": "records",
        "in_ledger": "ledger",
        "matched": "matched",
        "missing": "missing",
        "outside": "outside",
    }
    table.add_column(w["roster"])
    for word in columns:
        table.add_column(w[word], justify="right")
    for c in report.comparisons:
        name = f"{c['title']} ({c['roster']})"
        table.add_row(name, *(str(c[field]) for field in columns.values()))
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
        table.add_row(_marked(f, lang), f.value or "", f.expected or "", f.message)
    console.print(table)
    if len(group) > MAX_ROWS_PER_RULE:
        console.print(Text(f"  … +{len(group) - MAX_ROWS_PER_RULE}", style="dim"))
    console.print()


def _marked(f: Finding, lang: str) -> Text:
    """The location, led by a mark when the finding is new since the baseline."""
    if f.state != tracking.NEW:
        return Text(_where(f))
    return Text.assemble((f"{tracking.words(lang)['new_mark']} ", "bold red"), _where(f))


def _tracking(report: Report, console: Console, lang: str) -> None:
    """new · open · resolved against the baseline or the history's last run."""
    counts = tracking.counts(report)
    if counts is None:
        return
    tw = tracking.words(lang)
    line = Text(f"{tw['tracking']}: ")
    for i, state in enumerate(tracking.STATES):
        if i:
            line.append(" · ")
        line.append(f"{tw[state]} {counts[state]}", style=tracking.STATE_STYLE[state])
    console.print(line)


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


def _breakdowns(report: Report, console: Console, w: dict[str, str]) -> None:
    """Per file (for a batch of several) and per district: where the work lies."""
    if len(report.inputs) > 1:
        _count_table(report.summary_by_file(), w["by_file"], w["file"], console, w)
    by_district = report.summary_by_district()
    if by_district:
        _count_table(by_district, w["by_district"], w["district"], console, w)


def _count_table(
    counts: dict[str, dict[str, int]], title: str, key: str, console: Console, w: dict[str, str]
) -> None:
    table = Table(title=title, show_edge=False)
    table.add_column(key)
    table.add_column(w["rows"], justify="right")
    for sev in Severity:
        table.add_column(w[sev.value], justify="right", style=STYLE[sev])
    for name, row in counts.items():
        table.add_row(name, str(row["rows"]), *(str(row[s.value]) for s in Severity))
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
