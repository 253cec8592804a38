"""One self-contained HTML report: opens offline, from a USB stick or an e-mail attachment.

Everything is inline (CSS, a little vanilla JS, charts as SVG); a Content-Security-Policy
forbids the page any network request, so a clerk's browser never reaches out. Every value
from a ledger is escaped. Charts come from `charts` (matplotlib); figures beyond findings
(ratios, coverage, districts) come from the pipeline through `Report.series`,
`Report.aggregates` and `Report.districts`; a report built without them falls back to
what its findings say, and the ratio chart then says it is partial.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from html import escape

from ledgercheck import __version__, catalog, i18n, tracking
from ledgercheck.findings import Aggregate, Finding, Report, Severity
from ledgercheck.reporters import charts
from ledgercheck.reporters.common import INVENTORY_FILES, inventory, not_run_reason, where
from ledgercheck.tables import TABLES

RATIO_CODE = "MED010"
RATIO_SERIES = "inpatient_ratio"
DEFAULT_TARGET = 0.90
COVERAGE_ORDER = (
    "basic_medical_insurance",
    "critical_illness_insurance",
    "housing_safe",
    "water_safe",
)
ALL = "all"
# Columns of the findings table, as i18n keys.
COLUMNS = (
    "severity",
    "rule",
    "rule_title",
    "district",
    "file",
    "where",
    "value",
    "expected",
    "message",
    "clause",
)
NOWRAP = {0, 1, 3, 4, 5, 9}  # indexes into COLUMNS
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

CSS = """
:root{--err:#c62828;--warn:#f9a825;--info:#1e88e5;--line:#e0e0e0;--ink:#212121}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;color:var(--ink);background:#fafafa;
font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
"WenQuanYi Zen Hei",system-ui,sans-serif;font-size:14px;line-height:1.5}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;
border-left:4px solid #3949ab;padding-left:8px}
h3{font-size:15px;margin:0 0 6px}
.meta{color:#616161;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 18px;
min-width:120px}
.card b{display:block;font-size:26px}
.card.error b{color:var(--err)}.card.warning b{color:#b28704}.card.info b{color:var(--info)}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eceff1;position:sticky;top:0}
td.num{text-align:right}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px}
figure svg{width:100%;height:auto}
.note{color:#616161;font-size:12px}
td.nw{white-space:nowrap}
.sev{display:inline-block;white-space:nowrap;border-radius:3px;padding:0 6px;color:#fff;
font-size:12px}
.sev.error{background:var(--err)}.sev.warning{background:var(--warn);color:#000}
.sev.info{background:var(--info)}
.filters{display:flex;gap:12px;flex-wrap:wrap;align-items:center;margin:0 0 8px}
.filters select,.filters input{font:inherit;padding:2px 4px}
footer{margin-top:32px;color:#757575;font-size:12px}
details{margin-top:8px}summary{cursor:pointer;font-weight:bold}
"""

# Filters rows by rule, severity, district and free text; counts what is shown.
JS = """
(function () {
  var table = document.getElementById("findings");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var rule = document.getElementById("f-rule"), sev = document.getElementById("f-sev");
  var dist = document.getElementById("f-district"), text = document.getElementById("f-text");
  var shown = document.getElementById("f-shown");
  function apply() {
    var q = text.value.trim().toLowerCase(), n = 0;
    rows.forEach(function (r) {
      var ok = (!rule.value || r.dataset.rule === rule.value) &&
        (!sev.value || r.dataset.sev === sev.value) &&
        (!dist.value || r.dataset.district === dist.value) &&
        (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  // A filter can be given in the address (report.html#rule=MED001&district=吉阳区), so a
  // clerk can send a colleague a link to just the rows that concern them.
  var given = new URLSearchParams(location.hash.slice(1));
  [["rule", rule], ["sev", sev], ["district", dist], ["q", text]].forEach(function (p) {
    if (given.has(p[0])) { p[1].value = given.get(p[0]); }
  });
  [rule, sev, dist, text].forEach(function (el) { el.addEventListener("input", apply); });
  apply();
})();
"""


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def district_of(
    report: Report, f: Finding, file_districts: dict[str, str], w: dict[str, str]
) -> str:
    """The row's district; else the file's, when all its rows are in one; else the file."""
    return (
        report.district(f)
        or (file_districts.get(f.file) if f.file else None)
        or f.file
        or w["whole_ledger"]
    )


def single_district_files(report: Report) -> dict[str, str]:
    seen = report.districts.names_by_file()
    return {file: next(iter(names)) for file, names in seen.items() if len(names) == 1}


def render(report: Report, lang: str = "zh") -> str:
    w = i18n.words(lang)
    files = single_district_files(report)
    districts = [district_of(report, f, files, w) for f in report.findings]
    body = "\n".join(
        [
            _header(report, w),
            _tracking(report, lang),
            _charts(report, districts, lang, w),
            _findings(report, districts, lang, w),
            _overview(report, lang, w),
            f"<footer>{e(w['generated_by'].format(version=__version__))} · "
            f"{e(w['masked_note'])}</footer>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(w['report_title'])} · {e(report.rule_pack)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n<script>{JS}</script>\n"
        "</body>\n</html>\n"
    )


def _header(report: Report, w: dict[str, str]) -> str:
    counts = report.counts()
    cards = "".join(
        f'<div class="card {s.value}"><b>{counts[s.value]}</b>{e(w[s.value])}</div>'
        for s in Severity
    )
    cards += f'<div class="card"><b>{report.rows}</b>{e(w["rows"])}</div>'
    return (
        f"<header><h1>{e(w['report_title'])}</h1>"
        f'<p class="meta">{e(w["rule_pack"])}{e(w["colon"])}{e(report.rule_pack)}</p>'
        f'<div class="cards">{cards}</div></header>'
    )


def _new_mark(f: Finding, lang: str) -> str:
    if f.state != tracking.NEW:
        return ""
    return f'<b style="color:#c00">{e(tracking.words(lang)["new_mark"])}</b> '


def _tracking(report: Report, lang: str) -> str:
    """Against --baseline/--history: new, open and resolved counts, and what was resolved."""
    counts = tracking.counts(report)
    if counts is None:
        return ""
    tw = tracking.words(lang)
    cards = "".join(
        f'<div class="card"><b>{counts[state]}</b>{e(tw[state])}</div>' for state in tracking.STATES
    )
    rows = "".join(
        f"<tr><td>{e(d.get('code', ''))}</td><td>{e(_old_where(d))}</td>"
        f"<td>{e(d.get('message', ''))}</td></tr>"
        for d in report.resolved or []
    )
    table = f"<table><tbody>{rows}</tbody></table>" if rows else ""
    return (
        f'<section><h2>{e(tw["tracking"])}</h2><div class="cards">{cards}</div>'
        f"{f'<h3>{e(tw[tracking.RESOLVED])}</h3>' if rows else ''}{table}</section>"
    )


def _old_where(d: dict[str, object]) -> str:
    sheet, cell, row = d.get("sheet"), d.get("cell"), d.get("row")
    if sheet and (cell or row is not None):
        return f"{sheet}!{cell or row}"
    return str(sheet or "")


def _overview(report: Report, lang: str, w: dict[str, str]) -> str:
    heads = "".join(f"<th>{e(w[k])}</th>" for k in ("file", "sheet", "table", "header", "rows"))
    rows = []
    for info in report.inputs:
        if info.error:
            rows.append(f'<tr><td>{e(info.file)}</td><td colspan="4">{e(info.error)}</td></tr>')
        for s in info.sheets:
            rows.append(
                f"<tr><td>{e(info.file)}</td><td>{e(s.sheet)}</td>"
                f"<td>{e(table_title(s.table, lang) if s.table else w['unrecognised'])}</td>"
                f'<td class="num">{e(s.header_row or "")}</td><td class="num">{s.rows}</td></tr>'
            )
    table = f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    if len(report.inputs) > INVENTORY_FILES:  # folded: the overview stays in view
        table = f"<details><summary>{e(inventory(report, w))}</summary>{table}</details>"
    out = f"<section><h2>{e(w['inputs'])}</h2>{table}"
    if report.rules_not_run:
        items = "".join(
            f"<li><b>{e(n.code)}</b> {e(catalog.text(n.code, 'title', lang))}"
            f" — {e(not_run_reason(n.reason, w))}</li>"
            for n in report.rules_not_run
        )
        # Folded: a ledger with few tables leaves most rules not run, and that list is long.
        out += (
            f"<details><summary>{e(w['not_run'])} ({len(report.rules_not_run)})</summary>"
            f"<ul>{items}</ul></details>"
        )
    return out + "</section>"


def table_title(name: str, lang: str) -> str:
    """户信息 for households in Chinese; the canonical name otherwise."""
    table = TABLES.get(name)
    return table.title if table is not None and lang == "zh" else name


def _figure(title: str, svg: str | None, w: dict[str, str], note: str = "") -> str:
    inner = svg if svg else f'<p class="note">{e(w["no_data"])}</p>'
    extra = f'<p class="note">{e(note)}</p>' if note else ""
    return f"<figure><h3>{e(title)}</h3>{inner}{extra}</figure>"


def _severity_counts(keys: Iterable[str], findings: list[Finding]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for key, f in zip(keys, findings, strict=True):
        out[key][f.severity.value] += 1
    return out


def _charts(report: Report, districts: list[str], lang: str, w: dict[str, str]) -> str:
    labels = {s.value: w[s.value] for s in Severity}
    by_rule = _severity_counts((f.code for f in report.findings), report.findings)
    by_district = _severity_counts(districts, report.findings)
    figures = [
        _figure(
            w["by_rule"],
            charts.stacked_bars("rule", by_rule, labels, w["count"]) if by_rule else None,
            w,
        ),
        _figure(
            w["by_district"],
            charts.stacked_bars("district", by_district, labels, w["count"])
            if by_district
            else None,
            w,
        ),
        _ratio_figure(report, w),
        _coverage_figure(report, w),
    ]
    note = "" if charts.font_found() else f'<p class="note">{e(w["font_missing"])}</p>'
    return (
        f'<section><h2>{e(w["charts"])}</h2>{note}<div class="grid">{"".join(figures)}</div>'
        f"{_coverage_table(report, w)}</section>"
    )


def _percent(text: str | None) -> float | None:
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*%\s*", text or "")
    return float(match.group(1)) / 100 if match else None


def ratio_data(report: Report) -> tuple[list[float], float, bool]:
    """(ratios, target, complete): every claim from the pipeline, else MED010's findings."""
    target = next(
        (a.target for a in report.aggregates if a.name == RATIO_SERIES and a.scope == ALL), None
    )
    if RATIO_SERIES in report.series:
        return list(report.series[RATIO_SERIES]), target or DEFAULT_TARGET, True
    found = [f for f in report.findings if f.code == RATIO_CODE]
    ratios = [r for f in found if (r := _percent(f.value)) is not None]
    expected = next((t for f in found if (t := _percent(f.expected)) is not None), None)
    return ratios, target or expected or DEFAULT_TARGET, False


def _ratio_figure(report: Report, w: dict[str, str]) -> str:
    ratios, target, complete = ratio_data(report)
    svg = charts.histogram("ratio", ratios, target, w) if ratios else None
    return _figure(w["ratio_title"], svg, w, "" if complete or not ratios else w["ratio_partial"])


def coverage_rows(report: Report) -> list[Aggregate]:
    order = {name: i for i, name in enumerate(COVERAGE_ORDER)}
    rows = [a for a in report.aggregates if a.name in order and a.measured is not None]
    return sorted(rows, key=lambda a: (order[a.name], a.scope != ALL, a.scope))


def _coverage_figure(report: Report, w: dict[str, str]) -> str:
    bars = [
        (w[f"cov_{a.name}"], float(a.measured), 1.0)
        for a in coverage_rows(report)
        if a.scope == ALL and a.measured is not None
    ]
    svg = charts.rates("coverage", bars, w["coverage_axis"]) if bars else None
    return _figure(w["coverage_title"], svg, w)


def _coverage_table(report: Report, w: dict[str, str]) -> str:
    rows = coverage_rows(report)
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{e(w[f'cov_{a.name}'])}</td>"
        f"<td>{e(w['scope_all'] if a.scope == ALL else a.scope)}</td>"
        f'<td class="num">{a.numerator:.0f} / {a.denominator:.0f}</td>'
        f'<td class="num">{(a.measured or 0):.1%}</td><td class="num">{a.target:.0%}</td></tr>'
        for a in rows
    )
    heads = (w["indicator"], w["district"], w["covered"], w["coverage_axis"], w["target"])
    head = "".join(f"<th>{e(h)}</th>" for h in heads)
    return (
        f'<h3 style="margin-top:16px">{e(w["coverage_title"])}</h3>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _options(values: Iterable[tuple[str, str]], w: dict[str, str]) -> str:
    items = [f'<option value="">{e(w["all"])}</option>']
    items += [f'<option value="{e(v)}">{e(label)}</option>' for v, label in values]
    return "".join(items)


def _filters(report: Report, districts: list[str], lang: str, w: dict[str, str]) -> str:
    codes = sorted({f.code for f in report.findings})
    rule_opts = _options(((c, f"{c} {catalog.text(c, 'title', lang)}") for c in codes), w)
    sev_opts = _options(((s.value, i18n.severity(s.value, lang)) for s in Severity), w)
    dist_opts = _options(((d, d) for d in sorted(set(districts))), w)
    return (
        '<div class="filters">'
        f'<label>{e(w["rule"])} <select id="f-rule">{rule_opts}</select></label>'
        f'<label>{e(w["severity"])} <select id="f-sev">{sev_opts}</select></label>'
        f'<label>{e(w["district"])} <select id="f-district">{dist_opts}</select></label>'
        f'<label>{e(w["search"])} <input id="f-text" type="search"></label>'
        f'<span>{e(w["shown"])} <b id="f-shown">{len(report.findings)}</b>'
        f" / {len(report.findings)}</span></div>"
    )


def _row(f: Finding, district: str, lang: str) -> str:
    cells = (
        f'<span class="sev {f.severity.value}">{e(i18n.severity(f.severity.value, lang))}</span>',
        e(f.code),
        e(catalog.text(f.code, "title", lang)),
        e(district),
        e(f.file or ""),
        _new_mark(f, lang) + e(where(f)),
        e(f.value or ""),
        e(f.expected or ""),
        e(f.message),
        e(f.clause or ""),
    )
    # Short columns (severity, code, district, file, cell, clause) must not wrap.
    tds = "".join(
        f'<td class="nw">{c}</td>' if i in NOWRAP else f"<td>{c}</td>" for i, c in enumerate(cells)
    )
    return (
        f'<tr data-rule="{e(f.code)}" data-sev="{f.severity.value}" '
        f'data-district="{e(district)}">{tds}</tr>'
    )


def _findings(report: Report, districts: list[str], lang: str, w: dict[str, str]) -> str:
    title = f"<h2>{e(w['findings'])}</h2>"
    if not report.findings:
        return f"<section>{title}<p>{e(w['no_findings'])}</p></section>"
    keys = COLUMNS
    head = "".join(f"<th>{e(w[k])}</th>" for k in keys)
    rows = "".join(_row(f, d, lang) for f, d in zip(report.findings, districts, strict=True))
    return (
        f"<section>{title}{_filters(report, districts, lang, w)}"
        f'<table id="findings"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        "</section>"
    )
