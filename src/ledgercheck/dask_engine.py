"""`verify --engine dask`: one members table too big for memory, checked partition by partition.

Scope — what it does:

- input: exactly one members table (成员信息) as a CSV or Parquet file, read by dask in
  partitions, plus any workbooks holding the households (户信息), read whole with pandas
  as usual (a household is a row per 3–4 members);
- per partition (dask, in parallel): the pipeline's own reading of each cell (F006, F007)
  and every members rule that looks at one row and its household — ID001–ID006, ID004,
  ID005, HH001, HH010, EDU001–EDU003, MED003, MED020–MED022;
- across rows, with dask group-bys over small keyed columns: HH005 (a person twice),
  HH002/HH003 (members per household), MED001/MED002 (the coverage rate), POP001–POP003;
- across rows, from each partition's 户主 and 配偶 rows (a few columns of about half the
  rows): HH004 (one head per household), HH006 (the head agrees with 户信息), HH009 (one
  spouse, of the other sex); the 配偶 rows HH009 flags are drafted by reading their
  partitions again, which real ledgers rarely need;
- once, with pandas: the households' own rules (INC, HOU, WAT, MED004, ID on 户主证件号码).

What it does not do is listed in the report's rules_not_run with the reason
"not supported by --engine dask": the other tables (medical, payments, loans, villages) and
rosters; a flat export (households and members on one sheet) is refused. The report's district
breakdown counts household rows only (a district per member row would not fit in memory).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ledgercheck import checks, fingerprints, stats
from ledgercheck.checks import household, medical, population
from ledgercheck.checks.base import Hits, Rule, flag
from ledgercheck.distributed import COVERAGE, DUPLICATE, POPULATION, _drafts, merge_aggregates
from ledgercheck.findings import Aggregate, Draft, InputInfo, NotRun, Report, SheetInfo
from ledgercheck.header import SCAN_ROWS, Layout, locate
from ledgercheck.ledger import Ledger, combine
from ledgercheck.normalize import TableData, build, show
from ledgercheck.pipeline import (
    FileResult,
    Options,
    _blocked,
    _missing_required,
    _row_drafts,
    assemble_drafts,
    load_file,
    render,
    selected,
)
from ledgercheck.read import ENCODINGS, RawSheet
from ledgercheck.tables import PII

# Rules judged on each partition: they read one member row and that member's household.
PARTITION = (
    "ID001", "ID002", "ID003", "ID004", "ID005", "ID006", "HH001", "HH010",
    "EDU001", "EDU002", "EDU003", "MED003", "MED020", "MED021", "MED022",
)  # fmt: skip
COUNTED = ("HH002", "HH003")  # a households rule given the member count per 户编号
# Rules over each household's 户主 and 配偶 rows, gathered from every partition.
HEADS, HEAD_AGREES, SPOUSES = "HH004", "HH006", "HH009"
FAMILY = (HEADS, HEAD_AGREES, SPOUSES)
ACROSS = (DUPLICATE, *COUNTED, *FAMILY, *COVERAGE, *POPULATION)
UNSUPPORTED = "not supported by --engine dask"
# The households' columns a member row is joined with (ledger._enrich_members).
JOINED = ("household_id", "household_type", "extreme_poverty_support", "district")
ROWS_PER_PARTITION = 100_000
CSV_BLOCK = "8MB"  # about 80,000 member rows: a partition's cells fit easily in memory
HEAD_BYTES = 256 * 1024


class EngineError(Exception):
    """Input the dask engine cannot take: one line for the command line."""


def household_rules() -> tuple[str, ...]:
    """Rules that read the households table alone: run once, with pandas."""
    return tuple(
        code
        for code, rule in checks.REGISTRY.items()
        if rule.check is not None
        and code not in ACROSS
        and "members" not in rule.needs
        and any(t.table == "households" for t in rule.targets)
    )


# --- the members file: its head, its layout, its partitions --------------------------------


@dataclass(frozen=True)
class Spec:
    """What every partition needs to read its rows as the pipeline would read the file."""

    label: str
    sheet: str
    head: list[list[Any]]  # the grid above the first data row (title, header)
    layout: Layout
    kind: str  # "csv" or "parquet"
    encoding: str = "utf-8"
    delimiter: str = ","
    width: int = 0


def inspect(path: Path, label: str) -> tuple[Spec, RawSheet]:
    """Read the head of the file and locate its header, as read.py and header.py would."""
    kind = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    if kind == "parquet":
        sheet, encoding, delimiter = _parquet_head(path), "utf-8", ","
    else:
        sheet, encoding, delimiter = _csv_head(path)
    layout = locate(sheet)
    if layout is None or layout.table.name != "members" or layout.flat:
        what = "no table" if layout is None else ("a flat export" if layout.flat else
                                                  f"the {layout.table.name} table")  # fmt: skip
        raise EngineError(
            f"--engine dask checks one members table (成员信息); {label} holds {what}"
        )
    width = max(len(row) for row in sheet.grid)
    spec = Spec(label, sheet.name, sheet.grid[: layout.data_start], layout, kind, encoding,
                delimiter, width)  # fmt: skip
    return spec, sheet


def _parquet_head(path: Path) -> RawSheet:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path)
    batch = next(table.iter_batches(batch_size=SCAN_ROWS), None)
    names: list[Any] = list(table.schema_arrow.names)
    rows = [] if batch is None else [list(r.values()) for r in batch.to_pylist()]
    return RawSheet(path.stem, [names, *rows])


def _csv_head(path: Path) -> tuple[RawSheet, str, str]:
    with path.open("rb") as fh:
        data = fh.read(HEAD_BYTES)
    # Cut at the last line end so that a multi-byte character is never split.
    data = data[: data.rfind(b"\n") + 1] or data
    encoding, text = _decode(data)
    delimiter = ","
    with contextlib.suppress(csv.Error):
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|").delimiter
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return RawSheet(path.stem, [list(r) for r in rows[:SCAN_ROWS]]), encoding, delimiter


def _decode(data: bytes) -> tuple[str, str]:
    for enc in ENCODINGS:
        try:
            return enc, data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise EngineError("the members CSV is neither UTF-8 nor GB18030")


def partitions(path: Path, spec: Spec, npartitions: int | None) -> Any:
    """The data rows as a dask DataFrame: cells as read (text for CSV, typed for Parquet)."""
    import dask.dataframe as dd

    if spec.kind == "parquet":
        import pyarrow.parquet as pq

        frame = dd.read_parquet(path, dtype_backend="pyarrow")
        rows = pq.ParquetFile(path).metadata.num_rows
        wanted = npartitions or max(1, math.ceil(rows / ROWS_PER_PARTITION))
    else:
        frame = dd.read_csv(
            path,
            header=None,
            names=[f"c{i}" for i in range(spec.width)],
            skiprows=spec.layout.data_start,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding=spec.encoding,
            sep=spec.delimiter,
            blocksize=CSV_BLOCK,
            skip_blank_lines=False,  # read.py keeps blank lines: row numbers must agree
        )
        wanted = npartitions
    return frame.repartition(npartitions=wanted) if wanted else frame


def _grid(part: pd.DataFrame, kind: str) -> list[list[Any]]:
    """The partition's rows as read.py gives cells: Python values, None where empty."""
    if kind == "csv":
        return [list(r) for r in part.itertuples(index=False, name=None)]
    import pyarrow as pa

    table = pa.Table.from_pandas(part, preserve_index=False)
    return [list(r) for r in zip(*(c.to_pylist() for c in table.columns), strict=True)]


# --- one partition -----------------------------------------------------------------------


@dataclass
class Piece:
    """What a partition returns: its findings and the keyed columns the group-bys need."""

    number: int
    rows: int
    drafts: list[Draft]
    uninsured: dict[str, list[Draft]]  # MED001/2 breaches, kept if the city rate falls short
    insured: dict[str, tuple[int, int]]
    persons: dict[str, int] | None  # POP: members per 户类型
    aggregates: list[Aggregate]
    once: str | None  # HH005's expected text, as the rule words it
    keys: pd.DataFrame = field(default_factory=pd.DataFrame)
    family: pd.DataFrame = field(default_factory=pd.DataFrame)  # `_family`


KEYS_META = pd.DataFrame(
    {
        "order": pd.Series([], dtype="int64"),
        "id": pd.Series([], dtype="string"),
        "household_id": pd.Series([], dtype="string"),
        "row": pd.Series([], dtype="int64"),
        "raw": pd.Series([], dtype=object),
    }
)


def check_piece(
    part: pd.DataFrame,
    number: int,
    offset: int,
    spec: Spec,
    households: list[TableData],
    options: Options,
) -> Piece:
    data, drafts = _read_piece(part, number, offset, spec, options)
    ledger = combine([data, *households], options.pack.as_of)
    drafts += _partition_drafts(ledger, options)
    members = ledger.frames["members"]
    uninsured: dict[str, list[Draft]] = {}
    insured: dict[str, tuple[int, int]] = {}
    for code, column in COVERAGE.items():
        rule = checks.REGISTRY[code]
        target = rule.targets[0]
        runnable = selected(code, options) and _blocked(rule, ledger) is None
        if runnable and ledger.missing(target.table, target.columns) is None:
            insured[code] = medical.insured_counts(members, column)
            hits = medical.uninsured(members, column)
            uninsured[code] = _drafts(rule, target, ledger, hits, options)
    aggregates = [
        a
        for table, column, code in stats.COVERAGE
        if table == "members"
        for a in stats.coverage(ledger, options.pack, table, column, code)
    ]
    persons = (
        {str(k): int(v) for k, v in members["_hh_type"].value_counts().items()}
        if "_hh_type" in members.columns
        else None
    )
    once = _once(ledger, options)
    return Piece(number, len(members), drafts, uninsured, insured, persons, aggregates, once,
                 _keys(ledger, number), _family(members, number))  # fmt: skip


def _read_piece(
    part: pd.DataFrame, number: int, offset: int, spec: Spec, options: Options
) -> tuple[TableData, list[Draft]]:
    # Later partitions get an empty row where the first data row was: normalize looks for
    # a 栏次 row (1 2 3 …) only there, and a member row must never be taken for one.
    lead: list[list[Any]] = [[]] if number else []
    sheet = RawSheet(spec.sheet, [*spec.head, *lead, *_grid(part, spec.kind)])
    tables, drafts = build(spec.label, sheet, spec.layout, options.pack.vocabulary)
    data = tables[0]
    shift = offset - len(lead)  # local grid row → the file's row
    if shift:
        data = replace(data, frame=data.frame.assign(_row=data.frame["_row"] + shift))
        drafts = [_moved(d, shift) for d in drafts]
    # Header-level drafts (F005) are every partition's: they are taken once, from the head.
    return data, [d for d in drafts if d.row is not None]


def _moved(draft: Draft, shift: int) -> Draft:
    if draft.row is None:
        return draft
    row = draft.row + shift
    cell = draft.cell.rstrip("0123456789") + str(row) if draft.cell else None
    return replace(draft, row=row, cell=cell)


def _partition_drafts(ledger: Ledger, options: Options) -> list[Draft]:
    drafts: list[Draft] = []
    for code in PARTITION:
        rule = checks.REGISTRY.get(code)
        if rule is None or not selected(code, options) or _blocked(rule, ledger) is not None:
            continue
        for target in rule.targets:
            if target.table == "members" and ledger.missing(target.table, target.columns) is None:
                drafts.extend(_row_drafts(rule, target, ledger, options))
    return drafts


def _once(ledger: Ledger, options: Options) -> str | None:
    rule = checks.REGISTRY[DUPLICATE]
    target = rule.targets[0]
    if rule.check is None or ledger.missing(target.table, target.columns) is not None:
        return None
    expected = rule.check(ledger, options.pack, target).expected
    return expected if isinstance(expected, str) else None


def _keys(ledger: Ledger, number: int) -> pd.DataFrame:
    """Per member row: its order in the file, readable 证件号码, 户编号, row and raw ID cell."""
    m = ledger.frames["members"]
    raw = ledger.raws["members"]
    n = len(m)
    ids = (
        m["id_number"].where(m["_id_number_problem"].isna())
        if "_id_number_problem" in m.columns
        else pd.Series([None] * n, index=m.index)
    )
    return pd.DataFrame(
        {
            "order": (np.int64(number) << 32) + np.arange(n, dtype=np.int64),
            "id": ids.astype("string").to_numpy(),
            "household_id": (
                m["household_id"] if "household_id" in m.columns else pd.Series([None] * n)
            )
            .astype("string")
            .to_numpy(),
            "row": m["_row"].to_numpy(dtype=np.int64),
            "raw": (raw["id_number"] if "id_number" in raw.columns else pd.Series([None] * n))
            .astype(object)
            .to_numpy(),
        }
    )


FAMILY_COLUMNS = ("household_id", "id_number", "name", "_sex")


def _family(members: pd.DataFrame, number: int) -> pd.DataFrame:
    """The partition's 户主 and 配偶 rows: their order in the file, whether head, and the
    columns HH004/HH006/HH009 compare."""
    if "relation" not in members.columns or "household_id" not in members.columns:
        return pd.DataFrame()
    kept = members["relation"].isin([household.HEAD, household.SPOUSE]).to_numpy(dtype=bool)
    order = (np.int64(number) << 32) + np.flatnonzero(kept).astype(np.int64)
    rows = members.loc[kept, [c for c in FAMILY_COLUMNS if c in members.columns]]
    head = (members.loc[kept, "relation"] == household.HEAD).to_numpy(dtype=bool)
    return rows.reset_index(drop=True).assign(order=order, head=head)


def _light(piece: Piece) -> Piece:
    return replace(piece, keys=KEYS_META, family=pd.DataFrame())


def _family_of(piece: Piece) -> pd.DataFrame:
    return piece.family


def _keys_of(piece: Piece) -> pd.DataFrame:
    return piece.keys


def _count(piece: Piece) -> int:
    return piece.rows


# --- the whole run -------------------------------------------------------------------------


PartitionProgress = Callable[[int, int], None]  # partitions checked, of how many


def verify(
    members: tuple[Path, str],
    others: Sequence[tuple[Path, str]],
    options: Options,
    npartitions: int | None = None,
    scheduler: str | None = None,
    progress: PartitionProgress | None = None,
) -> Report:
    """Check a members CSV/Parquet (with households from `others`) with dask."""
    try:
        import dask  # noqa: F401
    except ImportError as exc:
        raise EngineError("--engine dask needs dask: pip install 'ledgercheck[dask]'") from exc
    if options.against:
        raise EngineError("--engine dask does not compare with rosters (--against)")
    with _scheduler(scheduler, options.jobs) as compute_kw:
        return _run(members, others, options, npartitions, compute_kw, progress)


@contextlib.contextmanager
def _scheduler(address: str | None, jobs: int) -> Iterator[dict[str, Any]]:
    """Worker processes here (the cells are read by Python code: threads would queue on the
    GIL), or the cluster of `--scheduler`."""
    if address is None:
        yield {"scheduler": "processes", "num_workers": max(1, jobs)}
        return
    from ledgercheck.distributed import connect

    with connect(address):
        yield {}


def _run(
    members: tuple[Path, str],
    others: Sequence[tuple[Path, str]],
    options: Options,
    npartitions: int | None,
    compute_kw: dict[str, Any],
    progress: PartitionProgress | None = None,
) -> Report:
    import dask
    import dask.dataframe as dd

    path, label = members
    spec, head = inspect(path, label)
    house_results = [load_file(p, lab, options) for p, lab in others]
    _only_households(house_results)
    house_tables = [t for r in house_results for t in r.tables]
    frame = partitions(path, spec, npartitions)
    lengths = frame.map_partitions(len).compute(**_cheap(compute_kw)).tolist()
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()
    slim = [_slim(t) for t in house_tables]
    piece = dask.delayed(check_piece, pure=True)
    pieces = [
        piece(part, i, offsets[i], spec, slim, options) for i, part in enumerate(frame.to_delayed())
    ]
    # Keep the pieces (findings and keyed columns, not the cells) for the group-bys below.
    pieces = _persisted(pieces, compute_kw, progress)
    keys = dd.from_delayed(
        [dask.delayed(_keys_of)(p) for p in pieces], meta=KEYS_META, verify_meta=False
    )
    # The pieces are in memory now: group-bys over their keyed columns need no processes.
    cheap = _cheap(compute_kw)
    sizes, repeated = dask.compute(
        keys.dropna(subset=["household_id"]).groupby("household_id").size(),
        _repeated(keys),
        **cheap,
    )
    families, light = dask.compute(
        [dask.delayed(_family_of)(p) for p in pieces],
        [dask.delayed(_light)(p) for p in pieces],
        **cheap,
    )
    family = _gathered(families)
    seconds = (
        keys[keys["id"].isin(list(repeated.index))].compute(**cheap) if len(repeated) else KEYS_META
    )
    not_run = _not_run(_schema(spec, head, house_results, options), options)
    spouses: list[Draft] = []
    if _runs(SPOUSES, not_run, options):
        flagged = _wrong_spouses(family)
        redraft = dask.delayed(_spouse_drafts, pure=True)
        parts = frame.to_delayed()
        (found,) = dask.compute(
            [
                redraft(parts[n], n, offsets[n], spec, slim, flagged[n], options)
                for n in sorted(flagged)
            ],
            **compute_kw,
        )
        spouses = [d for drafts in found for d in drafts]
    across = Across(sizes, repeated, seconds, family, spouses)
    return _report(spec, head, house_results, light, across, not_run, options)


def _gathered(families: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in families if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _wrong_spouses(family: pd.DataFrame) -> dict[int, list[int]]:
    """HH009's 配偶 rows, as partition → positions of its member rows."""
    if family.empty:
        return {}
    if "_sex" not in family.columns:  # no sex known: only second spouses are wrong
        family = family.assign(_sex=pd.Series(pd.NA, index=family.index, dtype="string"))
    heads = household.single_heads(family.loc[family["head"], ["household_id", "_sex"]])
    spouses = family.loc[~family["head"], ["household_id", "_sex", "order"]]
    wrong = flag(household.wrong_spouses(spouses.sort_values("order"), heads["_sex"]))
    out: dict[int, list[int]] = {}
    for order in spouses.loc[wrong[wrong].index, "order"].sort_values():
        out.setdefault(int(order) >> 32, []).append(int(order) & 0xFFFFFFFF)
    return out


def _spouse_drafts(
    part: pd.DataFrame,
    number: int,
    offset: int,
    spec: Spec,
    households: list[TableData],
    positions: list[int],
    options: Options,
) -> list[Draft]:
    """HH009 on the member rows at `positions` of this partition, read again to draft them
    as the pandas engine does."""
    data, _ = _read_piece(part, number, offset, spec, options)
    ledger = combine([data, *households], options.pack.as_of)
    members = ledger.frames["members"]
    mask = np.zeros(len(members), dtype=bool)
    mask[positions] = True
    rule = checks.REGISTRY[SPOUSES]
    hits = Hits(pd.Series(mask, index=members.index), household.ONE_SPOUSE)
    return _drafts(rule, rule.targets[0], ledger, hits, options)


@dataclass
class Across:
    """The group-bys' results, for the rules across member rows."""

    sizes: pd.Series  # member rows per 户编号
    repeated: pd.DataFrame  # 证件号码 held by more than one row (`_repeated`)
    seconds: pd.DataFrame  # the keys of those rows
    family: pd.DataFrame  # every partition's `_family`
    spouses: list[Draft]  # HH009, drafted


def _persisted(
    pieces: list[Any], compute_kw: dict[str, Any], progress: PartitionProgress | None
) -> list[Any]:
    """The partitions checked and kept; `progress(done, total)` as each one finishes."""
    import dask

    total = len(pieces)
    if progress is None:
        return list(dask.persist(*pieces, **compute_kw))
    progress(0, total)
    if compute_kw:  # processes here: the scheduler tells of each task done
        from dask.callbacks import Callback

        wanted, done = {p.key for p in pieces}, [0]

        def finished(key: Any, *_: Any) -> None:
            if key in wanted:
                done[0] += 1
                progress(done[0], total)

        with Callback(posttask=finished):
            return list(dask.persist(*pieces, **compute_kw))
    from distributed import as_completed, futures_of

    kept = list(dask.persist(*pieces))  # on the cluster: returns at once
    for n, _ in enumerate(as_completed(futures_of(kept)), start=1):
        progress(n, total)
    return kept


def _cheap(compute_kw: dict[str, Any]) -> dict[str, Any]:
    """Threads for work that is not Python-bound; a cluster stays the cluster."""
    return {"scheduler": "threads"} if compute_kw else {}


def _repeated(keys: Any) -> Any:
    """证件号码 held by more than one member row, with the order of their first row."""
    stats_ = keys.dropna(subset=["id"]).groupby("id")["order"].agg(["min", "count"])
    return stats_[stats_["count"] > 1]


def _only_households(results: list[FileResult]) -> None:
    for res in results:
        for data in res.tables:
            if data.table.name not in ("households", "villages"):
                raise EngineError(
                    f"--engine dask takes households workbooks beside the members table; "
                    f"{res.info.file} holds the {data.table.name} table"
                )


def _slim(data: TableData) -> TableData:
    """Only the household columns a member is joined with: sent to every partition."""
    if data.table.name != "households":
        return data
    keep = [c for c in ("_row", *JOINED) if c in data.frame.columns]
    raw = [c for c in JOINED if c in data.raw.columns]
    return replace(data, frame=data.frame[keep], raw=data.raw[raw])


# --- the report ----------------------------------------------------------------------------


def _report(
    spec: Spec,
    head: RawSheet,
    house_results: list[FileResult],
    pieces: list[Piece],
    across: Across,
    not_run: list[NotRun],
    options: Options,
) -> Report:
    report, ledger, drafts = assemble_drafts(
        house_results, options, skip=frozenset(checks.REGISTRY) - set(household_rules())
    )
    rows = sum(p.rows for p in pieces)
    info = InputInfo(spec.label, [SheetInfo(spec.sheet, "members", spec.layout.header_row + 1,
                                            rows)])  # fmt: skip
    report.inputs.insert(0, info)
    report.rows += rows
    report.rules_not_run = not_run

    def runs(code: str) -> bool:
        return _runs(code, not_run, options)

    members_data, read_drafts = _head_table(spec, head, options)
    drafts += [d for d in read_drafts if d.row is None]  # F005
    drafts += _missing_required(members_data)
    drafts += [d for p in pieces for d in p.drafts]
    drafts += _across(pieces, ledger, across, members_data, runs, options)
    report.aggregates = merge_aggregates([*(p.aggregates for p in pieces), report.aggregates])
    report.findings = [f for d in drafts if (f := render(d, options)) is not None]
    report.sort()
    return report


def _head_table(spec: Spec, head: RawSheet, options: Options) -> tuple[TableData, list[Draft]]:
    tables, drafts = build(spec.label, head, spec.layout, options.pack.vocabulary)
    return tables[0], drafts


def _schema(
    spec: Spec, head: RawSheet, house_results: list[FileResult], options: Options
) -> Ledger:
    """A ledger with the head rows: which tables and columns there are, for rules_not_run."""
    members, _ = _head_table(spec, head, options)
    return combine([members, *(t for r in house_results for t in r.tables)], options.pack.as_of)


def _runs(code: str, not_run: list[NotRun], options: Options) -> bool:
    return (
        code in checks.REGISTRY and selected(code, options) and all(n.code != code for n in not_run)
    )


def _not_run(schema: Ledger, options: Options) -> list[NotRun]:
    supported = {*PARTITION, *ACROSS, *household_rules()}
    out = []
    for code, rule in checks.REGISTRY.items():
        if not selected(code, options):
            continue
        reason = _blocked(rule, schema)
        if reason is None and code not in supported:
            reason = UNSUPPORTED
        if reason is not None:
            out.append(NotRun(code, reason))
    return out


def _across(
    pieces: list[Piece],
    ledger: Ledger,
    across: Across,
    members: TableData,
    runs: Any,
    options: Options,
) -> list[Draft]:
    """The rules across member rows, from the group-bys' results."""
    drafts: list[Draft] = []
    counts = across.sizes.astype("int64")
    counts.index = counts.index.astype(object)
    judges = {"HH002": household.without_members, "HH003": household.wrong_size}
    for code, judge in judges.items():
        if runs(code):
            rule = checks.REGISTRY[code]
            target = rule.targets[0]
            if ledger.missing(target.table, target.columns) is None:
                hits = judge(ledger.frames["households"], counts)
                drafts += _drafts(rule, target, ledger, hits, options)
    drafts += _head_drafts(ledger, across.family, counts, runs, options)
    if runs(SPOUSES):
        drafts += across.spouses
    if runs(DUPLICATE):
        once = next((p.once for p in pieces if p.once is not None), None)
        drafts += _duplicates(across.repeated, across.seconds, members, once)
    for code in COVERAGE:
        if runs(code):
            insured = sum(p.insured.get(code, (0, 0))[0] for p in pieces)
            people = sum(p.insured.get(code, (0, 0))[1] for p in pieces)
            if not medical.covered(options.pack, code, insured, people):
                drafts += [d for p in pieces for d in p.uninsured.get(code, [])]
    for code in POPULATION:
        if runs(code):
            drafts += _population(code, pieces, ledger, options)
    return drafts


def _head_drafts(
    ledger: Ledger, family: pd.DataFrame, counts: pd.Series, runs: Any, options: Options
) -> list[Draft]:
    """HH004 and HH006 on the households, from the heads of every partition."""
    if family.empty or "households" not in ledger.frames:
        return []
    heads = family.loc[family["head"]]
    households = ledger.frames["households"]
    drafts: list[Draft] = []
    if runs(HEADS):
        rule = checks.REGISTRY[HEADS]
        per = heads["household_id"].dropna()
        hits = household.wrong_heads(households, counts, per.groupby(per).size())
        drafts += _drafts(rule, rule.targets[0], ledger, hits, options)
    if runs(HEAD_AGREES):
        rule = checks.REGISTRY[HEAD_AGREES]
        single = household.single_heads(heads)
        for target in rule.targets:
            theirs = "id_number" if target.point == "head_id_number" else "name"
            if ledger.missing(target.table, target.columns) is None and theirs in single:
                hits = household.disagreeing_head(households, target.point or "", single[theirs])
                drafts += _drafts(rule, target, ledger, hits, options)
    return drafts


def _duplicates(
    repeated: pd.DataFrame, seconds: pd.DataFrame, members: TableData, once: str | None
) -> list[Draft]:
    """HH005 on every member row after a person's first, drafted as pipeline._draft would."""
    first = seconds["id"].map(repeated["min"])
    later = seconds[seconds["order"] != first].sort_values("order")
    out = []
    for ident, row, raw in zip(later["id"], later["row"], later["raw"], strict=True):
        key = fingerprints.row_key("members", pd.DataFrame({"id_number": [ident]}), None, 0)
        out.append(
            Draft(
                DUPLICATE,
                members.file,
                members.sheet,
                "members",
                int(row),
                "id_number",
                members.headers.get("id_number"),
                members.cell("id_number", int(row)),
                show(raw),
                once,
                pii=PII.get("id_number"),
                key=key,
            )
        )
    return out


def _population(code: str, pieces: list[Piece], ledger: Ledger, options: Options) -> list[Draft]:
    from ledgercheck.pipeline import table_draft

    household_type = str(options.pack.param(code, "household_type"))
    households, _ = population.totals(ledger, household_type)
    counts = [p.persons for p in pieces]
    persons = (
        None
        if any(c is None for c in counts)
        else sum(c.get(household_type, 0) for c in counts if c is not None)
    )
    present = population.districts_present(ledger)
    rule: Rule = checks.REGISTRY[code]
    return [table_draft(rule, hit) for hit in population.judge(code, options.pack, households,
                                                               persons, present)]  # fmt: skip
