"""Rule packs: extends, overrides, and one-line errors that name the file, key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import hits, household_rows, office_workbook, run
from ledgercheck import catalog, packs


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> packs.Pack:
    return packs.load(path, known_codes=set(catalog.all_codes()))


def test_default_pack_holds_the_plan_figures() -> None:
    pack = packs.load()
    assert pack.name == "sanya-2020"
    assert pack.population["脱贫户"] == {"households": 2258, "persons": 10071}
    assert pack.param("MED010", "min_ratio") == 0.90
    assert pack.poverty_line == 4000


def test_extends_overrides_severity_and_parameters(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "extends: sanya-2020\nname: strict\nrules:\n"
        "  MED010: {min_ratio: 0.95, severity: warning}\n  HH009: {enabled: false}\n",
    )
    pack = load(path)
    assert pack.param("MED010", "min_ratio") == 0.95
    assert pack.rules["MED010"].severity.value == "warning"
    assert not pack.enabled("HH009") and pack.enabled("HH010")
    assert pack.param("MED011", "min_ratio") == 0.80


def test_poverty_line_change_changes_findings(tmp_path: Path) -> None:
    households = household_rows()  # H001 脱贫户 with 5,200元
    workbook = office_workbook(tmp_path / "l.xlsx", households=households)
    assert not any(c == "INC001" for c, _, _ in hits(run(workbook)))
    pack = load(write(tmp_path, "extends: sanya-2020\npoverty_line: 6000\n"))
    assert ("INC001", "户信息", 3) in hits(run(workbook, pack=pack))


def test_bundled_example_pack_loads() -> None:
    pack = packs.load("sanya-2021-example", known_codes=set(catalog.all_codes()))
    assert pack.as_of.year == 2021 and not pack.enabled("POP001")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("extends: sanya-2020\nrules:\n  MED999: {severity: error}\n", "pack.yaml:3: rules.MED999"),
        ("extends: sanya-2020\nrules:\n  MED010:\n    min_ratoi: 0.9\n", "pack.yaml:4"),
        ("extends: sanya-2020\nrules:\n  MED010: {min_ratio: high}\n", "rules.MED010.min_ratio"),
        ("extends: sanya-2020\nrules:\n  MED010: {severity: fatal}\n", "'fatal' is not error"),
        ("extends: sanya-2020\nrules:\n  MED010: {enabled: 1}\n", "not true or false"),
        ("extends: sanya-2020\npoverty: 4000\n", "pack.yaml:2: poverty: unknown key"),
        ("extends: sanya-2020\nrules: [a\n", "not valid YAML"),
        ("extends: nowhere\n", "'nowhere' not found"),
    ],
)
def test_malformed_pack_names_file_key_and_line(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(packs.PackError) as err:
        load(write(tmp_path, text))
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_every_code_in_bundled_packs_is_documented() -> None:
    documented = set(catalog.all_codes())
    for path in sorted(packs.packs_dir().glob("*.yaml")):
        pack = packs.load(path, known_codes=documented)
        assert set(pack.rules) <= documented, path


def test_a_file_of_another_kind_is_told_as_no_pack_not_as_missing(tmp_path: Path) -> None:
    other = tmp_path / "名单.csv"
    other.write_text("户编号,户主姓名\n", encoding="utf-8")
    with pytest.raises(packs.PackError, match=r"名单\.csv: a rule pack must be a mapping"):
        load(other)
    saved_as_text = tmp_path / "pack.txt"
    saved_as_text.write_text("extends: sanya-2020\n", encoding="utf-8")
    assert load(saved_as_text).rules == packs.load().rules  # read as given, whatever its name
