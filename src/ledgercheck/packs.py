"""Rule packs (spec §4): load, follow `extends:`, validate with line numbers, merge."""

from __future__ import annotations

import datetime as dt
import importlib.resources
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ledgercheck.catalog import YAML_LOADER
from ledgercheck.findings import Severity

DEFAULT_PACK = "sanya-2020"
TOP_KEYS = {
    "name",
    "source",
    "plan_text",
    "extends",
    "as_of",
    "poverty_line",
    "districts",
    "population",
    "vocabulary",
    "rules",
}
RULE_KEYS = {"severity", "enabled"}


class PackError(Exception):
    """A malformed rule pack: one line naming the file, the key and the line."""


def packs_dir() -> Path:
    """The bundled packs: inside the wheel, or the repository's rules/ when editable."""
    bundled = Path(str(importlib.resources.files("ledgercheck"))) / "rules"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "rules"


@dataclass
class RuleSettings:
    severity: Severity
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pack:
    name: str
    source: str
    path: Path | None
    as_of: dt.date
    poverty_line: float
    districts: tuple[str, ...]
    population: dict[str, dict[str, int]]
    vocabulary: dict[str, str]
    rules: dict[str, RuleSettings]
    plan_text: Path | None = None

    def param(self, code: str, name: str) -> Any:
        return self.rules[code].params[name]

    def enabled(self, code: str) -> bool:
        settings = self.rules.get(code)
        return settings is not None and settings.enabled


def resolve(ref: str | Path | None, base: Path | None = None) -> Path:
    if ref is None:
        ref = DEFAULT_PACK
    path = Path(ref)
    # A file named with any extension is taken as given: a pack saved as .txt reads, and a
    # wrong file is told as not a pack rather than "not found".
    candidates = (
        [path] if path.suffix in {".yaml", ".yml"} or (path.suffix and path.is_file()) else []
    )
    if base is not None:
        candidates.insert(0, base / path)
        candidates.append(base / f"{ref}.yaml")
    candidates.append(packs_dir() / f"{ref}.yaml")
    candidates.append(packs_dir() / path.name)
    for c in candidates:
        if c.is_file():
            return c
    raise PackError(f"rule pack {str(ref)!r} not found")


def load(ref: str | Path | None = None, known_codes: set[str] | None = None) -> Pack:
    return _load(resolve(ref), known_codes, seen=())


def _load(path: Path, known: set[str] | None, seen: tuple[Path, ...]) -> Pack:
    if path.resolve() in seen:
        raise PackError(f"{path}: extends itself in a loop")
    node, data = _read_yaml(path)
    _check_top(path, node, data)
    parent: Pack | None = None
    if data.get("extends"):
        parent = _load(resolve(str(data["extends"]), path.parent), known, (*seen, path.resolve()))
    rules = _merge_rules(path, node, data.get("rules") or {}, parent, known)
    return _assemble(path, data, parent, rules)


def _read_yaml(path: Path) -> tuple[yaml.MappingNode, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=YAML_LOADER)
        data = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise PackError(f"{path}:{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: cannot read ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise PackError(f"{path}: a rule pack must be a mapping")
    return node, data


def _line(node: yaml.Node | None, *keys: str) -> int:
    """The 1-based line of a key path in the composed YAML, for error messages."""
    current = node
    line = (node.start_mark.line + 1) if node is not None else 0
    for key in keys:
        if not isinstance(current, yaml.MappingNode):
            break
        for k, v in current.value:
            if k.value == key:
                line, current = k.start_mark.line + 1, v
                break
        else:
            break
    return line


def _fail(path: Path, node: yaml.Node, keys: tuple[str, ...], what: str) -> PackError:
    return PackError(f"{path}:{_line(node, *keys)}: {'.'.join(keys)}: {what}")


def _check_top(path: Path, node: yaml.MappingNode, data: dict[str, Any]) -> None:
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(
                path, node, (str(key),), f"unknown key (expected one of {sorted(TOP_KEYS)})"
            )
    if not data.get("extends") and "name" not in data:
        raise _fail(path, node, ("name",), "missing")
    if "rules" in data and not isinstance(data["rules"], dict):
        raise _fail(path, node, ("rules",), "must be a mapping of codes")


def _merge_rules(
    path: Path,
    node: yaml.MappingNode,
    raw: dict[str, Any],
    parent: Pack | None,
    known: set[str] | None,
) -> dict[str, RuleSettings]:
    rules = {
        c: RuleSettings(s.severity, s.enabled, dict(s.params))
        for c, s in (parent.rules.items() if parent else [])
    }
    for code, body in raw.items():
        keys = ("rules", str(code))
        if known is not None and code not in known:
            raise _fail(path, node, keys, "unknown rule code")
        if not isinstance(body, dict):
            raise _fail(path, node, keys, "must be a mapping (severity, enabled, parameters)")
        base = rules.get(code)
        settings = base or RuleSettings(Severity.ERROR)
        for key, value in body.items():
            _apply(path, node, (*keys, str(key)), settings, key, value, base is not None)
        if base is None and "severity" not in body:
            raise _fail(path, node, keys, "a new rule needs a severity")
        rules[code] = settings
    return rules


def _apply(
    path: Path,
    node: yaml.MappingNode,
    keys: tuple[str, ...],
    settings: RuleSettings,
    key: str,
    value: Any,
    inherited: bool,
) -> None:
    if key == "severity":
        if value not in {s.value for s in Severity}:
            raise _fail(path, node, keys, f"{value!r} is not error, warning or info")
        settings.severity = Severity(value)
    elif key == "enabled":
        if not isinstance(value, bool):
            raise _fail(path, node, keys, f"{value!r} is not true or false")
        settings.enabled = value
    elif inherited and key not in settings.params:
        raise _fail(path, node, keys, f"unknown parameter (known: {sorted(settings.params)})")
    else:
        old = settings.params.get(key)
        if old is not None and value is not None and not _same_type(old, value):
            raise _fail(path, node, keys, f"{value!r} should be like {old!r}")
        settings.params[key] = value


def _same_type(old: Any, new: Any) -> bool:
    numeric = (int, float)
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool)
    if isinstance(old, numeric) and isinstance(new, numeric):
        return True
    return isinstance(new, type(old))


def _assemble(
    path: Path, data: dict[str, Any], parent: Pack | None, rules: dict[str, RuleSettings]
) -> Pack:
    def pick(key: str, default: Any) -> Any:
        if key in data:
            return data[key]
        return getattr(parent, key) if parent is not None else default

    as_of = pick("as_of", None)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    if not isinstance(as_of, dt.date):
        raise PackError(f"{path}: as_of: missing or not a date (YYYY-MM-DD)")
    population = pick("population", {})
    vocabulary = {**(parent.vocabulary if parent else {}), **(data.get("vocabulary") or {})}
    plan = data.get("plan_text")
    plan_path = (path.parent / plan) if plan else (parent.plan_text if parent else None)
    return Pack(
        name=str(pick("name", path.stem)),
        source=str(pick("source", "")),
        path=path,
        as_of=as_of,
        poverty_line=float(pick("poverty_line", 0)),
        districts=tuple(pick("districts", ())),
        population={str(k): dict(v) for k, v in population.items()},
        vocabulary={str(k): str(v) for k, v in vocabulary.items()},
        rules=rules,
        plan_text=plan_path,
    )
