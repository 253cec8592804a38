"""ledgercheck: check household ledgers against the Sanya 2020 plan."""

__version__ = "1.0.0"
