"""The only place that knows the order of stages: read → locate → normalize → rules → findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ledgercheck import catalog, checks
from ledgercheck.checks.base import Hits, Rule, Target
from ledgercheck.findings import Draft, Finding, InputInfo, NotRun, Report, Severity, SheetInfo
from ledgercheck.header import locate
from ledgercheck.ledger import Ledger, combine
from ledgercheck.mask import mask
from ledgercheck.normalize import TableData, build, show
from ledgercheck.packs import Pack
from ledgercheck.read import InputError, Limits, read_file
from ledgercheck.tables import PII


@dataclass
class Options:
    pack: Pack
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    password: str | None = None
    lang: str = "zh"
    show_pii: bool = False
    limits: Limits = field(default_factory=Limits)


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


def load_file(path: Path, label: str, options: Options) -> FileResult:
    info = InputInfo(label)
    try:
        sheets = read_file(path, options.password, options.limits)
    except InputError as exc:
        info.error = exc.reason
        return FileResult(info, [], [Draft(exc.code, label, value=exc.reason)])
    tables: list[TableData] = []
    drafts: list[Draft] = []
    for sheet in sheets:
        layout = locate(sheet)
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
                "flat" if layout.flat else main.table.name,
                main.header_row,
                len(main.frame),
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


def verify(paths: Iterable[tuple[Path, str]], options: Options) -> Report:
    """Check files (path, label as shown in reports) as one ledger."""
    results = [load_file(path, label, options) for path, label in paths]
    return assemble(results, options)


def assemble(results: list[FileResult], options: Options) -> Report:
    report = Report(options.pack.name)
    drafts: list[Draft] = []
    tables: list[TableData] = []
    for res in results:
        report.inputs.append(res.info)
        drafts.extend(res.drafts)
        tables.extend(res.tables)
    ledger = combine(tables, options.pack.as_of)
    report.rows = sum(len(t.frame) for t in tables if not (t.flat and t.table.name == "households"))
    drafts.extend(run_rules(ledger, options, report))
    report.findings = [f for d in drafts if (f := render(d, options)) is not None]
    report.sort()
    return report


def run_rules(ledger: Ledger, options: Options, report: Report) -> list[Draft]:
    drafts: list[Draft] = []
    for code, rule in checks.REGISTRY.items():
        if not selected(code, options):
            continue
        reasons = _blocked(rule, ledger)
        if reasons is not None:
            report.rules_not_run.append(NotRun(code, reasons))
            continue
        if rule.ledger_check is not None:
            for hit in rule.ledger_check(ledger, options.pack):
                severity = Severity(hit.severity) if hit.severity else None
                drafts.append(
                    Draft(
                        code,
                        value=hit.value,
                        expected=hit.expected,
                        table=rule.targets[0].table,
                        severity=severity,
                    )
                )
            continue
        for target in rule.targets:
            if ledger.missing(target.table, target.columns) is None:
                drafts.extend(_row_drafts(rule, target, ledger, options))
    return drafts


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
    frame = ledger.frames[target.table]
    hits = rule.check(ledger, options.pack, target)
    failing = validate(frame, {rule.code: lambda: hits})[rule.code]
    return [_draft(rule.code, target, ledger, hits, idx) for idx in failing]


def validate(
    frame: pd.DataFrame, checks_by_code: dict[str, Callable[[], Hits]]
) -> dict[str, list[int]]:
    """Run rule masks as pandera checks, lazily: every failure of every check in one pass.

    The schema validates a one-column frame of the table's index, so pandera reports one
    failure case per row instead of one per column of a wide ledger.
    """
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
    )


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
    )
