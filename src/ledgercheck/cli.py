"""Command line: thin; calls the pipeline and a reporter, nothing else."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ledgercheck import catalog, config, packs, reporters
from ledgercheck.explain import explain_rule, list_rules
from ledgercheck.findings import Report
from ledgercheck.output import OutputError, check_not_input, write_atomic
from ledgercheck.pipeline import Options, default_jobs, verify
from ledgercheck.progress import progress_bar

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Check 扶贫台账 against the plan."
)


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


def fail(message: str) -> typer.Exit:
    typer.echo(f"ledgercheck: {message}", err=True)
    return typer.Exit(2)


def _codes(values: list[str] | None, fallback: list[str]) -> tuple[str, ...]:
    items = values if values else fallback
    return tuple(c.strip().upper() for v in items for c in v.split(",") if c.strip())


def load_pack(ref: str | None, base: Path | None) -> packs.Pack:
    try:
        ref_path = (base / ref) if (ref and base and (base / ref).is_file()) else ref
        return packs.load(ref_path, known_codes=set(catalog.all_codes()))
    except packs.PackError as exc:
        raise fail(str(exc)) from exc


def _inputs(paths: list[Path], include: list[str], exclude: list[str]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            out.extend((f, str(f)) for f in discover(p, include, exclude))
        elif p.exists():
            out.append((p, str(p)))
        else:
            raise fail(f"{p}: no such file or folder")
    return out


SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".parquet", ".txt", ".tsv"}


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
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes.")] = None,
    include: Annotated[
        list[str] | None, typer.Option("--include", help="Glob of files to take.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Glob of files to skip.")
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
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
    if output is not None:
        try:
            check_not_input(output, [p for p, _ in inputs])
        except OutputError as exc:
            raise fail(str(exc)) from exc
    options = Options(
        pack,
        _codes(select, cfg.select),
        _codes(ignore, cfg.ignore),
        password,
        lang,
        show_pii or cfg.show_pii,
        jobs=jobs or default_jobs(),
        debug=debug,
    )
    with progress_bar(len(inputs)) as advance:
        report = verify(inputs, options, advance)
    _emit(report, fmt, output, lang)
    for info in report.unreadable:
        typer.echo(f"ledgercheck: {info.file}: {info.error}", err=True)
    raise typer.Exit(exit_code(report, (fail_on or FailOn(cfg.fail_on)).value))


def exit_code(report: Report, fail_on: str) -> int:
    if report.unreadable:
        return 2
    counts = report.counts()
    if fail_on == "never":
        return 0
    if counts["error"] or (fail_on == "warning" and counts["warning"]):
        return 1
    return 0


def _emit(report: Report, fmt: str, output: Path | None, lang: str) -> None:
    to_terminal = output is None and fmt == "console" and sys.stdout.isatty()
    ctx = reporters.Context(lang, width=Console().width if to_terminal else 120, color=to_terminal)
    data = reporters.render(fmt, report, ctx)
    if output is not None:
        write_atomic(output, data)
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


def main() -> None:
    app()
