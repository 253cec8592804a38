"""`ledgercheck sample`: a synthetic ledger with planted anomalies and its ground truth.

The generator (ledgercheck.synth) plants each injectable code at most once, so the
anomaly rate decides *how many codes* are planted: round(rate × households), at least one
when the rate is above zero, and every code the layout can show once the rate asks for
that many. Which codes is a seeded choice, so a seed gives the same workbook and truth.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgercheck import synth
from ledgercheck.output import write_atomic

# Plants a layout cannot show (synth.write_workbook leaves them out of the truth): HH008
# needs a flat sheet; in one, a member of no household and a household of no member have
# no row. Never chosen for that layout, so every chosen plant is in the truth.
HIDDEN_BY_LAYOUT: dict[str, frozenset[str]] = {
    "office": frozenset({"HH008"}),
    "flat": frozenset({"HH001", "HH002"}),
}


class SampleError(Exception):
    pass


@dataclass(frozen=True)
class Request:
    households: int
    anomalies: float = 0.0
    seed: int = 0
    layout: str = "office"
    fmt: str = "xlsx"
    districts: tuple[str, ...] | None = None


def plantable(layout: str) -> list[str]:
    return [c for c in synth.INJECTABLE_CODES if c not in HIDDEN_BY_LAYOUT.get(layout, ())]


def choose_codes(households: int, rate: float, seed: int, layout: str) -> list[str]:
    """The codes to plant, in catalogue order."""
    if not 0 <= rate <= 1:
        raise SampleError(f"--anomalies must be a fraction between 0 and 1, not {rate}")
    codes = plantable(layout)
    if rate == 0:
        return []
    wanted = max(1, round(rate * households))
    if wanted >= len(codes):
        return codes
    chosen = set(random.Random(f"ledgercheck.sample:{seed}").sample(codes, wanted))
    return [c for c in codes if c in chosen]


def truth_path(out: Path) -> Path:
    """`吉阳区.xlsx` → `吉阳区.truth.json`; a CSV folder `台账` → `台账.truth.json` beside it."""
    if out.suffix:
        return out.with_suffix(".truth.json")
    return out.with_name(out.name + ".truth.json")


def make(out: Path, req: Request, force: bool = False) -> list[dict[str, Any]]:
    """Write the sample ledger and its truth file; returns the truth.

    The truth is the list sample_data/*.truth.json holds: code, sheet, row, column per plant.
    """
    truth_file = truth_path(out)
    if not force:
        for target in (out, truth_file):
            if target.exists():
                raise SampleError(f"{target}: already exists (use --force to replace it)")
    codes = choose_codes(req.households, req.anomalies, req.seed, req.layout)
    try:
        ledger = synth.generate(
            req.households, seed=req.seed, inject=codes, districts=req.districts
        )
    except synth.PlantError as exc:
        raise SampleError(f"{exc}; use more --households or a lower --anomalies") from exc
    except ValueError as exc:
        raise SampleError(str(exc)) from exc
    truth = _write(ledger, out, req)
    write_atomic(truth_file, json.dumps(truth, ensure_ascii=False, indent=2) + "\n")
    return truth


def _write(ledger: synth.SynthLedger, out: Path, req: Request) -> list[dict[str, Any]]:
    """Write in a temporary place beside the target, then move: never half a workbook."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        staged = tmp / (out.name if out.suffix else "csv")
        try:
            truth = synth.write_workbook(ledger, staged, layout=req.layout, fmt=req.fmt)
        except ImportError as exc:
            raise SampleError(
                f"writing {req.fmt} needs {exc.name}: pip install 'ledgercheck[sample]'"
            ) from exc
        _move(staged, out)
        return truth
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move(staged: Path, out: Path) -> None:
    if staged.is_file():
        os.replace(staged, out)
        return
    # CSV: one file per sheet into the folder; files of other names there are left alone.
    out.mkdir(exist_ok=True)
    for f in sorted(staged.iterdir()):
        os.replace(f, out / f.name)


def resolve_format(out: Path, fmt: str | None) -> str:
    """The format asked for, else the one the name says; a CSV ledger is a folder."""
    named = out.suffix.lower().lstrip(".") or "csv"
    if named not in synth.FORMATS:
        raise SampleError(f"{out}: name it .xlsx, .xls or .ods, or without suffix for CSV")
    if fmt is not None and fmt != named:
        raise SampleError(f"{out}: the name says {named} but --format is {fmt}")
    return named


def parse_districts(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    parts: Sequence[str] = [p.strip() for p in text.replace("，", ",").split(",")]
    return tuple(p for p in parts if p)
