"""The command line as a clerk and a CI pipeline use it: exit codes, one-line errors, JSON."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import msoffcrypto
import pytest
from typer.testing import CliRunner

from conftest import SON, member_rows, office_workbook, run
from ledgercheck import __version__, fingerprints
from ledgercheck.cli import app
from ledgercheck.reporters import json as json_reporter

runner = CliRunner()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bad_workbook(tmp_path: Path) -> Path:
    members = member_rows()
    members[2][6] = "否"
    return office_workbook(tmp_path / "bad.xlsx", members=members)


def test_clean_file_exits_0(tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(office_workbook(tmp_path / "ok.xlsx"))])
    assert result.exit_code == 0, result.output


def test_errors_exit_1_and_json_equals_library(tmp_path: Path) -> None:
    path = bad_workbook(tmp_path)
    result = runner.invoke(app, ["verify", str(path), "--format", "json", "--lang", "en"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    library = run(path, lang="en")
    fingerprints.seal(library, fingerprints.load_key())  # the CLI keys them: LEDGERCHECK_KEY
    expected = json_reporter.to_dict(library)
    expected["inputs"][0]["file"] = str(path)
    for f in expected["findings"]:
        f["file"] = str(path) if f["file"] else None
    expected["by_file"] = {str(path): counts for counts in expected["by_file"].values()}
    assert data == expected
    med = [f for f in data["findings"] if f["code"] == "MED001"]
    assert med and med[0]["cell"] == "G5" and med[0]["clause"] == "二(二)2"


def test_json_masks_ids_unless_asked(tmp_path: Path) -> None:
    members = member_rows()
    members.append(members[2][:])  # the son twice → HH005 shows his ID number
    path = office_workbook(tmp_path / "dup.xlsx", members=members)
    masked = runner.invoke(app, ["verify", str(path), "-f", "json"]).stdout
    shown = runner.invoke(app, ["verify", str(path), "-f", "json", "--show-pii"]).stdout
    assert SON not in masked and f"{SON[:6]}********{SON[-4:]}" in masked
    assert SON in shown


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04truncated", b"%PDF-1.4 not a sheet"])
def test_unreadable_file_one_line_exit_2(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    before = digest(path)
    result = subprocess.run(
        [sys.executable, "-m", "ledgercheck", "verify", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "broken.xlsx" in lines[0] and "Traceback" not in result.stderr
    assert digest(path) == before


def encrypted(tmp_path: Path) -> Path:
    plain = bad_workbook(tmp_path)
    out = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, out.open("wb") as dst:
        office = msoffcrypto.OfficeFile(src)
        office.encrypt("s3cret", dst)  # type: ignore[attr-defined]
    return out


def test_encrypted_file_needs_password(tmp_path: Path) -> None:
    path = encrypted(tmp_path)
    before = digest(path)
    refused = runner.invoke(app, ["verify", str(path)])
    assert refused.exit_code == 2
    assert "encrypted" in refused.stderr and "--password" in refused.stderr
    opened = runner.invoke(app, ["verify", str(path), "--password", "s3cret", "-f", "json"])
    assert opened.exit_code == 1
    assert any(f["code"] == "MED001" for f in json.loads(opened.stdout)["findings"])
    env = runner.invoke(app, ["verify", str(path)], env={"LEDGERCHECK_PASSWORD": "s3cret"})
    assert env.exit_code == 1
    assert digest(path) == before


def test_output_is_written_and_never_over_an_input(tmp_path: Path) -> None:
    path = bad_workbook(tmp_path)
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["verify", str(path), "-f", "json", "-o", str(out)])
    assert result.exit_code == 1 and json.loads(out.read_text("utf-8"))["summary"]["error"] == 1
    before = digest(path)
    refused = runner.invoke(app, ["verify", str(path), "-o", str(path)])
    assert refused.exit_code == 2 and digest(path) == before


def test_select_ignore_and_fail_on(tmp_path: Path) -> None:
    path = bad_workbook(tmp_path)
    assert runner.invoke(app, ["verify", str(path), "--ignore", "MED001"]).exit_code == 0
    assert runner.invoke(app, ["verify", str(path), "--select", "HH"]).exit_code == 0
    assert runner.invoke(app, ["verify", str(path), "--fail-on", "never"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--select", "MED,ZZZ9"], "--select: unknown rule code 'ZZZ9'"),
        (["--ignore", "MDE001"], "--ignore: unknown rule code 'MDE001'"),
    ],
)
def test_an_unknown_rule_code_is_bad_usage(tmp_path: Path, args: list[str], said: str) -> None:
    """A typo in --select would check nothing and pass every ledger."""
    result = runner.invoke(app, ["verify", str(bad_workbook(tmp_path)), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"ledgercheck: {said}")


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"ledgercheck {__version__}\n"


def test_a_negative_number_of_jobs_is_bad_usage(tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(bad_workbook(tmp_path)), "--jobs", "-1"])
    assert result.exit_code == 2 and "--jobs" in result.stderr


def test_console_report_names_the_cell_and_clause(tmp_path: Path) -> None:
    path = bad_workbook(tmp_path)
    result = runner.invoke(app, ["verify", str(path), "--lang", "zh"])
    assert "成员信息!G5" in result.stdout and "二(二)2" in result.stdout
    assert "未参加基本医保" in result.stdout


def test_rules_explains_with_the_plan_sentence() -> None:
    result = runner.invoke(app, ["rules", "MED010", "--lang", "zh"])
    assert result.exit_code == 0
    assert "住院医疗费用实际报销比例达90%" in result.stdout and "min_ratio = 0.9" in result.stdout
    listing = runner.invoke(app, ["rules", "--format", "json"])
    codes = [r["code"] for r in json.loads(listing.stdout)]
    assert "MED010" in codes and "XR007" in codes


def test_malformed_pack_is_one_line_exit_2(tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(
        "extends: sanya-2020\nrules:\n  MED010:\n    min_ratio: 0.95\n"
        "  MED999: {severity: error}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["verify", str(bad_workbook(tmp_path)), "--rules", str(pack)])
    assert result.exit_code == 2
    assert "bad.yaml:5" in result.stderr and "MED999" in result.stderr


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("ledgercheck.toml", 'ignore = ["MED001"]\n'),
        ("pyproject.toml", '[project]\nname = "x"\n\n[tool.ledgercheck]\nignore = ["MED001"]\n'),
    ],
)
def test_configuration_file_narrows_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    """As linters do: the nearest config file's settings apply unless the command overrides."""
    path = bad_workbook(tmp_path)
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 1
    (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 0
    (tmp_path / name).write_text(text.replace("ignore", "ignroe"), encoding="utf-8")
    broken = runner.invoke(app, ["verify", str(path)])
    assert broken.exit_code == 2 and "ignroe" in broken.stderr
    (tmp_path / name).write_text(text.replace("MED001", "MED01O"), encoding="utf-8")
    typo = runner.invoke(app, ["verify", str(path)])
    assert typo.exit_code == 2
    assert "ignore in the config: unknown rule code 'MED01O'" in typo.stderr


def test_an_id_shown_in_scientific_notation_is_not_garbled_by_masking() -> None:
    from ledgercheck.mask import mask

    assert mask("4.60203E+17", "id") == "4.60203E+17"
    assert mask("460203197001010137", "id") == "460203********0137"


def _notes(path: Path) -> Path:
    """A workbook of something else: a title and a note, no ledger table's headers."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["三亚市2020年脱贫攻坚工作说明"])
    book.active.append(["各区请于月底前报送台账"])
    book.save(path)
    return path


@pytest.mark.parametrize("kind", ["notes", "empty", "csv"])
def test_inputs_holding_no_ledger_table_check_nothing_and_exit_2(tmp_path: Path, kind: str) -> None:
    import openpyxl

    if kind == "notes":
        path = _notes(tmp_path / "说明.xlsx")
    elif kind == "empty":
        path = tmp_path / "空.xlsx"
        openpyxl.Workbook().save(path)
    else:
        path = tmp_path / "其他.csv"
        path.write_text("日期,金额\n2020-06-30,150\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["verify", str(path), "-f", "json", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"ledgercheck: {path}: no ledger table found (no sheet's header row names a table's "
        "columns): nothing was checked"
    ]
    report = json.loads(out.read_text(encoding="utf-8"))  # still written, sheets listed
    assert [i["file"] for i in report["inputs"]] == [str(path)] and report["summary"]["rows"] == 0


def test_a_stray_file_beside_a_ledger_is_only_a_warning(tmp_path: Path) -> None:
    _notes(tmp_path / "说明.xlsx")
    office_workbook(tmp_path / "吉阳区.xlsx")
    result = runner.invoke(app, ["verify", str(tmp_path), "-f", "json", "-j", "1"])
    assert result.exit_code == 0, result.stderr
    codes = {(Path(f["file"] or "").name, f["code"]) for f in json.loads(result.stdout)["findings"]}
    assert ("说明.xlsx", "F003") in codes


def test_a_report_to_a_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "ok.xlsx")
    result = runner.invoke(app, ["verify", str(path), "-f", "json", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"ledgercheck: {tmp_path}: is a folder; name a file to write to"
    ]


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "吉阳区.xlsx")
    once = runner.invoke(app, ["verify", str(path), "-f", "json"])
    twice = runner.invoke(
        app, ["verify", str(path), str(tmp_path), str(tmp_path / "." / path.name), "-f", "json"]
    )
    assert twice.exit_code == once.exit_code == 0, twice.stderr
    report = json.loads(twice.stdout)
    assert [i["file"] for i in report["inputs"]] == [str(path)]  # as first named
    assert report["findings"] == json.loads(once.stdout)["findings"]  # no HH005 on itself
