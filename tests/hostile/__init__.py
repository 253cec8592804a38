"""Hostile and broken inputs, generated on demand (no binaries are committed)."""
