"""Settings from `[tool.ledgercheck]` in pyproject.toml or a standalone ledgercheck.toml."""

from __future__ import annotations

import locale
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEYS = {"rules", "select", "ignore", "fail_on", "lang", "show_pii"}


class ConfigError(Exception):
    pass


@dataclass
class Config:
    rules: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str = "error"
    lang: str | None = None
    show_pii: bool = False
    base: Path | None = None


def find(start: Path) -> Config:
    """The nearest ledgercheck.toml or pyproject.toml with a [tool.ledgercheck] table."""
    for folder in (start, *start.parents):
        standalone = folder / "ledgercheck.toml"
        if standalone.is_file():
            return _parse(standalone, _read(standalone))
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            section = _read(pyproject).get("tool", {}).get("ledgercheck")
            if section is not None:
                return _parse(pyproject, section)
    return Config()


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _parse(path: Path, data: dict[str, Any]) -> Config:
    data = (
        data.get("tool", {}).get("ledgercheck", data) if path.name == "ledgercheck.toml" else data
    )
    for key in data:
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(sorted(KEYS))})")
    cfg = Config(base=path.parent)
    for key, value in data.items():
        setattr(cfg, key, value)
    return cfg


def default_lang() -> str:
    for var in ("LEDGERCHECK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    name = (locale.getlocale()[0] or "").lower()
    return "zh" if name.startswith("zh") or "chinese" in name else "en"
