"""Masking personal data, also where it hides inside other text."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HEAD, office_workbook
from ledgercheck import packs, pipeline
from ledgercheck.mask import mask_id, mask_ids_in


def test_an_id_quoted_in_a_message_is_masked_and_other_numbers_are_not() -> None:
    text = f"could not convert '{HEAD}' at row 12345678 (code 46020319700101123X)"
    masked = mask_ids_in(text)
    assert HEAD not in masked and mask_id(HEAD) in masked
    assert "46020319700101123X" not in masked and "12345678" in masked


def test_a_reader_error_quoting_a_cell_reaches_the_report_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = office_workbook(tmp_path / "台账.xlsx")

    def broken(*args: object, **kwargs: object) -> object:
        raise ValueError(f"could not convert string to float: '{HEAD}'")

    monkeypatch.setattr(pipeline, "_load", broken)
    result = pipeline.load_file(path, path.name, pipeline.Options(packs.load()))
    assert result.info.error is not None and "ValueError" in result.info.error
    assert HEAD not in result.info.error and mask_id(HEAD) in result.info.error


def test_a_spreadsheet_readers_message_is_masked_too() -> None:
    from ledgercheck import read

    short = read._short(ValueError(f"cell C7: invalid value {HEAD}\nmore detail"))
    assert short == f"cell C7: invalid value {mask_id(HEAD)}"
