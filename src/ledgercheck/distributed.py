"""Batch checks on a Dask cluster (`verify --scheduler`): map over files, reduce across them.

Workers read and check the files where they are (by path); the client sees only small
summaries. A run goes:

1. map    — a worker reads one file (pipeline.load_file) and returns its outline: the
            0-row shape of each table and the hashed join keys (户编号, 证件号码).
2. group  — files that share a join key (a household split over two workbooks, a payment
            whose payee is registered in another) form one part, so that every rule that
            joins rows by key sees all of them. District workbooks are a part each.
3. check  — a worker assembles each part with the union's shape (missing tables and
            columns added empty, so a rule runs, or is not run, exactly as over the union)
            and runs every rule except the cross-file ones.
4. reduce — the client judges the cross-file rules from small keyed tuples: HH005 from
            (证件号码, file, position) of members, POP from household and person counts per
            户类型, MED001/MED002 from insured and person counts; the parts then draft just
            the rows the reduce picked.

The report equals `pipeline.verify` over the same inputs (tests/test_distributed.py).
dask is an optional dependency: imported here only, and only once a scheduler is asked for.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ledgercheck import checks
from ledgercheck.checks import medical, population
from ledgercheck.checks.base import Hits, Rule, Target
from ledgercheck.findings import Aggregate, Districts, Draft, InputInfo, NotRun, Report
from ledgercheck.ledger import Ledger
from ledgercheck.normalize import TableData
from ledgercheck.pipeline import (
    FileResult,
    Options,
    Progress,
    _row_drafts,
    assemble,
    assemble_drafts,
    load_file,
    render,
    selected,
    table_draft,
)
from ledgercheck.tables import LEDGER_TABLES, ROSTER_TABLES, TABLES

if TYPE_CHECKING:
    from distributed import Client, Future

LOCAL = "local"
CONNECT_TIMEOUT = "10s"
DUPLICATE = "HH005"
POPULATION = ("POP001", "POP002", "POP003")
COVERAGE = {"MED001": "basic_medical_insurance", "MED002": "critical_illness_insurance"}
# Rules whose verdict on a row depends on rows of other files however the files are
# grouped: a person anywhere earlier, city totals, a city-wide rate.
CROSS_FILE = frozenset({DUPLICATE, *POPULATION, *COVERAGE})
# Tables whose 证件号码 is looked up in members (claims, payments, loans: HH007, MED012,
# PAY003/PAY006's once-per-person) — a member's own 证件号码 joins nothing but HH005.
CLAIMS = ("medical", "payments", "loans")
Shapes = dict[str, tuple[pd.DataFrame, pd.DataFrame]]


class DistributedError(Exception):
    """dask is missing or the scheduler cannot be reached: one line for the command line."""


# --- 1. map: one file ----------------------------------------------------------------------


@dataclass
class Outline:
    """What the client needs to know of one file: small, whatever the file's size."""

    info: InputInfo
    rows: int
    columns: dict[str, tuple[frozenset[str], frozenset[str]]]  # table → typed, raw columns
    # The tables' frame and raw cells with no rows (columns and dtypes), pickled: a dozen
    # empty DataFrames take the client ~1 ms a file to unpickle, and only files whose
    # columns differ need them (`union_shapes`).
    packed_shapes: bytes
    households: np.ndarray  # hashed 户编号 in any table
    claimants: np.ndarray  # hashed 证件号码 of claims, payments and loans
    persons: np.ndarray  # hashed 证件号码 of members

    @property
    def shapes(self) -> Shapes:
        return cast(Shapes, pickle.loads(self.packed_shapes))


def read(path: Path, label: str, options: Options, roster: bool) -> FileResult:
    kinds = ROSTER_TABLES if roster else LEDGER_TABLES
    result = load_file(path, label, options, kinds)
    if roster:
        result.info.role = "roster"
    return result


def outline(result: FileResult) -> Outline:
    shapes: Shapes = {}
    for data in result.tables:
        frame, raw = data.frame.iloc[:0], data.raw.iloc[:0]
        seen = shapes.get(data.table.name)
        if seen is not None:
            frame, raw = pd.concat([seen[0], frame]), pd.concat([seen[1], raw])
        shapes[data.table.name] = (frame, raw)
    columns = {
        name: (frozenset(frame.columns), frozenset(raw.columns))
        for name, (frame, raw) in shapes.items()
    }
    return Outline(
        result.info,
        sum(len(t.frame) for t in result.tables),
        columns,
        pickle.dumps(shapes, protocol=pickle.HIGHEST_PROTOCOL),
        _hashed(result.tables, "household_id", None),
        _hashed(result.tables, "id_number", CLAIMS),
        _hashed(result.tables, "id_number", ("members",)),
    )


def _hashed(tables: list[TableData], column: str, kinds: tuple[str, ...] | None) -> np.ndarray:
    """Distinct keys as 64-bit hashes: a collision can only join two parts, never split one."""
    found = [
        t.frame[column].dropna().astype(str)
        for t in tables
        if column in t.frame.columns and (kinds is None or t.table.name in kinds)
    ]
    if not found:
        return np.empty(0, dtype=np.uint64)
    distinct = pd.concat(found).unique()
    return pd.util.hash_array(np.asarray(distinct, dtype=object))


# --- 2. group: files that share a join key -------------------------------------------------


def group(outlines: Sequence[Outline]) -> list[list[int]]:
    """Parts of files (indices, ascending), ordered by their first file."""
    parent = list(range(len(outlines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in _links(outlines):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    parts: dict[int, list[int]] = {}
    for i in range(len(outlines)):
        parts.setdefault(root(i), []).append(i)
    return sorted(parts.values())


def _pairs(outlines: Sequence[Outline], attr: str) -> pd.DataFrame:
    keys = [getattr(o, attr) for o in outlines]
    return pd.DataFrame(
        {
            "key": np.concatenate(keys) if keys else np.empty(0, dtype=np.uint64),
            "file": np.repeat(np.arange(len(keys)), [len(k) for k in keys]),
        }
    )


def _links(outlines: Sequence[Outline]) -> Iterator[tuple[int, int]]:
    """(file, the first file holding the same key) for every key held by several files."""
    claims = _pairs(outlines, "claimants")
    members = _pairs(outlines, "persons")
    pairs = pd.concat(
        [
            _pairs(outlines, "households"),
            claims,
            members[members["key"].isin(claims["key"])],
        ],
        ignore_index=True,
    ).drop_duplicates()
    first = pairs.groupby("key")["file"].transform("min")
    cross = pairs["file"] != first
    yield from zip(pairs.loc[cross, "file"].tolist(), first[cross].tolist(), strict=True)


def union_shapes(outlines: Sequence[Outline]) -> Shapes:
    shapes: Shapes = {}
    for o in outlines:
        for name, (frame, raw) in o.shapes.items():
            seen = shapes.get(name)
            shapes[name] = (
                (frame, raw)
                if seen is None
                else (pd.concat([seen[0], frame]), pd.concat([seen[1], raw]))
            )
    return shapes


# --- 3. check: one part on a worker ---------------------------------------------------------


@dataclass
class Part:
    """A part checked on a worker, kept there: the client asks it for drafts later."""

    files: list[int]
    report: Report
    ledger: Ledger
    drafts: list[Draft]
    file_of_source: np.ndarray  # ledger source (tid) → input index


def check_part(
    files: list[int], results: list[FileResult], shapes: Shapes, options: Options
) -> Part:
    filled = fill(results, shapes)
    report, ledger, drafts = assemble_drafts(filled, options, skip=CROSS_FILE)
    owner = [files[i] for i, res in enumerate(filled) for _ in res.tables]
    return Part(files, report, ledger, drafts, np.asarray(owner, dtype=np.int64))


def fill(results: list[FileResult], shapes: Shapes) -> list[FileResult]:
    """The part's files with every table and column the union has, empty where missing.

    Without them a rule could be "not run" here yet run over the union (or the reverse),
    and a join could miss that the union has nothing to join with.
    """
    have: dict[str, tuple[set[str], set[str]]] = {}
    for res in results:
        for data in res.tables:
            cols = have.setdefault(data.table.name, (set(), set()))
            cols[0].update(data.frame.columns)
            cols[1].update(data.raw.columns)
    widened: set[str] = set()
    out = []
    for res in results:
        tables = []
        for data in res.tables:
            name = data.table.name
            if name not in widened and name in shapes:
                widened.add(name)
                data = _widen(data, shapes[name], have[name])
            tables.append(data)
        out.append(FileResult(res.info, tables, res.drafts))
    empty = [_empty(name, shape) for name, shape in shapes.items() if name not in have]
    if empty and out:
        last = out[-1]
        out[-1] = FileResult(last.info, last.tables + empty, last.drafts)
    return out


def _widen(
    data: TableData, shape: tuple[pd.DataFrame, pd.DataFrame], have: tuple[set[str], set[str]]
) -> TableData:
    # Reindexing a 0-row column gives all-NA rows with the dtype pd.concat would give them.
    frame, raw = data.frame, data.raw
    more = {c: shape[0][c].reindex(frame.index) for c in shape[0].columns if c not in have[0]}
    more_raw = {c: shape[1][c].reindex(raw.index) for c in shape[1].columns if c not in have[1]}
    if not more and not more_raw:
        return data
    return replace(data, frame=frame.assign(**more), raw=raw.assign(**more_raw))


def _empty(name: str, shape: tuple[pd.DataFrame, pd.DataFrame]) -> TableData:
    # Text columns as object, as the normalizer types a sheet with a header and no rows:
    # some vectorised code (idnumber.problems) assumes an empty text column is object.
    frame = shape[0].astype({c: object for c, t in shape[0].dtypes.items() if _is_text(t)})
    return TableData(TABLES[name], "", "", 0, frame, shape[1])


def _is_text(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype)


@dataclass
class Summary:
    """What the client gathers of a part: findings so far and the keyed tuples to reduce."""

    files: list[int]
    drafts: list[Draft]
    rows: int
    rules_not_run: list[NotRun]
    comparisons: list[dict[str, Any]]
    series: dict[str, list[float]]
    districts: Districts
    aggregates: list[Aggregate]
    members: pd.DataFrame  # HH005: id, file, position in the part's members
    households: dict[str, int]  # POP: households per 户类型
    persons: dict[str, int] | None  # POP: persons per 户类型, None where unknown
    present: set[str] = field(default_factory=set)  # POP: districts the households name
    insured: dict[str, tuple[int, int]] = field(default_factory=dict)  # MED001/2


def summarise(part: Part) -> Summary:
    ledger, report = part.ledger, part.report
    hh = ledger.frames.get("households")
    members = ledger.frames.get("members")
    has_types = hh is not None and "household_type" in hh.columns
    return Summary(
        part.files,
        part.drafts,
        report.rows,
        report.rules_not_run,
        report.comparisons,
        report.series,
        report.districts,
        report.aggregates,
        _member_keys(part),
        _counts(hh["household_type"]) if hh is not None and has_types else {},
        _counts(members["_hh_type"])
        if members is not None and "_hh_type" in members.columns
        else None,
        population.districts_present(ledger) if hh is not None else set(),
        {
            code: medical.insured_counts(members, column)
            for code, column in COVERAGE.items()
            if members is not None and column in members.columns
        },
    )


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


def _member_keys(part: Part) -> pd.DataFrame:
    """(证件号码, file, position) of each member with a readable ID, as HH005 reads them."""
    m = part.ledger.frames.get("members")
    if m is None or not {"id_number", "_id_number_problem"} <= set(m.columns):
        return pd.DataFrame({"id": pd.Series([], dtype="string"), "file": [], "pos": []})
    ids = m["id_number"].where(m["_id_number_problem"].isna())
    keep = ids.notna().to_numpy()
    return pd.DataFrame(
        {
            "id": ids[keep].astype("string").to_numpy(),
            "file": part.file_of_source[m["_tid"].to_numpy()[keep]],
            "pos": np.flatnonzero(keep),
        }
    )


# --- 4. reduce: the cross-file rules on the client ------------------------------------------


@dataclass
class Verdict:
    drafts: list[Draft]  # findings about the ledger as a whole (POP)
    duplicates: dict[int, list[int]]  # part → positions of members that repeat a person
    uncovered: list[str]  # MED001/MED002 whose city-wide rate falls short


def reduce(summaries: Sequence[Summary], options: Options) -> Verdict:
    not_run = {n.code for n in summaries[0].rules_not_run} if summaries else set()

    def runs(code: str) -> bool:
        return code in checks.REGISTRY and selected(code, options) and code not in not_run

    verdict = Verdict([], {}, [])
    if runs(DUPLICATE):
        verdict.duplicates = _duplicates(summaries)
    for code in POPULATION:
        if runs(code):
            verdict.drafts.extend(_population(code, summaries, options))
    for code in COVERAGE:
        if runs(code):
            insured = sum(s.insured.get(code, (0, 0))[0] for s in summaries)
            people = sum(s.insured.get(code, (0, 0))[1] for s in summaries)
            if not medical.covered(options.pack, code, insured, people):
                verdict.uncovered.append(code)
    return verdict


def _duplicates(summaries: Sequence[Summary]) -> dict[int, list[int]]:
    """Every occurrence of a person after their first, in input order (file, then row)."""
    keys = pd.concat([s.members.assign(part=i) for i, s in enumerate(summaries)], ignore_index=True)
    keys = keys.sort_values(["file", "pos"], kind="stable")
    repeats = keys[keys["id"].duplicated(keep="first")]
    out: dict[int, list[int]] = {}
    for part, pos in zip(repeats["part"].tolist(), repeats["pos"].tolist(), strict=True):
        out.setdefault(int(part), []).append(int(pos))
    return {part: sorted(rows) for part, rows in out.items()}


def _population(code: str, summaries: Sequence[Summary], options: Options) -> list[Draft]:
    household_type = str(options.pack.param(code, "household_type"))
    households = sum(s.households.get(household_type, 0) for s in summaries)
    counts = [s.persons for s in summaries]
    persons = (
        None
        if any(c is None for c in counts)
        else sum(c.get(household_type, 0) for c in counts if c is not None)
    )
    present = set().union(*(s.present for s in summaries))
    hits = population.judge(code, options.pack, households, persons, present)
    return [table_draft(checks.REGISTRY[code], hit) for hit in hits]


def finish(
    part: Part, duplicates: list[int], uncovered: list[str], options: Options
) -> list[Draft]:
    """Draft, on the worker that holds the part, the rows the reduce picked."""
    ledger = part.ledger
    drafts: list[Draft] = []
    if duplicates:
        rule = checks.REGISTRY[DUPLICATE]
        target = rule.targets[0]
        members = ledger.frames["members"]
        mask = np.zeros(len(members), dtype=bool)
        mask[duplicates] = True
        # The rule's own wording, with the mask of the whole ledger instead of the part's.
        assert rule.check is not None
        own = rule.check(ledger, options.pack, target)
        hits = replace(own, mask=pd.Series(mask, index=members.index))
        drafts.extend(_drafts(rule, target, ledger, hits, options))
    for code in uncovered:
        rule = checks.REGISTRY[code]
        target = rule.targets[0]
        if ledger.missing(target.table, target.columns) is None:
            hits = medical.uninsured(ledger.frames["members"], COVERAGE[code])
            drafts.extend(_drafts(rule, target, ledger, hits, options))
    return drafts


def _drafts(
    rule: Rule, target: Target, ledger: Ledger, hits: Hits, options: Options
) -> list[Draft]:
    fixed = replace(rule, check=lambda _ledger, _pack, _target: hits)
    return _row_drafts(fixed, target, ledger, options)


def merge(
    outlines: Sequence[Outline], summaries: Sequence[Summary], drafts: list[Draft], options: Options
) -> Report:
    """The report the union would give: parts' findings, the reduce's, and their figures."""
    report = Report(options.pack.name)
    report.inputs = [o.info for o in outlines]
    report.rows = sum(s.rows for s in summaries)
    if summaries:
        report.rules_not_run = list(summaries[0].rules_not_run)
    series: dict[str, list[float]] = {}
    drafts = [d for s in summaries for d in s.drafts] + drafts
    for s in summaries:
        report.comparisons.extend(s.comparisons)
        report.districts.update(s.districts)
        for name, values in s.series.items():
            series.setdefault(name, []).extend(values)
    report.series = {name: sorted(values) for name, values in series.items()}
    report.aggregates = merge_aggregates([s.aggregates for s in summaries])
    report.findings = [f for d in drafts if (f := render(d, options)) is not None]
    report.sort()
    return report


def merge_aggregates(parts: Sequence[list[Aggregate]]) -> list[Aggregate]:
    """Add up each rate's numerator and denominator; keep the order the union gives them:
    indicator by indicator, the whole city first, then districts by name."""
    names: list[str] = []
    sums: dict[tuple[str, str], list[float]] = {}
    targets: dict[str, float] = {}
    for aggregates in parts:
        for a in aggregates:
            if a.name not in targets:
                names.append(a.name)
                targets[a.name] = a.target
            total = sums.setdefault((a.name, a.scope), [0.0, 0.0])
            total[0] += a.numerator
            total[1] += a.denominator
    all_first = sorted(sums, key=lambda k: (names.index(k[0]), k[1] != "all", k[1]))
    # Rounded as the local run rounds money, so the order of the parts cannot show.
    return [
        Aggregate(name, scope, num / den if den else None, targets[name], num, den)
        for name, scope in all_first
        for num, den in [(round(s, 2) for s in sums[(name, scope)])]
    ]


# --- the driver ------------------------------------------------------------------------------


def verify(
    paths: Sequence[tuple[Path, str]],
    options: Options,
    scheduler: str,
    progress: Progress | None = None,
) -> Report:
    """`pipeline.verify` on a Dask cluster: `scheduler` is an address or "local"."""
    with connect(scheduler) as client:
        return run(client, paths, options, progress)


def run(
    client: Client,
    paths: Sequence[tuple[Path, str]],
    options: Options,
    progress: Progress | None = None,
) -> Report:
    items = [(p, label, False) for p, label in paths]
    items += [(p, label, True) for p, label in options.against]
    if not items:
        return assemble([], options)
    # Workers open files by path: give them one that does not depend on their cwd.
    loaded = [
        client.submit(read, Path(p).absolute(), label, options, roster, pure=False)
        for p, label, roster in items
    ]
    outlines = _outlines(client, loaded, progress)
    # Rosters are compared with the whole ledger (spec §6): one part then.
    parts = [list(range(len(items)))] if options.against else group(outlines)
    shapes = union_shapes(outlines)
    checked = [
        client.submit(check_part, files, [loaded[i] for i in files], shapes, options, pure=False)
        for files in parts
    ]
    summaries: list[Summary] = client.gather(
        [client.submit(summarise, p, pure=False) for p in checked]
    )
    del loaded  # the parts hold what they need; let the workers free the files
    verdict = reduce(summaries, options)
    finishing = [
        client.submit(finish, p, verdict.duplicates.get(i, []), verdict.uncovered, options)
        for i, p in enumerate(checked)
        if verdict.duplicates.get(i) or verdict.uncovered
    ]
    drafts = verdict.drafts + [d for found in client.gather(finishing) for d in found]
    return merge(outlines, summaries, drafts, options)


def _outlines(client: Client, loaded: list[Future], progress: Progress | None) -> list[Outline]:
    from distributed import as_completed

    futures = [client.submit(outline, f, pure=False) for f in loaded]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[Outline | None] = [None] * len(futures)
    for future, result in as_completed(futures, with_results=True):
        out[index[future.key]] = result
        if progress:
            progress(FileResult(result.info, [], []))
    return [o for o in out if o is not None]


@contextmanager
def connect(scheduler: str) -> Iterator[Client]:
    """A client of the scheduler at an address, or of a two-worker cluster on loopback."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise DistributedError("--scheduler needs dask: pip install 'ledgercheck[dask]'") from exc
    if scheduler == LOCAL:
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # loopback, any free port
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DistributedError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        yield client
