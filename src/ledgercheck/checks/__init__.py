"""Rule logic, one module per domain; every rule registers itself with its code."""

from __future__ import annotations

from ledgercheck.checks import (  # noqa: F401
    crossref,
    education,
    household,
    identity,
    income,
    living,
    loans,
    medical,
    payments,
    population,
    villages,
)
from ledgercheck.checks.base import REGISTRY, Hits, Rule

__all__ = ["REGISTRY", "Hits", "Rule"]
