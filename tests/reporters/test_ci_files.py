"""The pre-commit hook definition other repositories use."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

HOOKS = Path(__file__).parents[2] / ".pre-commit-hooks.yaml"


def test_pre_commit_hook_runs_verify_on_spreadsheets_only() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text("utf-8"))
    assert hook["id"] == "ledgercheck" and hook["entry"] == "ledgercheck verify"
    assert hook["require_serial"] is True  # one run: cross-file duplicates are found
    files = re.compile(hook["files"])
    for name in ("吉阳区台账.xlsx", "a/B.XLS", "成员信息.csv", "x.ods", "m.xlsm"):
        assert files.search(name), name
    for name in ("README.md", "a.xlsx.bak", "rules.yaml"):
        assert not files.search(name), name
