"""JUnit XML: one test suite per rule code, one test case per finding.

CI servers (Jenkins, GitLab, Azure) show JUnit natively. An error or warning is a failed
test case (its `type` is the severity); an info finding is a passing case whose note is
kept in system-out, so it is visible without failing the build; a rule not run is a
skipped case, so a missing column is never mistaken for a pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from itertools import groupby

from ledgercheck import catalog, i18n
from ledgercheck.findings import Finding, NotRun, Report, Severity
from ledgercheck.reporters.common import where

# Characters XML 1.0 cannot carry at all; a ledger cell may hold them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _ILLEGAL.sub("\ufffd", text)


def case_name(f: Finding, lang: str) -> str:
    spot = where(f)
    base = f.file or i18n.words(lang)["whole_ledger"]
    return clean(f"{base}:{spot}" if spot else base)


def details(f: Finding, lang: str) -> str:
    w = i18n.words(lang)
    lines = [f.message]
    for key, value in (("value", f.value), ("expected", f.expected), ("clause", f.clause)):
        if value:
            lines.append(f"{w[key]}: {value}")
    return clean("\n".join(lines))


def _case(suite: ET.Element, f: Finding, lang: str) -> None:
    case = ET.SubElement(suite, "testcase", name=case_name(f, lang), classname=f.code, time="0")
    if f.severity is Severity.INFO:
        ET.SubElement(case, "system-out").text = details(f, lang)
        return
    failure = ET.SubElement(case, "failure", message=clean(f.message), type=f.severity.value)
    failure.text = details(f, lang)


def _suite(root: ET.Element, code: str, findings: list[Finding], lang: str) -> None:
    failures = sum(f.severity is not Severity.INFO for f in findings)
    title = catalog.text(code, "title", lang)
    suite = ET.SubElement(
        root,
        "testsuite",
        name=clean(f"{code} {title}".strip()),
        tests=str(len(findings)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time="0",
    )
    clause = catalog.clause(code)
    if clause:
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="clause", value=clause)
    for f in findings:
        _case(suite, f, lang)


def _not_run(root: ET.Element, items: Iterable[NotRun], lang: str) -> None:
    for item in items:
        title = catalog.text(item.code, "title", lang)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=clean(f"{item.code} {title}".strip()),
            tests="1",
            failures="0",
            errors="0",
            skipped="1",
            time="0",
        )
        case = ET.SubElement(suite, "testcase", name=item.code, classname=item.code, time="0")
        ET.SubElement(case, "skipped", message=clean(item.reason))


def render(report: Report, lang: str) -> str:
    counts = report.counts()
    root = ET.Element(
        "testsuites",
        name="ledgercheck",
        tests=str(len(report.findings) + len(report.rules_not_run)),
        failures=str(counts["error"] + counts["warning"]),
        errors="0",
        skipped=str(len(report.rules_not_run)),
        time="0",
    )
    ordered = sorted(report.findings, key=lambda f: f.code)  # stable: report order inside
    for code, group in groupby(ordered, key=lambda f: f.code):
        _suite(root, code, list(group), lang)
    _not_run(root, sorted(report.rules_not_run, key=lambda n: n.code), lang)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
