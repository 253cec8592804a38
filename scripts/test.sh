#!/usr/bin/env bash
# Set up a fresh virtual environment and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
# tests/test_template.py opens the ledger template in LibreOffice Calc (it fails on CI without it).
command -v soffice || (apt-get update && apt-get install -y --no-install-recommends libreoffice-calc)
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
# The HTML report test renders the page in headless Chromium with a Chinese font. CI runs
# as root on Debian: install both there when missing; elsewhere the test says what to install.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
    && [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; } \
        || echo "warning: could not install chromium; the HTML screenshot test will fail" >&2
fi
.venv/bin/ruff check src tests benchmarks sample_data
.venv/bin/ruff format --check src
.venv/bin/mypy
.venv/bin/python -m pytest
