#!/usr/bin/env bash
# Set up a fresh virtual environment and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
.venv/bin/ruff check src tests benchmarks sample_data
.venv/bin/ruff format --check src
.venv/bin/mypy
.venv/bin/python -m pytest
