"""Command line: thin; calls the pipeline and a reporter, nothing else."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ledgercheck import __version__, catalog, config, fingerprints, packs, reporters
from ledgercheck.explain import explain_rule, list_rules
from ledgercheck.findings import InputInfo, Report
from ledgercheck.output import OutputError, check_target, write_atomic
from ledgercheck.pipeline import Options, Progress, default_jobs, selected, verify
from ledgercheck.progress import partition_bar, progress_bar
from ledgercheck.read import WORKBOOK_SUFFIXES, Limits

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Check 扶贫台账 against the plan."
)


def _version(asked: bool) -> None:
    if asked:
        typer.echo(f"ledgercheck {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Check 扶贫台账 against the plan."""


class Engine(StrEnum):
    pandas = "pandas"
    dask = "dask"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


def fail(message: str) -> typer.Exit:
    typer.echo(f"ledgercheck: {message}", err=True)
    return typer.Exit(2)


def _codes(values: list[str] | None, fallback: list[str], option: str) -> tuple[str, ...]:
    items = values if values else fallback
    codes = tuple(c.strip().upper() for v in items for c in v.split(",") if c.strip())
    known = catalog.all_codes()
    for code in codes:
        # A typo would select nothing and pass every ledger, or ignore nothing.
        if not any(k.startswith(code.split("@")[0]) for k in known):
            where = option if values else f"{option.lstrip('-')} in the config"
            raise fail(f"{where}: unknown rule code {code!r} (`ledgercheck rules` lists them)")
    return codes


def load_pack(ref: str | None, base: Path | None) -> packs.Pack:
    try:
        ref_path = (base / ref) if (ref and base and (base / ref).is_file()) else ref
        return packs.load(ref_path, known_codes=set(catalog.all_codes()))
    except packs.PackError as exc:
        raise fail(str(exc)) from exc


def _inputs(paths: list[Path], include: list[str], exclude: list[str]) -> list[tuple[Path, str]]:
    """Each file once, as first named: a file named twice (itself and in its folder, or by
    two globs) is one ledger's rows, not every person registered twice (HH005)."""
    out: dict[Path, tuple[Path, str]] = {}
    for p in paths:
        if p.is_dir():
            found = discover(p, include, exclude)
        elif p.exists():
            found = [p]
        else:
            raise fail(f"{p}: no such file or folder")
        for f in found:
            out.setdefault(f.resolve(), (f, str(f)))
    return list(out.values())


# An .xlsb is taken too, to be refused in one line rather than left out of a folder unsaid.
SUFFIXES = WORKBOOK_SUFFIXES | {".csv", ".parquet", ".txt", ".tsv"}


def discover(folder: Path, include: list[str], exclude: list[str]) -> list[Path]:
    """Files under a folder, sorted; Office lock files (~$…) and hidden files are skipped."""
    found = []
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder)
        if not f.is_file() or any(part.startswith((".", "~$")) for part in rel.parts):
            continue
        if include and not any(rel.match(g) or f.match(g) for g in include):
            continue
        if not include and f.suffix.lower() not in SUFFIXES:
            continue
        if any(rel.match(g) or f.match(g) for g in exclude):
            continue
        found.append(f)
    return found


def _looked_for(include: list[str] | None) -> str:
    if include:
        return "--include " + " ".join(include)
    return "looked for " + ", ".join(sorted(SUFFIXES))


def format_names() -> str:
    return ", ".join(reporters.FORMATS)


@app.command("verify")
def verify_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Workbooks, CSV files or folders.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="Report format.")] = "console",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here.")
    ] = None,
    rules: Annotated[
        str | None, typer.Option("--rules", help="Rule pack name or YAML file.")
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Codes or prefixes to run.")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Codes or prefixes to skip.")
    ] = None,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="Lowest severity that fails.")
    ] = None,
    show_pii: Annotated[
        bool, typer.Option("--show-pii", help="Do not mask IDs and names.")
    ] = False,
    password: Annotated[
        str | None,
        typer.Option(
            "--password", envvar="LEDGERCHECK_PASSWORD", help="Password of encrypted workbooks."
        ),
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en.")] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=0, help="Worker processes (0: one per core)."),
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option("--include", help="Glob of files to take.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Glob of files to skip.")
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    max_rows: Annotated[
        int | None,
        typer.Option("--max-rows", min=1, help="Refuse a sheet with more rows than this."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run on a Dask cluster: its address, or 'local' for two workers here.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="dask: one members CSV/Parquet too big for memory, in partitions.",
        ),
    ] = Engine.pandas,
    against: Annotated[
        list[Path] | None,
        typer.Option("--against", help="Department roster file or folder (repeatable)."),
    ] = None,
    annotate: Annotated[
        Path | None,
        typer.Option("--annotate", help="Write a copy of the one input with flagged cells marked."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Earlier JSON report: mark findings new/open/resolved."),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option("--history", help="SQLite file to append this run to (销号 history)."),
    ] = None,
) -> None:
    """Check workbooks against the rule pack and print the anomaly report."""
    try:
        cfg = config.find(Path.cwd())
    except config.ConfigError as exc:
        raise fail(str(exc)) from exc
    lang = lang or cfg.lang or config.default_lang()
    if lang not in catalog.LANGS:
        raise fail(f"--lang must be zh or en, not {lang!r}")
    if fmt not in reporters.FORMATS:
        raise fail(f"--format must be one of {format_names()}, not {fmt!r}")
    pack = load_pack(rules or cfg.rules, cfg.base if not rules else None)
    inputs = _inputs(paths, include or [], exclude or [])
    if not inputs:
        # A mistyped or emptied folder must not pass a CI job as "no problems found".
        raise fail(f"{', '.join(map(str, paths))}: no ledger files found ({_looked_for(include)})")
    # --include/--exclude select ledger files; a roster folder is taken whole, but for the
    # ledger files themselves (`--against .` in the folder that holds the ledger too).
    ledger = {p.resolve() for p, _ in inputs}
    rosters = [r for r in _inputs(against or [], [], []) if r[0].resolve() not in ledger]
    if against and not rosters:
        raise fail(f"--against {', '.join(map(str, against))}: no roster files found")
    if output is not None:
        _check_target(output, inputs + rosters)
    if annotate is not None:
        _check_annotate(annotate, output, inputs, rosters)
    key = _key(tracked=baseline is not None or history is not None)
    previous = _baseline(baseline, history, inputs + rosters, key)
    started = dt.datetime.now(dt.UTC)
    options = Options(
        pack,
        _codes(select, cfg.select, "--select"),
        _codes(ignore, cfg.ignore, "--ignore"),
        password,
        lang,
        show_pii or cfg.show_pii,
        jobs=jobs or default_jobs(),
        debug=debug,
        against=tuple(rosters),
        limits=Limits(max_rows=max_rows) if max_rows else Limits(),
    )
    if engine == Engine.pandas:
        with progress_bar(len(inputs) + len(rosters)) as advance:
            report = _verify(inputs, options, scheduler, advance)
    else:
        with partition_bar() as update:
            report = _verify_dask(inputs, options, scheduler, update)
    fingerprints.seal(report, key)
    _track(report, options, previous, baseline, history, started)
    _emit(report, fmt, output, lang)
    if annotate is not None:
        _write_annotated(annotate, inputs[0], report, lang, password)
    for info in report.unreadable:
        typer.echo(f"ledgercheck: {info.file}: {info.error}", err=True)
    if report.tableless:
        typer.echo(f"ledgercheck: {_no_table(report.tableless)}", err=True)
    raise typer.Exit(exit_code(report, (fail_on or FailOn(cfg.fail_on)).value))


def _no_table(inputs: list[InputInfo]) -> str:
    names = ", ".join(i.file for i in inputs[:3])
    more = f" and {len(inputs) - 3} more" if len(inputs) > 3 else ""
    return (
        f"{names}{more}: no ledger table found (no sheet's header row names a table's columns): "
        "nothing was checked"
    )


def _loaded_key() -> fingerprints.Key:
    try:
        return fingerprints.load_key()
    except fingerprints.FingerprintKeyError as exc:
        raise fail(str(exc)) from exc


def _key(tracked: bool) -> fingerprints.Key:
    """Before any work: the key of this run's fingerprints, one that lasts if runs are
    compared."""
    key = _loaded_key()
    if tracked and not key.lasting:
        raise fail(
            f"no lasting fingerprint key ({key.where}): set {fingerprints.KEY_ENV} "
            "to compare this run with others"
        )
    if key.new:  # once per user: why a colleague's reports will not compare with these
        typer.echo(
            f"ledgercheck: made your fingerprint key, {key.where}; reports compare with "
            f"others' only under one key (set {fingerprints.KEY_ENV} to share one)",
            err=True,
        )
    return key


def _baseline(
    baseline: Path | None,
    history: Path | None,
    inputs: list[tuple[Path, str]],
    key: fingerprints.Key,
) -> list[dict[str, Any]] | None:
    """Before any work: the baseline's findings, and no history file over an input."""
    from ledgercheck import tracking

    if history is not None:
        _check_target(history, inputs)
    if baseline is None:
        return None
    try:
        return tracking.load_baseline(baseline, key.ident)
    except tracking.TrackingError as exc:
        raise fail(str(exc)) from exc


def _track(
    report: Report,
    options: Options,
    previous: list[dict[str, Any]] | None,
    baseline: Path | None,
    history: Path | None,
    started: dt.datetime,
) -> None:
    """States against the baseline, else against the history's last run; then record."""
    import sqlite3

    from ledgercheck import tracking

    checked = tracking.rules_checked(report, lambda code: selected(code, options))
    if previous is not None:
        tracking.compare(report, previous, checked)
    if history is None:
        return
    inputs = [i.file for i in report.inputs]
    record = tracking.Record(inputs, report.rule_pack, str(baseline) if baseline else None, started)
    try:
        tracking.record(history, report, record, checked)
    except (sqlite3.Error, tracking.TrackingError) as exc:
        raise fail(f"{history}: cannot record the run ({exc})") from exc


def _check_annotate(
    target: Path,
    output: Path | None,
    inputs: list[tuple[Path, str]],
    others: list[tuple[Path, str]],
) -> None:
    """Before any work: one input only, and never written over an input or the report."""
    if len(inputs) != 1:
        raise fail(f"--annotate needs exactly one input file, not {len(inputs)}")
    _check_target(target, inputs + others)
    if output is not None and output.resolve() == target.resolve():
        raise fail(f"{target}: --annotate and --output name the same file")


def _write_annotated(
    target: Path, source: tuple[Path, str], report: Report, lang: str, password: str | None
) -> None:
    from ledgercheck.reporters import annotate

    path, label = source
    if any(info.file == label and info.error for info in report.inputs):
        return  # unreadable: already said on stderr, and the exit status is 2
    try:
        copy = annotate.open_copy(path, password)
        data = annotate.render_copy(copy, label, report, lang, password)
    except annotate.AnnotateError as exc:
        raise fail(str(exc)) from exc
    _write(target, data)
    if copy.left_out:
        typer.echo(
            f"ledgercheck: {target}: the copy lacks the input's {', '.join(copy.left_out)} "
            "(openpyxl cannot keep them); the input is unchanged",
            err=True,
        )


TABLE_FILES = {".csv", ".parquet", ".txt", ".tsv"}


def _verify_dask(
    inputs: list[tuple[Path, str]],
    options: Options,
    scheduler: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The one CSV/Parquet input is the members table; workbooks beside it, its households."""
    from ledgercheck import dask_engine
    from ledgercheck.distributed import DistributedError

    tables = [i for i in inputs if i[0].suffix.lower() in TABLE_FILES]
    if len(tables) != 1:
        raise fail(f"--engine dask needs exactly one members CSV/Parquet file, not {len(tables)}")
    others = [i for i in inputs if i not in tables]
    try:
        return dask_engine.verify(
            tables[0], others, options, scheduler=scheduler, progress=progress
        )
    except (dask_engine.EngineError, DistributedError) as exc:
        raise fail(str(exc)) from exc


def _verify(
    inputs: list[tuple[Path, str]],
    options: Options,
    scheduler: str | None,
    advance: Progress | None,
) -> Report:
    if scheduler is None:
        return verify(inputs, options, advance)
    from ledgercheck import distributed  # dask is optional: only its users import it

    try:
        return distributed.verify(inputs, options, scheduler, advance)
    except distributed.DistributedError as exc:
        raise fail(str(exc)) from exc


def exit_code(report: Report, fail_on: str) -> int:
    if report.unreadable or report.tableless:  # nothing checked is no pass
        return 2
    counts = report.counts()
    if fail_on == "never":
        return 0
    if counts["error"] or (fail_on == "warning" and counts["warning"]):
        return 1
    return 0


def _check_target(path: Path, inputs: list[tuple[Path, str]]) -> None:
    """Before any work: a file to write is a file, and none of the inputs."""
    try:
        check_target(path, [p for p, _ in inputs])
    except OutputError as exc:
        raise fail(str(exc)) from exc


def _write(path: Path, data: str | bytes) -> None:
    """A report or a copy written whole, or one line saying why it could not be."""
    try:
        write_atomic(path, data)
    except OutputError as exc:
        raise fail(str(exc)) from exc


def _emit(report: Report, fmt: str, output: Path | None, lang: str) -> None:
    to_terminal = output is None and fmt == "console" and sys.stdout.isatty()
    ctx = reporters.Context(lang, width=Console().width if to_terminal else 120, color=to_terminal)
    data = reporters.render(fmt, report, ctx)
    if output is not None:
        _write(output, data)
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)


@app.command("rules")
def rules_cmd(
    code: Annotated[str | None, typer.Argument(help="Explain one rule.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="console or json.")] = "console",
    rules: Annotated[
        str | None, typer.Option("--rules", help="Rule pack name or YAML file.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en.")] = None,
) -> None:
    """List every rule, or explain one: what it checks, why, the plan's words, its parameters."""
    pack = load_pack(rules, None)
    lang = lang or config.default_lang()
    if code is not None:
        code = code.upper()
        if code not in catalog.docs():
            raise fail(f"unknown rule code {code!r}")
        explain_rule(code, pack, lang, Console(), fmt)
        return
    list_rules(pack, lang, Console(), fmt)


@app.command("template")
def template_cmd(
    out: Annotated[Path, typer.Argument(help="The .xlsx workbook to write.")],
    tables: Annotated[
        str | None,
        typer.Option("--tables", help="Tables to include, e.g. households,members (default all)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a blank ledger workbook with the spec's headers, formats and drop-down lists."""
    from ledgercheck import template

    try:
        chosen = template.parse_tables(tables)
        template.write(out, chosen, force)
    except (template.TemplateError, OutputError) as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"wrote {out} ({', '.join(t.title for t in chosen)})", err=True)


@app.command("sample")
def sample_cmd(
    out: Annotated[Path, typer.Argument(help="Workbook to write (a folder for CSV).")],
    households: Annotated[int, typer.Option("--households", help="Households.")] = 60,
    anomalies: Annotated[
        float,
        typer.Option("--anomalies", help="Planted anomalies per household (0–1)."),
    ] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same ledger.")] = 0,
    layout: Annotated[str, typer.Option("--layout", help="office or flat.")] = "office",
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="xlsx, xls, ods or csv (default: from the name)."),
    ] = None,
    districts: Annotated[
        str | None, typer.Option("--districts", help="Comma-separated districts (default all).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
) -> None:
    """Write a synthetic ledger with planted anomalies and OUT.truth.json, where each lies."""
    from ledgercheck import sample

    try:
        if layout not in sample.HIDDEN_BY_LAYOUT:
            raise sample.SampleError(f"--layout must be office or flat, not {layout!r}")
        request = sample.Request(
            households,
            anomalies,
            seed,
            layout,
            sample.resolve_format(out, fmt),
            sample.parse_districts(districts),
        )
        truth = sample.make(out, request, force)
    except (sample.SampleError, OutputError) as exc:
        raise fail(str(exc)) from exc
    typer.echo(
        f"wrote {out} and {sample.truth_path(out)} ({households} households, "
        f"{len(truth)} planted anomalies)",
        err=True,
    )


@app.command("history")
def history_cmd(
    db: Annotated[Path, typer.Option("--db", help="The --history database of verify.")],
    district: Annotated[
        str | None, typer.Option("--district", help="Only findings of this district.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="console or json.")] = "console",
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en.")] = None,
) -> None:
    """Show, run by run, how many findings were new, still open and resolved."""
    from ledgercheck import tracking

    if fmt not in ("console", "json"):
        raise fail(f"--format must be console or json, not {fmt!r}")
    try:
        runs = tracking.history(db, district)
    except tracking.TrackingError as exc:
        raise fail(str(exc)) from exc
    if fmt == "json":
        sys.stdout.write(tracking.history_json(runs))
        return
    tracking.render_history(runs, Console(), lang or config.default_lang())


@app.command("key")
def key_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="console or json.")] = "console",
) -> None:
    """Show where the fingerprint key comes from and its identifier, never the key."""
    if fmt not in ("console", "json"):
        raise fail(f"--format must be console or json, not {fmt!r}")
    key = _loaded_key()
    facts = {"where": key.where, "fingerprint_key": key.ident, "lasting": key.lasting}
    if fmt == "json":
        sys.stdout.write(json.dumps(facts, ensure_ascii=False) + "\n")
        return
    typer.echo(f"fingerprint key: {key.where}")
    typer.echo(f"identifier:      {key.ident}  (reports' fingerprint_key)")
    if not key.lasting:
        typer.echo("this key lasts for one run only: reports made with it cannot be compared")
    typer.echo(
        f"To compare reports made elsewhere, use one key everywhere: set {fingerprints.KEY_ENV} "
        "to the same secret (16+ characters), e.g. the contents of this key file."
    )


def main() -> None:
    app()
