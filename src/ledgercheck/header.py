"""Raw grid → where the header is, which table it is, which column is which.

A sheet's table is recognised from its headers, not its position (spec §1). Title rows,
a two-level merged header and unit suffixes are common in government exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ledgercheck.columns import Match, known_keys, match_key, may_match, norm_label
from ledgercheck.read import Grid, RawSheet
from ledgercheck.tables import HOUSEHOLDS, LEDGER_TABLES, MEMBERS, Table

SCAN_ROWS = 30
MIN_MATCHES = 3


@dataclass
class Layout:
    table: Table
    header_row: int  # 0-based index of the first header row
    data_start: int  # 0-based index of the first data row
    columns: dict[int, Match]  # grid column index → canonical column
    labels: dict[int, str]  # grid column index → header text as written
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (column, kept, dropped)
    flat: bool = False
    # Further grid columns read when the mapped one is empty (spec §2: an empty 监测对象类别
    # falls back to 贫困户属性/脱贫状态).
    fallbacks: dict[str, list[int]] = field(default_factory=dict)

    @property
    def mapped(self) -> set[str]:
        return {m.column for m in self.columns.values()}


def _row_labels(grid: Grid, r: int, two_level: bool) -> dict[int, str]:
    top = grid[r]
    if not two_level:
        return {c: str(v) for c, v in enumerate(top) if norm_label(v)}
    bottom = grid[r + 1]
    width = max(len(top), len(bottom))
    labels: dict[int, str] = {}
    for c in range(width):
        low = bottom[c] if c < len(bottom) else ""
        high = top[c] if c < len(top) else ""
        if norm_label(low):
            labels[c] = str(low)
        elif norm_label(high):
            labels[c] = str(high)
    return labels


COALESCED = frozenset({"household_type"})
# Where a sheet has both, the monitoring category wins and 贫困户属性/脱贫状态 fill its blanks.
PREFERRED = frozenset(norm_label(h) for h in ("易返贫致贫户(监测对象)类型", "监测对象类别"))


# A header row's cells in the order they claim a column: (grid column, label, its key).
Keyed = list[tuple[int, str, str]]


def _keyed(labels: dict[int, str]) -> Keyed:
    """Each label normalized once, however many tables it is looked up under."""
    cells = [(c, label, norm_label(label)) for c, label in labels.items()]
    return sorted(cells, key=lambda cell: (0 if cell[2] in PREFERRED else 1, cell[0]))


def _map(table: Table, keyed: Keyed) -> tuple[dict[int, Match], list[tuple[str, str, str]]]:
    mapping: dict[int, Match] = {}
    seen: dict[str, str] = {}
    dups: list[tuple[str, str, str]] = []
    for c, label, key in keyed:
        found = match_key(table, key) if key else None
        if found is None:
            continue
        if found.column in seen:
            if found.column not in COALESCED:
                dups.append((found.column, seen[found.column], label))
            continue
        seen[found.column] = label
        mapping[c] = found
    return dict(sorted(mapping.items())), dups


def fallback_columns(
    table: Table, labels: dict[int, str], mapping: dict[int, Match]
) -> dict[str, list[int]]:
    taken = set(mapping)
    out: dict[str, list[int]] = {}
    for c, _, key in _keyed(labels):
        found = match_key(table, key) if key else None
        if c not in taken and found is not None and found.column in COALESCED:
            out.setdefault(found.column, []).append(c)
    return out


Score = tuple[int, int, int, int]


def _score(table: Table, mapping: dict[int, Match], sheet_name: str, two_level: bool) -> Score:
    names = {m.column for m in mapping.values()}
    required = sum(1 for name in table.required if name in names)
    hint = int(any(h in sheet_name for h in table.sheet_hints))
    # On a tie a single header row wins, so a title row is not taken for a header level.
    return (len(names), required, hint, int(not two_level))


def locate(sheet: RawSheet, tables: Sequence[Table] = LEDGER_TABLES) -> Layout | None:
    """The best header row and table kind among `tables` (ledger tables, or rosters)."""
    # The rows searched, built once: a columnar sheet builds a row each time it is asked.
    grid = sheet.grid[: SCAN_ROWS + 1]
    best: tuple[Score, Layout] | None = None
    known = known_keys(tuple(t.name for t in tables))
    for r in range(min(SCAN_ROWS, len(grid))):
        for two_level in (False, True):
            if two_level and r + 1 >= len(grid):
                continue
            labels = _row_labels(grid, r, two_level)
            if len(labels) < 2:
                continue
            keyed = [cell for cell in _keyed(labels) if may_match(cell[2], known)]
            if not keyed and best is not None and best[0][0] > 0:
                continue  # a row naming no column scores below any that names one
            for table in tables:
                mapping, dups = _map(table, keyed)
                score = _score(table, mapping, sheet.name, two_level)
                if best is None or score > best[0]:
                    start = r + (2 if two_level else 1)
                    best = (score, Layout(table, r, start, mapping, labels, dups))
    if best is None:
        return None
    score, layout = best
    if score[0] < MIN_MATCHES and score[1] < len(layout.table.required):
        return None
    layout.fallbacks = fallback_columns(layout.table, layout.labels, layout.columns)
    return _maybe_flat(layout)


def _maybe_flat(layout: Layout) -> Layout:
    """A national-system export: one row per person with household fields repeated."""
    if layout.table not in (MEMBERS, HOUSEHOLDS):
        return layout
    keyed = _keyed(layout.labels)
    household_map, _ = _map(HOUSEHOLDS, keyed)
    member_map, dups = _map(MEMBERS, keyed)
    person = {m.column for m in member_map.values()} >= {"name", "id_number"}
    household = {m.column for m in household_map.values()} & {"household_type", "household_size"}
    if not (person and household):
        return layout
    layout.table, layout.columns, layout.duplicates, layout.flat = MEMBERS, member_map, dups, True
    return layout
