"""Rule documentation and message templates (data/rules.yaml), in Chinese and English."""

from __future__ import annotations

import importlib.resources
from functools import cache
from typing import Any

import yaml

LANGS = ("zh", "en")
# libyaml's loader parses the catalogue ~10× faster; the pure-Python one where it is missing.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def docs() -> dict[str, dict[str, Any]]:
    text = importlib.resources.files("ledgercheck").joinpath("data/rules.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=YAML_LOADER)
    return {str(k): v for k, v in data.items()}


def all_codes() -> list[str]:
    return list(docs())


def doc(code: str) -> dict[str, Any]:
    return docs()[code]


def clause(code: str) -> str | None:
    value = docs().get(code, {}).get("clause")
    return None if value in (None, "—") else str(value)


def text(code: str, key: str, lang: str = "zh") -> str:
    entry = docs().get(code, {}).get(key)
    if isinstance(entry, dict):
        return str(entry.get(lang) or entry.get("zh") or "")
    return "" if entry is None else str(entry)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def message(
    code: str, lang: str, header: str | None, value: str | None, expected: str | None
) -> str:
    template = text(code, "message", lang) or f"{code}: {{value}}"
    fields = _Blank()
    for key, val in (("header", header), ("value", value), ("expected", expected)):
        if val is not None:
            fields[key] = val
    return template.format_map(fields)
