"""Rule logic, one module per domain; every rule registers itself with its code."""

from __future__ import annotations

from ledgercheck.checks import household, identity, income, medical, population  # noqa: F401
from ledgercheck.checks.base import REGISTRY, Hits, Rule

__all__ = ["REGISTRY", "Hits", "Rule"]
