"""The only place that knows the order of stages: read → locate → normalize → rules → findings."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ledgercheck import catalog, checks, fingerprints, guard, handoff, oneshot, stats, template
from ledgercheck.checks import crossref
from ledgercheck.checks.base import Hits, Rule, TableHit, Target
from ledgercheck.findings import (
    Draft,
    Finding,
    InputInfo,
    NotRun,
    Related,
    Report,
    Severity,
    SheetInfo,
)
from ledgercheck.header import locate
from ledgercheck.ledger import Ledger, combine
from ledgercheck.mask import mask, mask_ids_in
from ledgercheck.normalize import TableData, build, show
from ledgercheck.packs import Pack
from ledgercheck.read import WORKBOOK_SUFFIXES, InputError, Limits, Selection, read_file
from ledgercheck.tables import LEDGER_TABLES, PII, ROSTER_TABLES, Table


@dataclass
class Options:
    pack: Pack
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # Never in a repr: Dask logs a failed task's arguments, and Options is one of them.
    password: str | None = field(default=None, repr=False)
    lang: str = "zh"
    show_pii: bool = False
    limits: Limits = field(default_factory=Limits)
    jobs: int = 1
    debug: bool = False  # let unexpected errors raise with their traceback
    # Department rosters (path, label) to compare the ledger with (spec §6, --against).
    against: tuple[tuple[Path, str], ...] = ()


def selected(code: str, options: Options) -> bool:
    base = code.split("@")[0]
    if options.select and not any(base.startswith(p) for p in options.select):
        return False
    if any(base.startswith(p) for p in options.ignore):
        return False
    return options.pack.enabled(base)


@dataclass
class FileResult:
    info: InputInfo
    tables: list[TableData]
    drafts: list[Draft]


def load_file(
    path: Path,
    label: str,
    options: Options,
    kinds: Sequence[Table] = LEDGER_TABLES,
    sheets: Selection | None = None,
) -> FileResult:
    """Read one file into typed tables; a file that cannot be read becomes F001/F002."""
    try:
        return _load(path, label, options, kinds, sheets)
    except InputError as exc:
        return FileResult(
            InputInfo(label, error=exc.reason), [], [Draft(exc.code, label, value=exc.reason)]
        )
    except Exception as exc:  # a file that breaks the reader must not stop a batch
        if options.debug:
            raise
        # One line (the CLI prints it as one), and no ID number quoted from a cell.
        detail = mask_ids_in(" ".join(str(exc).split()))[:120]
        reason = f"cannot be read ({type(exc).__name__}: {detail})"
        return FileResult(InputInfo(label, error=reason), [], [Draft("F001", label, value=reason)])


def load_part(
    path: Path,
    label: str,
    options: Options,
    kinds: Sequence[Table] = LEDGER_TABLES,
    sheets: Selection | None = None,
    into: str | None = None,
) -> handoff.Handoff[FileResult] | FileResult:
    """`load_file` in a worker process, its tables sent back by `handoff` through the
    parent's folder `into`."""
    return handoff.send(load_file(path, label, options, kinds, sheets), into)


def _load(
    path: Path, label: str, options: Options, kinds: Sequence[Table], chosen: Selection | None
) -> FileResult:
    info = InputInfo(label)
    sheets = read_file(path, options.password, options.limits, chosen)
    tables: list[TableData] = []
    drafts: list[Draft] = []
    for sheet in sheets:
        if template.is_auxiliary(sheet.name, sheet.grid):
            # The template's 填表说明 and 选项: listed, neither a table nor unrecognised (F003).
            info.sheets.append(SheetInfo(sheet.name, None, None, 0))
            continue
        layout = locate(sheet, kinds)
        if layout is None:
            nonempty = any(any(str(v).strip() for v in row) for row in sheet.grid)
            info.sheets.append(SheetInfo(sheet.name, None, None, 0))
            if nonempty:
                drafts.append(Draft("F003", label, sheet.name, value=sheet.name))
            continue
        built, found = build(label, sheet, layout, options.pack.vocabulary)
        drafts.extend(found)
        for data in built:
            drafts.extend(_missing_required(data))
        tables.extend(built)
        main = built[-1]
        info.sheets.append(
            SheetInfo(
                sheet.name,
                main.table.name,
                main.header_row,
                len(main.frame),
                flat=layout.flat,
            )
        )
    return FileResult(info, tables, drafts)


def _missing_required(data: TableData) -> list[Draft]:
    return [
        Draft(
            "F004",
            data.file,
            data.sheet,
            data.table.name,
            column=name,
            header=data.table.by_name[name].header,
            expected=data.table.by_name[name].header,
        )
        for name in data.table.required
        if name not in data.present
    ]


Progress = Callable[["FileResult"], None]


def verify(
    paths: Iterable[tuple[Path, str]], options: Options, progress: Progress | None = None
) -> Report:
    """Check files (path, label as shown in reports) as one ledger, against any rosters."""
    paths = list(paths)
    if _workbooks(paths) > 1 and min(options.jobs, len(paths)) > 1 and not options.against:
        # Workers check the files and only the cross-file rules are judged here. Rosters
        # are compared with the whole ledger: those runs take the union below.
        from ledgercheck import batch  # batch builds on this module

        return batch.verify(paths, options, progress)
    results = load_all(paths, options, progress)
    if options.against:
        rosters = load_all(list(options.against), options, progress, kinds=ROSTER_TABLES)
        for res in rosters:
            res.info.role = "roster"
        results += rosters
    return assemble(results, options)


def _workbooks(paths: list[tuple[Path, str]]) -> int:
    """Workbooks among the inputs: district offices send one each, a ledger whole. CSV and
    Parquet files are tables of one ledger (成员信息.csv, 户信息.csv …): they join on every
    key, so checking them apart would only read them twice."""
    return sum(1 for path, _ in paths if path.suffix.lower() in WORKBOOK_SUFFIXES)


def load_all(
    paths: list[tuple[Path, str]],
    options: Options,
    progress: Progress | None = None,
    kinds: Sequence[Table] = LEDGER_TABLES,
) -> list[FileResult]:
    """Read files in worker processes; results come back in input order whatever the jobs.

    Parquet is read at the speed of memory: a worker would take longer to send its tables
    back than to read them, so Parquet inputs alone are read here.
    """
    parquet = all(path.suffix.lower() == ".parquet" for path, _ in paths)
    jobs = 1 if parquet else max(1, min(options.jobs, len(paths)))
    results: list[FileResult] = []
    if jobs == 1:
        for path, label in paths:
            results.append(load_shared(path, label, options, kinds))
            if progress:
                progress(results[-1])
        return results
    with oneshot.pool(jobs) as pool:
        into = handoff.folder()
        started = {
            i: pool.submit(load_part, *paths[i], options, kinds, None, into)
            for i in biggest_first(paths)
        }
        futures = [started[i] for i in range(len(paths))]
        warm_validation()  # while the workers read
        for future, (path, label) in zip(futures, paths, strict=True):
            try:
                results.append(handoff.receive(future.result()))
            except BrokenExecutor:
                results.append(_isolated(path, label, options, kinds))
            if progress:
                progress(results[-1])
    return results


def biggest_first(paths: Sequence[tuple[Path, str]]) -> list[int]:
    """The inputs' indices, biggest file first: read last, a big file would keep one worker
    busy while the others have nothing left to read."""
    return sorted(range(len(paths)), key=lambda i: -_size(paths[i][0]))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # it says why when read


# A workbook's sheets are shared among processes when they hold at least this much XML
# (a ledger of ~5,000 members): the worker's reading then also covers this process's import
# of pandera (0.2 s). Measured on generated office ledgers, `--jobs 2`: 10,000 members
# 1.02 → 0.88 s, 5,000 0.86 → 0.82 s, 2,000 (3 MB) no faster, none slower.
SHARE_BYTES = 4 * 1024 * 1024


def load_shared(
    path: Path, label: str, options: Options, kinds: Sequence[Table] = LEDGER_TABLES
) -> FileResult:
    """One file, its sheets read and normalised by `options.jobs` processes when it is big
    enough; the result is what `load_file` gives, tables and sheets in workbook order."""
    order = _sheet_order(path) if options.jobs > 1 else {}
    groups = _share(order, options.jobs)
    if len(groups) < 2:
        return load_file(path, label, options, kinds)
    # This process takes the lightest group: it also starts the workers, takes in their
    # tables and, while they finish, readies the validation that follows.
    lightest = min(groups, key=lambda g: sum(order[n] for n in g))
    heavier = [g for g in groups if g is not lightest]
    mine = Selection(skip=frozenset(n for g in heavier for n in g))
    into = handoff.folder()
    try:
        with oneshot.pool(len(heavier)) as pool:
            theirs = [
                pool.submit(
                    load_part, path, label, options, kinds, Selection(only=frozenset(g)), into
                )
                for g in heavier
            ]
            parts = [load_file(path, label, options, kinds, mine)]
            warm_validation()
            parts += [handoff.receive(f.result()) for f in theirs]
    except BrokenExecutor:
        return _isolated(path, label, options, kinds)
    return _joined(parts, order)


def _sheet_order(path: Path) -> dict[str, int]:
    """Worksheet name → uncompressed bytes, in workbook order; empty unless a zip workbook."""
    try:
        with path.open("rb") as fh:
            return guard.sheet_sizes(fh)
    except OSError:
        return {}


def _share(sizes: dict[str, int], jobs: int) -> list[list[str]]:
    """Sheets dealt biggest first to the least loaded of `jobs` groups."""
    if sum(sizes.values()) < SHARE_BYTES:
        return []
    groups: list[list[str]] = [[] for _ in range(min(jobs, len(sizes)))]
    loads = [0] * len(groups)
    for name in sorted(sizes, key=lambda n: -sizes[n]):
        least = loads.index(min(loads))
        groups[least].append(name)
        loads[least] += sizes[name]
    return [g for g in groups if g]


def _joined(parts: list[FileResult], order: dict[str, int]) -> FileResult:
    failed = next((p for p in parts if p.info.error), None)
    if failed is not None:
        return failed  # read whole, the file would have failed as a whole
    position = {name: i for i, name in enumerate(order)}

    def rank(name: str) -> int:
        return position.get(name, len(position))

    info = InputInfo(parts[0].info.file)
    info.sheets = sorted((s for p in parts for s in p.info.sheets), key=lambda s: rank(s.sheet))
    tables = sorted((t for p in parts for t in p.tables), key=lambda t: rank(t.sheet))
    return FileResult(info, tables, [d for p in parts for d in p.drafts])


def _isolated(path: Path, label: str, options: Options, kinds: Sequence[Table]) -> FileResult:
    """A worker died (a native reader abort): retry the file alone to tell which one it was."""
    try:
        with oneshot.pool(1) as pool:
            return pool.submit(load_file, path, label, options, kinds).result()
    except BrokenExecutor:
        reason = "the spreadsheet reader crashed on this file (corrupt workbook)"
        return FileResult(InputInfo(label, error=reason), [], [Draft("F001", label, value=reason)])


def default_jobs() -> int:
    return os.cpu_count() or 1


def assemble(results: list[FileResult], options: Options) -> Report:
    report, _, drafts = assemble_drafts(results, options)
    report.findings = [f for d in drafts if (f := render(d, options)) is not None]
    report.sort()
    return report


def assemble_drafts(
    results: list[FileResult], options: Options, skip: frozenset[str] = frozenset()
) -> tuple[Report, Ledger, list[Draft]]:
    """Combine files into one ledger and run the rules, leaving findings as drafts.

    `skip` names rules that are still judged runnable (or listed as not run) but whose
    breaches another stage finds: the distributed runner reduces cross-file rules itself.
    """
    report = Report(options.pack.name)
    drafts: list[Draft] = []
    tables: list[TableData] = []
    for res in results:
        report.inputs.append(res.info)
        drafts.extend(res.drafts)
        tables.extend(res.tables)
    ledger = combine(tables, options.pack.as_of)
    report.rows = sum(
        len(t.frame)
        for t in tables
        if not t.table.roster and not (t.flat and t.table.name == "households")
    )
    drafts.extend(run_rules(ledger, options, report, skip))
    if any(t.table.roster for t in tables):
        report.comparisons = crossref.compare(ledger)
    stats.fill(report, ledger, options.pack)  # figures for charts beyond findings
    return report, ledger, drafts


def run_rules(
    ledger: Ledger, options: Options, report: Report, skip: frozenset[str] = frozenset()
) -> list[Draft]:
    drafts: list[Draft] = []
    pending: list[tuple[Rule, Target, Hits]] = []
    for code, rule in checks.REGISTRY.items():
        if not selected(code, options):
            continue
        reasons = _blocked(rule, ledger)
        if reasons is not None:
            report.rules_not_run.append(NotRun(code, reasons))
            continue
        if code in skip:
            continue
        if rule.ledger_check is not None:
            drafts.extend(table_draft(rule, hit) for hit in rule.ledger_check(ledger, options.pack))
            continue
        for target in rule.targets:
            if ledger.missing(target.table, target.columns) is None:
                assert rule.check is not None
                pending.append((rule, target, rule.check(ledger, options.pack, target)))
    return drafts + _pending_drafts(pending, ledger)


def _constant(hits: Hits) -> Callable[[], Hits]:
    return lambda: hits


def _pending_drafts(pending: list[tuple[Rule, Target, Hits]], ledger: Ledger) -> list[Draft]:
    """All row rules of a table validated in one pandera pass: one schema per table."""
    by_table: dict[str, dict[str, Callable[[], Hits]]] = {}
    for i, (rule, target, hits) in enumerate(pending):
        by_table.setdefault(target.table, {})[f"{rule.code}#{i}"] = _constant(hits)
    failing: dict[str, list[int]] = {}
    for table, table_checks in by_table.items():
        failing.update(validate(ledger.frames[table], table_checks))
    return [
        _draft(rule.code, target, ledger, hits, idx)
        for i, (rule, target, hits) in enumerate(pending)
        for idx in failing[f"{rule.code}#{i}"]
    ]


def table_draft(rule: Rule, hit: TableHit) -> Draft:
    """A finding about the ledger as a whole (POP): no file, no row."""
    severity = Severity(hit.severity) if hit.severity else None
    return Draft(
        rule.code,
        value=hit.value,
        expected=hit.expected,
        table=rule.targets[0].table,
        severity=severity,
    )


def _blocked(rule: Rule, ledger: Ledger) -> str | None:
    for table, columns in rule.needs.items():
        reason = ledger.missing(table, columns)
        if reason:
            return reason
    reasons = [ledger.missing(t.table, t.columns) for t in rule.targets]
    if all(reasons):
        return str(reasons[0])
    return None


def _row_drafts(rule: Rule, target: Target, ledger: Ledger, options: Options) -> list[Draft]:
    assert rule.check is not None
    return _pending_drafts([(rule, target, rule.check(ledger, options.pack, target))], ledger)


def warm_validation() -> None:
    """Import pandera and register its backends (0.1-0.2 s) ahead of the first `validate`:
    for a process that would otherwise wait, idle, for its workers."""
    validate(pd.DataFrame(index=pd.RangeIndex(1)), {})


def validate(
    frame: pd.DataFrame, checks_by_code: dict[str, Callable[[], Hits]]
) -> dict[str, list[int]]:
    """Run rule masks as pandera checks, lazily: every failure of every check in one pass.

    The schema validates a one-column frame of the table's index, so pandera reports one
    failure case per row instead of one per column of a wide ledger. pandera is imported
    here, when first needed: a process that only reads (a worker sharing a workbook's
    sheets) never pays for it.
    """
    import pandera.pandas as pa

    slim = pd.DataFrame({"_i": frame.index}, index=frame.index)

    def passes(fn: Callable[[], Hits]) -> Callable[[pd.DataFrame], pd.Series]:
        return lambda df: pd.Series(~fn().mask.to_numpy(dtype=bool), index=df.index)

    schema = pa.DataFrameSchema(
        checks=[pa.Check(passes(fn), name=code) for code, fn in checks_by_code.items()]
    )
    out: dict[str, list[int]] = {code: [] for code in checks_by_code}
    try:
        schema.validate(slim, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if cases["index"].isna().any():
            # pandera turns an exception inside a check into a failure case: a tool bug.
            broken = cases[cases["index"].isna()].iloc[0]
            raise RuntimeError(f"rule {broken['check']} failed: {broken['failure_case']}") from None
        for code, group in cases.groupby("check"):
            out[str(code)] = sorted({int(i) for i in group["index"]})
    return out


def _pick(values: pd.Series | str | None, idx: int) -> str | None:
    if values is None or isinstance(values, str):
        return values
    v = values.iat[idx] if idx < len(values) else None
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


def _draft(code: str, target: Target, ledger: Ledger, hits: Hits, idx: int) -> Draft:
    frame = ledger.frames[target.table]
    src = ledger.source(int(frame["_tid"].to_numpy()[idx]))
    row = int(frame["_row"].to_numpy()[idx])
    column = _pick(hits.column, idx) if hits.column is not None else target.point
    raw = ledger.raws[target.table]
    value = (
        _pick(hits.value, idx)
        if hits.value is not None
        else (show(raw[column].iat[idx]) if column in raw.columns else None)
    )
    return Draft(
        code,
        src.file,
        src.sheet,
        target.table,
        row,
        column,
        src.headers.get(column or ""),
        src.cell(column, row),
        value,
        _pick(hits.expected, idx),
        pii=PII.get(column or ""),
        expected_is_pii=hits.expected_is_pii,
        related=_related(hits, idx),
        key=fingerprints.row_key(target.table, frame, raw, idx),
    )


def _related(hits: Hits, idx: int) -> tuple[Related, ...]:
    if hits.related is None:
        return ()
    value = hits.related.iat[idx]
    return tuple(value) if isinstance(value, (tuple, list)) else ()


def render(draft: Draft, options: Options) -> Finding | None:
    if not selected(draft.code, options):
        return None
    severity = draft.severity or options.pack.rules[draft.code].severity
    pii = draft.pii
    value, expected = draft.value, draft.expected
    if not options.show_pii:
        value = mask(value, pii)
        expected = mask(expected, pii) if draft.expected_is_pii else expected
    text = catalog.message(draft.code, options.lang, draft.header, value, expected)
    return Finding(
        draft.code,
        severity,
        text,
        catalog.clause(draft.code),
        draft.file,
        draft.sheet,
        draft.table,
        draft.row,
        draft.column,
        draft.header,
        draft.cell,
        value,
        expected,
        draft.related,
        pii,
        draft.fingerprint or fingerprints.of(draft),
    )
