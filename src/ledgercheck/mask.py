"""Masking of personal data in reports (PIPL; health data is sensitive, art. 28)."""

from __future__ import annotations

import re

# An ID number as it may appear inside other text (an error message quoting a cell).
_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{14,17}[0-9Xx](?![0-9])")


def mask_id(value: str) -> str:
    if "E+" in value.upper():
        # An ID Excel turned into 4.60203E+17 keeps six digits, the region code: nothing to hide.
        return value
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    return value[:1] + "*" * max(len(value) - 1, 1)


def mask(value: str | None, kind: str | None) -> str | None:
    if value is None or kind is None:
        return value
    if kind == "id":
        return mask_id(value)
    if kind == "name":
        return mask_name(value)
    if kind == "health":
        return "***"
    return value


def mask_ids_in(text: str) -> str:
    """Every ID number-like run of digits in free text (a reader's error message) masked."""
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
