"""GitHub Actions workflow commands: each finding becomes an annotation on the run.

`::error file=a.xlsx,title=MED001 未参加基本医保::成员信息!H17 …`; warnings stay warnings and
info becomes `notice`. Escaping follows the runner's rules: data escapes % CR LF, and
property values also : and , (which would otherwise end the value).
"""

from __future__ import annotations

from ledgercheck import catalog
from ledgercheck.findings import Finding, Report, Severity
from ledgercheck.reporters.common import where

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def line(f: Finding, lang: str) -> str:
    title = f"{f.code} {catalog.text(f.code, 'title', lang)}".strip()
    props = [f"title={escape_property(title)}"]
    if f.file:
        props.insert(0, f"file={escape_property(f.file)}")
    spot = where(f)
    message = f"{spot}: {f.message}" if spot else f.message
    return f"::{COMMAND[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(report: Report, lang: str) -> str:
    return "".join(line(f, lang) + "\n" for f in report.findings)
