#!/usr/bin/env bash
# Set up a fresh virtual environment and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
# System tools some tests drive for real: headless Chromium with a Chinese font (the HTML
# report's screenshot) and LibreOffice Calc (opening the ledger template). CI runs as root on
# Debian: install them there when missing; elsewhere those tests say what to install.
can_install() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; }
if ! command -v chromium >/dev/null 2>&1 && can_install; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; } \
        || echo "warning: could not install chromium; the HTML screenshot test will fail" >&2
fi
if ! command -v soffice >/dev/null 2>&1 && can_install; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends libreoffice-calc >/dev/null; } \
        || echo "warning: could not install LibreOffice; the template test will fail" >&2
fi
.venv/bin/ruff check src tests benchmarks sample_data
.venv/bin/ruff format --check src
.venv/bin/mypy
.venv/bin/python -m pytest
