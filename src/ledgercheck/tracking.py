"""Following each anomaly until it is closed (逐项对账销号): baselines and run history.

A finding is "new" when the earlier run did not have its fingerprint, "open" when it did;
an earlier finding whose fingerprint is gone is "resolved". The earlier run is either a
JSON report (`verify --baseline`) or the last run recorded in a history database
(`verify --history`), an SQLite file that several checks may write at once.

Only rules that ran this time can resolve anything: a run with `--select MED` says nothing
about ID001, and a run that could not read one of its inputs says nothing at all.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledgercheck.findings import Finding, Report
from ledgercheck.fingerprints import KEY_ENV

NEW, OPEN, RESOLVED = "new", "open", "resolved"
STATES = (NEW, OPEN, RESOLVED)
# An open finding whose rule did not run this time: kept in the history so that it is
# "open", not "new", when its rule runs again.
UNCHECKED = "unchecked"

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        NEW: "新增",
        OPEN: "未销号",
        RESOLVED: "已销号",
        "new_mark": "新",
        "run": "批次",
        "at": "时间",
        "inputs": "受检文件",
        "district": "区",
        "rule": "规则",
        "runs": "核查批次",
        "by_district": "各区销号情况",
        "by_rule": "各规则销号情况",
        "tracking": "与上次核查相比",
        "no_runs": "历史库中尚无核查记录",
    },
    "en": {
        NEW: "new",
        OPEN: "open",
        RESOLVED: "resolved",
        "new_mark": "new",
        "run": "run",
        "at": "time",
        "inputs": "inputs",
        "district": "district",
        "rule": "rule",
        "runs": "runs",
        "by_district": "by district",
        "by_rule": "by rule",
        "tracking": "against the previous check",
        "no_runs": "the history database holds no runs yet",
    },
}

Checked = Callable[[str], bool]


class TrackingError(Exception):
    pass


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["zh"])


def rules_checked(report: Report, selected: Checked) -> Checked:
    """Whether a rule code was judged in this run: selected, runnable, every input read."""
    not_run = {n.code for n in report.rules_not_run}
    complete = not report.unreadable
    return lambda code: complete and selected(code) and code not in not_run


# --- comparing with an earlier run ----------------------------------------------------


def load_baseline(path: Path, key: str | None) -> list[dict[str, Any]]:
    """The findings of an earlier JSON report (`verify --format json`), whose fingerprints
    were made under the key `key` names (fingerprints.Key.ident; None: plain ones)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrackingError(f"{path}: cannot read the baseline report ({exc})") from exc
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise TrackingError(f"{path}: not a ledgercheck JSON report (no findings list)")
    if any(not isinstance(f.get("fingerprint"), str) for f in findings):
        raise TrackingError(
            f"{path}: the baseline's findings have no fingerprints; "
            "make it again with this version (verify --format json)"
        )
    other = _other_key(data.get("fingerprint_key"), key, "make the baseline again")
    if other:
        raise TrackingError(f"{path}: {other}")
    return findings


def _other_key(made: object, key: str | None, remedy: str) -> str | None:
    """Why fingerprints made under key `made` cannot be compared with this run's, if so."""
    if made == key:
        return None
    if made is None:
        return f"its fingerprints are not keyed (an earlier ledgercheck wrote it): {remedy}"
    return (
        f"its fingerprints are under another key ({made}; this run's is {key}): "
        f"set {KEY_ENV} to the key they were made with, or {remedy}"
    )


def compare(report: Report, previous: Iterable[dict[str, Any]], checked: Checked) -> None:
    """Mark each finding new or open, and list the earlier ones that are gone as resolved.

    Earlier findings whose rule did not run this time are neither: nothing is known.
    """
    before = {d["fingerprint"]: d for d in previous if d.get("state") != RESOLVED}
    report.findings = [
        replace(f, state=OPEN if f.fingerprint in before else NEW) for f in report.findings
    ]
    now = {f.fingerprint for f in report.findings}
    report.resolved = [
        {**d, "state": RESOLVED}
        for fp, d in before.items()
        if fp not in now and checked(str(d.get("code", "")))
    ]


def counts(report: Report) -> dict[str, int] | None:
    """new / open / resolved, or None when the run was not compared with an earlier one."""
    if report.resolved is None:
        return None
    out = dict.fromkeys(STATES, 0)
    for f in report.findings:
        if f.state in out:
            out[f.state] += 1
    out[RESOLVED] = len(report.resolved)
    return out


# --- the history database -------------------------------------------------------------

SCHEMA_VERSION = 2  # 2: the meta table (the fingerprint key's identifier)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,            -- when the run was recorded, UTC ISO 8601
    inputs TEXT NOT NULL,        -- JSON list of the input files as reported
    rule_pack TEXT NOT NULL,
    baseline TEXT                -- the --baseline report the states came from, if any
);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    fingerprint TEXT NOT NULL,
    code TEXT NOT NULL,
    severity TEXT,
    district TEXT,
    state TEXT NOT NULL,         -- new, open, resolved or unchecked
    sheet TEXT,
    cell TEXT,
    PRIMARY KEY (run_id, fingerprint)
);
CREATE INDEX IF NOT EXISTS findings_by_state ON findings (run_id, state);
"""
BUSY_MS = 60_000


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly), WAL journal.

    WAL lets readers (`ledgercheck history`) run while a check writes; the busy timeout
    makes a second writer wait for the first instead of failing with "database is locked".
    """
    con = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    _retry(lambda: con.execute("PRAGMA journal_mode = WAL"))
    con.row_factory = sqlite3.Row
    return con


def _retry(step: Callable[[], object], attempts: int = 50) -> None:
    """Switching to WAL needs a moment alone with the file and does not always wait on the
    busy handler, so several processes creating one database at once retry it."""
    for attempt in range(attempts):
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


@contextmanager
def _immediate(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken at once: reading the last run and adding the next one
    happen under one lock, so two concurrent runs each compare with a complete run."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _ensure_schema(con: sqlite3.Connection) -> None:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise TrackingError(f"history database schema {version} is newer than this ledgercheck")
    # Statement by statement: executescript would commit the open transaction.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _same_key(con: sqlite3.Connection, path: Path, key: str | None) -> None:
    """The history's runs were recorded under `key`, or there are none yet (then it is)."""
    row = con.execute("SELECT value FROM meta WHERE name = 'fingerprint_key'").fetchone()
    if row is not None:
        made: str | None = row[0]
    elif con.execute("SELECT count(*) FROM runs").fetchone()[0]:
        made = None  # recorded before the key was: plain fingerprints
    else:
        con.execute("INSERT INTO meta (name, value) VALUES ('fingerprint_key', ?)", (key,))
        return
    other = _other_key(made, key, "start a new history file")
    if other:
        raise TrackingError(f"{path}: {other}")


def _last_run(con: sqlite3.Connection) -> list[dict[str, Any]]:
    """The findings still open after the last recorded run (unchecked ones included)."""
    row = con.execute("SELECT max(id) FROM runs").fetchone()
    if row is None or row[0] is None:
        return []
    rows = con.execute(
        "SELECT fingerprint, code, severity, district, state, sheet, cell FROM findings "
        "WHERE run_id = ? AND state != ? ORDER BY rowid",
        (row[0], RESOLVED),
    )
    return [dict(r) for r in rows]


@dataclass
class Record:
    inputs: list[str]
    rule_pack: str
    baseline: str | None = None
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def record(path: Path, report: Report, rec: Record, checked: Checked) -> int:
    """Append the run to the history; without a baseline, states come from the last run.

    Returns the new run's id.
    """
    con = connect(path)
    try:
        with _immediate(con):
            _ensure_schema(con)
            _same_key(con, path, report.fingerprint_key)
            previous = _last_run(con)
            carried: list[dict[str, Any]] = []
            if rec.baseline is None:
                compare(report, previous, checked)
                now = {f.fingerprint for f in report.findings}
                carried = [
                    {**d, "state": UNCHECKED}
                    for d in previous
                    if d["fingerprint"] not in now and not checked(d["code"])
                ]
            run_id = _insert_run(con, rec)
            _insert_findings(con, run_id, _rows(report, carried))
        return run_id
    finally:
        con.close()


def _insert_run(con: sqlite3.Connection, rec: Record) -> int:
    cur = con.execute(
        "INSERT INTO runs (at, inputs, rule_pack, baseline) VALUES (?, ?, ?, ?)",
        (
            rec.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            json.dumps(rec.inputs, ensure_ascii=False),
            rec.rule_pack,
            rec.baseline,
        ),
    )
    return int(cur.lastrowid or 0)


Row = tuple[str, str, str | None, str | None, str, str | None, str | None]


def _rows(report: Report, carried: list[dict[str, Any]]) -> list[Row]:
    out: dict[str, Row] = {}
    for f in report.findings:
        if f.fingerprint is not None:
            out[f.fingerprint] = _row(f, report.district(f))
    for d in [*(report.resolved or []), *carried]:
        fp = str(d["fingerprint"])
        out.setdefault(
            fp,
            (
                fp,
                str(d.get("code", "")),
                d.get("severity"),
                d.get("district"),
                str(d["state"]),
                d.get("sheet"),
                d.get("cell"),
            ),
        )
    return list(out.values())


def _row(f: Finding, district: str | None) -> Row:
    assert f.fingerprint is not None
    return (
        f.fingerprint,
        f.code,
        f.severity.value,
        district,
        f.state or NEW,
        f.sheet,
        f.cell,
    )


def _insert_findings(con: sqlite3.Connection, run_id: int, rows: list[Row]) -> None:
    con.executemany(
        "INSERT INTO findings (run_id, fingerprint, code, severity, district, state, sheet, cell)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(run_id, *r) for r in rows],
    )


# --- reading the history --------------------------------------------------------------


@dataclass
class RunSummary:
    id: int
    at: str
    inputs: list[str]
    rule_pack: str
    totals: dict[str, int]
    by_district: dict[str, dict[str, int]]
    by_rule: dict[str, dict[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "inputs": self.inputs,
            "rule_pack": self.rule_pack,
            "totals": self.totals,
            "by_district": self.by_district,
            "by_rule": self.by_rule,
        }


NO_DISTRICT = "—"


def history(path: Path, district: str | None = None) -> list[RunSummary]:
    """Every recorded run, oldest first, with its new/open/resolved counts."""
    if not path.is_file():
        raise TrackingError(f"{path}: no such history database")
    try:
        return _history(path, district)
    except sqlite3.DatabaseError as exc:
        raise TrackingError(f"{path}: not a ledgercheck history database ({exc})") from exc


def _history(path: Path, district: str | None) -> list[RunSummary]:
    con = connect(path)
    try:
        if con.execute("PRAGMA user_version").fetchone()[0] == 0:
            return []
        runs = {
            int(r["id"]): RunSummary(
                int(r["id"]), r["at"], json.loads(r["inputs"]), r["rule_pack"], _zeros(), {}, {}
            )
            for r in con.execute("SELECT id, at, inputs, rule_pack FROM runs ORDER BY id")
        }
        where, args = ("WHERE district = ?", (district,)) if district else ("", ())
        query = (
            "SELECT run_id, coalesce(district, ?) AS district, code, state, count(*) AS n "
            f"FROM findings {where} GROUP BY run_id, district, code, state"
        )
        for r in con.execute(query, (NO_DISTRICT, *args)):
            if r["state"] not in STATES:
                continue  # unchecked: neither open nor closed as far as this run knows
            run = runs[int(r["run_id"])]
            n = int(r["n"])
            run.totals[r["state"]] += n
            run.by_district.setdefault(r["district"], _zeros())[r["state"]] += n
            run.by_rule.setdefault(r["code"], _zeros())[r["state"]] += n
        for run in runs.values():
            run.by_district = dict(sorted(run.by_district.items()))
            run.by_rule = dict(sorted(run.by_rule.items()))
        return list(runs.values())
    finally:
        con.close()


def _zeros() -> dict[str, int]:
    return dict.fromkeys(STATES, 0)


def history_json(runs: list[RunSummary]) -> str:
    return json.dumps({"runs": [r.to_dict() for r in runs]}, ensure_ascii=False, indent=2) + "\n"


def render_history(runs: list[RunSummary], console: Console, lang: str = "zh") -> None:
    w = words(lang)
    if not runs:
        console.print(Text(w["no_runs"], style="dim"))
        return
    overview = _state_table(w["runs"], w["run"], w)
    overview.add_column(w["at"])
    overview.add_column(w["inputs"], overflow="fold")
    for run in runs:
        overview.add_row(str(run.id), *_cells(run.totals), run.at, ", ".join(run.inputs))
    console.print(overview)
    console.print()
    for title, key, part in (
        (w["by_district"], w["district"], "by_district"),
        (w["by_rule"], w["rule"], "by_rule"),
    ):
        table = _state_table(title, w["run"], w, key)
        for run in runs:
            groups: dict[str, dict[str, int]] = getattr(run, part)
            for i, (name, row) in enumerate(groups.items()):
                table.add_row(str(run.id) if i == 0 else "", name, *_cells(row))
            table.add_section()
        console.print(table)
        console.print()


STATE_STYLE = {NEW: "bold red", OPEN: "yellow", RESOLVED: "green"}


def _state_table(title: str, first: str, w: dict[str, str], second: str | None = None) -> Table:
    table = Table(title=title, show_edge=False)
    table.add_column(first, justify="right")
    if second is not None:
        table.add_column(second)
    for state in STATES:
        table.add_column(w[state], justify="right", style=STATE_STYLE[state])
    return table


def _cells(row: dict[str, int]) -> list[str]:
    return [str(row[s]) for s in STATES]
