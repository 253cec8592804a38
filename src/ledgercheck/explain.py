"""`ledgercheck rules`: every rule with its code, severity, table, clause and parameters."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledgercheck import catalog, checks
from ledgercheck.packs import Pack

STAGE_TABLES = {
    "F001": "file",
    "F002": "file",
    "F003": "sheet",
    "F004": "sheet",
    "F005": "sheet",
    "F006": "cell",
    "F007": "cell",
    "F008": "cell",
    "F009": "cell",
    "HH008": "members",
}


def table_of(code: str) -> str:
    rule = checks.REGISTRY.get(code)
    if rule is not None:
        return ", ".join(dict.fromkeys(rule.tables))
    return STAGE_TABLES.get(code, "")


def rule_info(code: str, pack: Pack, lang: str) -> dict[str, Any]:
    settings = pack.rules.get(code)
    return {
        "code": code,
        "severity": settings.severity.value if settings else None,
        "enabled": settings.enabled if settings else False,
        "table": table_of(code),
        "title": catalog.text(code, "title", lang),
        "clause": catalog.clause(code),
        "parameters": dict(settings.params) if settings else {},
    }


def list_rules(pack: Pack, lang: str, console: Console, fmt: str) -> None:
    infos = [rule_info(code, pack, lang) for code in catalog.all_codes()]
    if fmt == "json":
        console.file.write(json.dumps(infos, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    table = Table(title=f"{pack.name}", show_edge=False)
    for name in ("code", "severity", "table", "title", "clause", "parameters"):
        table.add_column(name, overflow="fold")
    for info in infos:
        params = ", ".join(f"{k}={v}" for k, v in info["parameters"].items())
        style = "" if info["enabled"] else "dim"
        table.add_row(
            info["code"],
            info["severity"] or "—",
            info["table"],
            info["title"],
            info["clause"] or "—",
            params,
            style=style,
        )
    console.print(table)


def explain_rule(code: str, pack: Pack, lang: str, console: Console, fmt: str) -> None:
    info = rule_info(code, pack, lang)
    doc = catalog.doc(code)
    info.update(
        {
            key: catalog.text(code, key, lang)
            for key in ("what", "why", "example_bad", "example_good")
        }
    )
    info["plan_quote"] = doc.get("plan_quote")
    info["rule_pack"] = pack.name
    if fmt == "json":
        console.file.write(json.dumps(info, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    zh = lang == "zh"
    console.print(
        Text.assemble(
            (f"{code} ", "bold"), (info["title"], "bold"), (f"  [{info['severity']}]", "dim")
        )
    )
    console.print(
        f"{'表' if zh else 'table'}: {info['table']}    "
        f"{'方案条款' if zh else 'plan clause'}: {info['clause'] or '—'}"
    )
    sections = (
        ("检查内容", "What it does", "what"),
        ("为什么重要", "Why it matters", "why"),
        ("错误示例", "Example that fails", "example_bad"),
        ("正确示例", "Example that passes", "example_good"),
    )
    for zh_title, en_title, key in sections:
        console.print(Text(zh_title if zh else en_title, style="bold underline"))
        console.print(info[key])
    if info["plan_quote"]:
        console.print(
            Text(
                "方案原文" if zh else "The plan's words (三扶发〔2020〕4号)", style="bold underline"
            )
        )
        console.print(f"“{info['plan_quote']}”")
    console.print(Text(f"{'参数' if zh else 'Parameters'} ({pack.name})", style="bold underline"))
    if not info["parameters"]:
        console.print("—")
    for key, value in info["parameters"].items():
        console.print(f"  {key} = {value}")
