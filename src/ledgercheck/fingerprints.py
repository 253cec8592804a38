"""Stable identities of findings, so an anomaly can be followed from run to run (逐项对账销号).

A finding's fingerprint names *what* is wrong about *whom*, never *where* it was found:
the rule code, the table, the person or household the row is about (its subject key) and
the canonical column. Row numbers, sheet order, file names and run times are left out, so
sorting a sheet, renaming a file or re-running tomorrow keeps every fingerprint. Findings
that would share one (a person with two faulty claims) are told apart by an occurrence
counter in report order (Report.sort).

Reports and history files carry them *keyed* (`seal`): HMAC-SHA256 under a secret key.
A plain hash of "ID001, members, id_number=4602…" would give every ID number back to anyone
holding a masked report: there are only some 10⁸ Sanya ID numbers, hashed in minutes. The
key is this user's (a random one kept in their configuration folder) or the team's, given
in LEDGERCHECK_KEY: reports compare with earlier ones (--baseline, --history) only under the
key they were made with, which each report names by an identifier that reveals nothing.
Inside a run, workers and Dask tasks use plain hashes; the key never leaves this process.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ledgercheck import values
from ledgercheck.findings import Draft, Report

KEY_ENV = "LEDGERCHECK_KEY"
MIN_KEY_CHARS = 16  # a short key could be guessed along with the ID numbers

# Per table, the alternatives that identify the row's subject, most specific first: the
# first alternative whose cells are all filled is the key. A member without an ID number
# (F006) is still known by household and name.
SUBJECT_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "households": (("household_id",), ("head_id_number",), ("village", "head_name")),
    "members": (("id_number",), ("household_id", "name")),
    "medical": (("id_number",), ("name",)),
    "payments": (("id_number",), ("household_id", "name")),
    "loans": (("id_number",),),
    "villages": (("district", "village"), ("village",)),
    "housing": (("head_id_number",), ("head_name",)),
}
# Department rosters and anything else: a person's ID, else a name.
DEFAULT_KEYS: tuple[tuple[str, ...], ...] = (("id_number",), ("head_id_number",), ("name",))

_SEP = "\x1f"  # a unit separator cannot occur in a cell, so parts never run together


def _cell(frame: pd.DataFrame, raw: pd.DataFrame | None, column: str, pos: int) -> str | None:
    """The cell as typed (so ' 4602…' and '4602…' agree), else as read when unreadable."""
    if column in frame.columns and pos < len(frame):
        v = frame[column].iat[pos]
        if not values.is_empty(v):
            return values.clean_text(str(v))
    if raw is not None and column in raw.columns and pos < len(raw):
        return values.clean_text(raw[column].iat[pos])
    return None


def row_key(table: str, frame: pd.DataFrame, raw: pd.DataFrame | None, pos: int) -> str | None:
    """The subject key of the row at position `pos`, or None when no key cell is filled."""
    for columns in SUBJECT_KEYS.get(table, DEFAULT_KEYS):
        parts = [_cell(frame, raw, c, pos) for c in columns]
        if all(p is not None for p in parts):
            return _SEP.join(f"{c}={p}" for c, p in zip(columns, parts, strict=True))
    return None


def of(draft: Draft) -> str:
    """The fingerprint of a draft before duplicates are numbered.

    Row findings are keyed by their subject; findings about a file, sheet or table (no
    row) by the table, or for an unrecognised sheet (no table) by the sheet's name. The
    file's name is never used: renaming 吉阳区.xlsx must not reopen its anomalies.
    """
    parts = [draft.code, draft.table or "", draft.key or "", draft.column or ""]
    if draft.table is None:
        parts.append(draft.sheet or "")
    return hashlib.sha1(_SEP.join(parts).encode("utf-8")).hexdigest()


# --- the key ------------------------------------------------------------------------------


class FingerprintKeyError(Exception):
    """The key given cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class Key:
    secret: bytes = field(repr=False)
    where: str  # where it came from, for messages: the variable or the file
    lasting: bool = True  # False: made for this run only (nowhere to keep one)
    new: bool = False  # the key file was made by this run

    @property
    def ident(self) -> str:
        """Names the key in reports without revealing it."""
        return hmac.new(self.secret, b"ledgercheck key id", hashlib.sha256).hexdigest()[:16]


def key_file() -> Path:
    """Where this user's key is kept: their application-data folder."""
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "ledgercheck" / "fingerprint.key"


def load_key() -> Key:
    """LEDGERCHECK_KEY, else this user's key file, made on first use.

    A key file that cannot be read or made gives a key for this run only (`lasting` False):
    its reports cannot be compared with later ones, which `cli` tells the user if asked to.
    """
    given = os.environ.get(KEY_ENV)
    if given is not None:
        if len(given.strip()) < MIN_KEY_CHARS:
            raise FingerprintKeyError(f"{KEY_ENV} must be at least {MIN_KEY_CHARS} characters")
        return Key(given.strip().encode("utf-8"), KEY_ENV)
    try:
        path = key_file()
    except RuntimeError as exc:  # no home folder (a bare service account)
        return Key(secrets.token_bytes(32), str(exc), lasting=False)
    try:
        existed = path.exists()
        return Key(_stored(path), str(path), new=not existed)
    except (OSError, ValueError) as exc:  # ValueError: not a key (UnicodeDecodeError too)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Key(secrets.token_bytes(32), f"{path}: {why}", lasting=False)


def _stored(path: Path) -> bytes:
    """The key in `path`, put there first (owner-only) if there is none yet.

    Written whole beside it and then linked into place: a run starting at the same moment
    finds either no key or a whole one, and the first link wins, so both use the same key.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another run's key came first
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_KEY_CHARS:
        raise ValueError(f"holds no key (under {MIN_KEY_CHARS} characters)")
    return text.encode("ascii")


def seal(report: Report, key: Key) -> None:
    """Key the report's fingerprints, once, before anything is written."""
    if report.fingerprint_key is not None:
        return
    report.findings = [
        f if f.fingerprint is None else replace(f, fingerprint=_keyed(key, f.fingerprint))
        for f in report.findings
    ]
    report.fingerprint_key = key.ident


def _keyed(key: Key, plain: str) -> str:
    return hmac.new(key.secret, plain.encode("ascii"), hashlib.sha256).hexdigest()[:40]
