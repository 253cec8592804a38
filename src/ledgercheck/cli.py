"""Command line: thin; calls the pipeline and a reporter, nothing else."""

from __future__ import annotations

import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ledgercheck import catalog, checks, config, packs
from ledgercheck.explain import explain_rule, list_rules
from ledgercheck.findings import Report
from ledgercheck.output import OutputError, check_not_input, write_atomic
from ledgercheck.pipeline import Options, verify
from ledgercheck.reporters import console as console_reporter
from ledgercheck.reporters import json as json_reporter

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Check 扶贫台账 against the plan."
)


class Format(StrEnum):
    console = "console"
    json = "json"


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


def _inputs(paths: list[Path]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            files = sorted(
                f for f in p.rglob("*") if f.is_file() and not f.name.startswith((".", "~$"))
            )
            out.extend((f, str(f)) for f in files)
        elif p.exists():
            out.append((p, str(p)))
        else:
            raise fail(f"{p}: no such file or folder")
    return out


@app.command("verify")
def verify_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Workbooks, CSV files or folders.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.console,
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
) -> None:
    """Check workbooks against the rule pack and print the anomaly report."""
    try:
        cfg = config.find(Path.cwd())
    except config.ConfigError as exc:
        raise fail(str(exc)) from exc
    lang = lang or cfg.lang or config.default_lang()
    if lang not in catalog.LANGS:
        raise fail(f"--lang must be zh or en, not {lang!r}")
    pack = load_pack(rules or cfg.rules, cfg.base if not rules else None)
    inputs = _inputs(paths)
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
    )
    report = verify(inputs, options)
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


def _emit(report: Report, fmt: Format, output: Path | None, lang: str) -> None:
    if fmt is Format.json:
        text = json_reporter.render(report)
    else:
        buffer = io.StringIO()
        target = Console(file=buffer, width=120, color_system=None) if output else Console()
        console_reporter.render(report, target, lang)
        text = buffer.getvalue()
    if output is not None:
        write_atomic(output, text)
    elif text:
        sys.stdout.write(text)


@app.command("rules")
def rules_cmd(
    code: Annotated[str | None, typer.Argument(help="Explain one rule.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.console,
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
        explain_rule(code, pack, lang, Console(), fmt.value)
        return
    list_rules(pack, lang, Console(), fmt.value, implemented=set(checks.REGISTRY))


def main() -> None:
    app()
