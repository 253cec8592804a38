"""Every --format on one fixed ledger: golden files, and what each consumer needs of it."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import reportdata
from junitparser import Failure, JUnitXml, Skipped
from typer.testing import CliRunner

from conftest import WIFE
from ledgercheck.cli import app
from ledgercheck.findings import Finding, Report, Severity
from ledgercheck.reporters import FORMATS, Context, render
from ledgercheck.reporters import github as github_reporter
from ledgercheck.reporters.common import neutralise

SCHEMA = Path(__file__).parent / "sarif-schema-2.1.0-rtm.5.json"
GOLDEN = {
    "console": "txt",
    "json-lines": "txt",
    "csv": "csv",
    "junit": "xml",
    "sarif": "sarif",
    "github": "txt",
    "concise": "txt",
}
LANGS = ("zh", "en")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reportdata.build(tmp_path_factory.mktemp("ledger"))


@pytest.fixture(scope="module")
def reports(ledger: Path) -> dict[str, Report]:
    return {lang: reportdata.report(ledger, lang) for lang in LANGS}


def text(fmt: str, report: Report, lang: str) -> str:
    data = render(fmt, report, Context(lang))
    return data.decode("utf-8-sig") if isinstance(data, bytes) else data


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_golden(fmt: str, lang: str, reports: dict[str, Report]) -> None:
    reportdata.check_golden(f"{fmt}.{lang}.{GOLDEN[fmt]}", text(fmt, reports[lang], lang))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_deterministic(fmt: str, ledger: Path) -> None:
    first, second = (render(fmt, reportdata.report(ledger, "zh"), Context("zh")) for _ in "12")
    assert first == second


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_format_unmasks_personal_data(fmt: str, reports: dict[str, Report]) -> None:
    """HH005 names 陈小's duplicated ID: every format shows it masked only."""
    out = text(fmt, reports["zh"], "zh")
    assert WIFE not in out
    assert f"{WIFE[:6]}********{WIFE[-4:]}" in out


def test_json_lines_is_one_finding_per_line(reports: dict[str, Report]) -> None:
    report = reports["en"]
    lines = text("json-lines", report, "en").splitlines()
    assert [json.loads(line) for line in lines] == [f.to_dict() for f in report.findings]


def test_csv_has_bom_and_neutralises_formulas(reports: dict[str, Report]) -> None:
    data = render("csv", reports["zh"], Context("zh"))
    assert isinstance(data, bytes) and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["file", "sheet", "row", "cell", "code"]
    assert len(rows) == len(reports["zh"].findings) + 1
    injected = [r for r in rows if r[4] == "F007"]
    assert injected and injected[0][9] == "'=1+1"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise(start: str) -> None:
    assert neutralise(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert neutralise(f"x{start}") == f"x{start}"


def test_junit_parses_with_a_real_junit_parser(reports: dict[str, Report]) -> None:
    report = reports["zh"]
    xml = JUnitXml.fromstring(text("junit", report, "zh").encode("utf-8"))
    suites = list(xml)
    codes = {f.code for f in report.findings}
    assert {s.name.split()[0] for s in suites} == codes | {n.code for n in report.rules_not_run}
    failures = [
        (case.classname, case.name)
        for suite in suites
        for case in suite
        if any(isinstance(r, Failure) for r in case.result)
    ]
    expected = [
        (f.code, f"{f.file}:{f.sheet}!{f.cell}" if f.cell else f.file or "整本台账")
        for f in sorted(report.findings, key=lambda f: f.code)
        if f.severity is not Severity.INFO
    ]
    assert sorted(failures) == sorted(expected)
    skipped = [c for s in suites for c in s if any(isinstance(r, Skipped) for r in c.result)]
    assert len(skipped) == len(report.rules_not_run)
    assert xml.tests == len(report.findings) + len(report.rules_not_run)


def test_sarif_validates_against_the_schema(reports: dict[str, Report]) -> None:
    """The SARIF 2.1.0 schema (rtm.5, as Microsoft's SARIF SDK ships it, vendored from the
    npm package @microsoft/jest-sarif, MIT) is the one code-scanning services validate with."""
    schema = json.loads(SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    for lang in LANGS:
        log = json.loads(text("sarif", reports[lang], lang))
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_sarif_places_findings_on_sheet_row_and_cell(reports: dict[str, Report]) -> None:
    report = reports["en"]
    run = json.loads(text("sarif", report, "en"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert all("helpUri" not in r and "clause" in r["properties"] for r in rules)
    for f, result in zip(report.findings, run["results"], strict=True):
        assert rules[result["ruleIndex"]]["id"] == f.code == result["ruleId"]
        assert (
            result["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[f.severity.value]
        )
        if f.file is None:
            assert "locations" not in result
            continue
        physical = result["locations"][0]["physicalLocation"]
        assert (
            physical["artifactLocation"]["uri"]
            == "%E5%90%89%E9%98%B3%E5%8C%BA%E5%8F%B0%E8%B4%A6.xlsx"
        )
        assert physical["region"]["startLine"] == f.row
        assert physical["region"]["properties"] == {"sheet": f.sheet, "cell": f.cell}


def finding(message: str, **changes: object) -> Finding:
    base = Finding("MED001", Severity.WARNING, message, file="a,b:c.xlsx", sheet="成员信息", row=3)
    return dataclasses.replace(base, **changes)


def test_github_escapes_data_and_properties() -> None:
    line = github_reporter.line(finding("100% wrong\r\nsecond, line: x", cell="G3"), "en")
    assert line.startswith("::warning file=a%2Cb%3Ac.xlsx,title=MED001 Not in basic")
    assert line.endswith("::成员信息!G3: 100%25 wrong%0D%0Asecond, line: x")
    assert "\n" not in line and "\r" not in line


def test_github_severities() -> None:
    report = Report("p", findings=[finding("m", severity=s) for s in Severity])
    commands = [ln.split(" ", 1)[0] for ln in github_reporter.render(report, "zh").splitlines()]
    assert commands == ["::error", "::warning", "::notice"]


def test_concise_lines_are_greppable(reports: dict[str, Report]) -> None:
    lines = text("concise", reports["zh"], "zh").splitlines()
    assert "吉阳区台账.xlsx:成员信息!H5: MED002 error 未参加大病保险（大病保险：×）" in lines
    pattern = re.compile(r"^[^:]+(:[^:]+)?: [A-Z]+\d+ (error|warning|info) \S")
    assert all(pattern.match(line) for line in lines), lines


@pytest.mark.parametrize("fmt", ["concise", "sarif", "github", "csv", "junit", "json-lines"])
def test_paths_as_given(
    fmt: str, ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path stays relative: a report never reveals the clerk's folders."""
    folder = tmp_path / "报送"
    folder.mkdir()
    (folder / ledger.name).write_bytes(ledger.read_bytes())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["verify", f"报送/{ledger.name}", "-f", fmt, "-j", "1"])
    assert result.exit_code == 1, result.output
    assert str(tmp_path) not in result.stdout
    given = "%E6%8A%A5%E9%80%81/" if fmt == "sarif" else "报送/"
    assert given in result.stdout
