"""Folders of district workbooks for the batch and distributed tests.

Each district's office writes its own workbook; a person registered by two offices is the
cross-file breach (HH005) a batch must find and a single-file run cannot.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from conftest import write_xlsx
from ledgercheck import synth

# Relations that no rule ties to another row of the household (户主 and 配偶 are).
MOVABLE = ("之子", "之女", "之孙子", "之孙女")


# Breaches each office makes on its own: one per file, found by a single-file run too.
PER_FILE = ("ID002", "HH003", "INC001", "MED001", "MED010", "PAY001")


def district_ledgers(
    districts: list[str], households: int, inject: tuple[str, ...] = ()
) -> list[synth.SynthLedger]:
    return [
        synth.generate(households, seed=i, districts=[d], inject=inject)
        for i, d in enumerate(districts, start=1)
    ]


def share_person(first: synth.SynthLedger, second: synth.SynthLedger) -> str:
    """Register a child of the first ledger in the second's first household too; its ID."""
    members = first.tables["members"]
    person = members[members["relation"].isin(MOVABLE)].iloc[0].to_dict()
    households = second.tables["households"]
    household = households["household_id"].iat[0]
    person["household_id"] = household
    second.tables["members"] = pd.concat(
        [second.tables["members"], pd.DataFrame([person])], ignore_index=True
    )
    size = households["household_id"] == household
    households.loc[size, "household_size"] = households.loc[size, "household_size"] + 1
    return str(person["id_number"])


def write_folder(
    folder: Path,
    districts: list[str],
    households: int = 15,
    shared: bool = True,
    inject: tuple[str, ...] = PER_FILE,
) -> tuple[list[Path], str | None]:
    """One office workbook per district (01-海棠区.xlsx, …); the shared person's ID."""
    ledgers = district_ledgers(districts, households, inject)
    person = share_person(ledgers[0], ledgers[1]) if shared and len(ledgers) > 1 else None
    return write_ledgers(folder, districts, ledgers), person


def write_ledgers(
    folder: Path, districts: list[str], ledgers: list[synth.SynthLedger]
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (district, ledger) in enumerate(zip(districts, ledgers, strict=True), start=1):
        path = folder / f"{i:02d}-{district}.xlsx"
        synth.write_workbook(ledger, path, layout="office", fmt="xlsx")
        paths.append(path)
    return paths


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def write_tables(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Any subset of a ledger's tables as an office workbook: a sheet each, spec headers."""
    sheets = {
        synth.SHEET_NAMES[name]: (
            [synth.HEADERS[name][c] for c in frame.columns],
            [[_cell(v) for v in row] for row in frame.itertuples(index=False)],
        )
        for name, frame in tables.items()
    }
    return write_xlsx(path, sheets)
