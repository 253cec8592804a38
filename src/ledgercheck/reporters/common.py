"""Small helpers several reporters share."""

from __future__ import annotations

from ledgercheck.findings import Finding, Report
from ledgercheck.ledger import absent
from ledgercheck.tables import TABLES

# A cell a spreadsheet program would run as a formula (OWASP "CSV injection"): these leading
# characters make Excel, WPS and LibreOffice evaluate the text, so a hostile value written
# into a ledger could run when a clerk opens the report.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# More inputs than this: a person's report counts the sheets read instead of listing them
# (300 village workbooks are 1,800 sheets); JSON always lists them.
INVENTORY_FILES = 5


def neutralise(text: str) -> str:
    """Prefix a single quote so the cell is shown as text, never evaluated."""
    return "'" + text if text.startswith(FORMULA_START) else text


def where(f: Finding) -> str:
    """`成员信息!H17`, `成员信息!17` (a row), `成员信息` (a sheet) or '' (a file or the ledger)."""
    if f.sheet and f.cell:
        return f"{f.sheet}!{f.cell}"
    if f.sheet and f.row is not None:
        return f"{f.sheet}!{f.row}"
    return f.sheet or ""


def not_run_reason(reason: str, w: dict[str, str]) -> str:
    """Why a rule did not run, in the words of `w` (i18n.words): the table or columns by
    their Chinese names, every missing roster as one reason."""
    what = absent(reason)
    if what is None:
        return reason
    table = TABLES[what.table]
    if table.roster:
        return w["nr_roster"]
    if not what.columns:
        return w["nr_table"].format(name=table.name, title=table.title)
    headers = [table.by_name[c].header if c in table.by_name else c for c in what.columns]
    return w["nr_columns"].format(
        name=table.name,
        title=table.title,
        names=", ".join(what.columns),
        headers="、".join(headers),
    )


def inventory(report: Report, w: dict[str, str]) -> str:
    """How many files and sheets were read, in the reader's language."""
    sheets = sum(len(info.sheets) for info in report.inputs)
    return w["inventory"].format(files=len(report.inputs), sheets=sheets)
