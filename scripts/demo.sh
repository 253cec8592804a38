#!/usr/bin/env bash
# Set up a fresh virtual environment and verify the bundled sample ledgers.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
echo "== clean ledger (exit 0 expected)"
.venv/bin/ledgercheck verify "sample_data/吉阳区-clean.xlsx"; echo "exit $?"
echo "== ledger with planted anomalies (exit 1 expected)"
.venv/bin/ledgercheck verify "sample_data/吉阳区-anomalies.xlsx"; echo "exit $?"
