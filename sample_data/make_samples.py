"""Regenerate the sample ledgers of 吉阳区 in this folder.

    python sample_data/make_samples.py

吉阳区-clean.xlsx          60 households that break no data rule (POP only: one district)
吉阳区-anomalies.xlsx      the same ledger with one planted breach of every injectable code
吉阳区-anomalies.truth.json  where each breach must be reported: code, sheet, row, column

The output is deterministic (fixed seed, fixed workbook creation time), so regenerating
changes no byte unless the generator or xlsxwriter changes. HH008 is a flat-sheet code and
has no place in this office layout, so the truth lists every injectable code but HH008.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

try:
    from ledgercheck import synth
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(HERE.parent / "src"))
    from ledgercheck import synth

SEED = 2020
HOUSEHOLDS = 60
DISTRICT = "吉阳区"


def main() -> None:
    clean = synth.generate(HOUSEHOLDS, seed=SEED, districts=[DISTRICT])
    synth.write_workbook(clean, HERE / f"{DISTRICT}-clean.xlsx")

    planted = synth.generate(
        HOUSEHOLDS, seed=SEED, districts=[DISTRICT], inject=synth.INJECTABLE_CODES
    )
    truth = synth.write_workbook(planted, HERE / f"{DISTRICT}-anomalies.xlsx")
    text = json.dumps(truth, ensure_ascii=False, indent=2) + "\n"
    (HERE / f"{DISTRICT}-anomalies.truth.json").write_text(text, encoding="utf-8")
    print(f"wrote {DISTRICT}-clean.xlsx, {DISTRICT}-anomalies.xlsx ({len(truth)} plants)")


if __name__ == "__main__":
    main()
