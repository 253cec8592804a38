"""`ledgercheck template`: a blank ledger workbook that prevents errors at the source.

Every column has the spec's primary header (so the reader maps it without aliases), a
number format and an Excel data validation matching its type: drop-down lists for the
vocabularies and 是/否, whole numbers, dates, amounts, 18-character ID numbers stored as
text (F008 cannot happen), and a note on each header saying what to type and which rules
check it. A first sheet 填表说明 explains the ledger and cites the plan.

Lists longer than Excel's inline limit (255 characters; kept well below) live on a hidden
sheet 选项. Both extra sheets carry MARKER in A1, so verifying a filled template neither
reads them as tables nor reports them as unrecognised (F003).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledgercheck import checks
from ledgercheck.output import write_atomic
from ledgercheck.tables import LEDGER_TABLES, TABLES, Column, Kind, Table

if TYPE_CHECKING:  # openpyxl takes half a second to import; `verify` only needs is_auxiliary
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

PLAN = "《三亚市2020年脱贫攻坚工作实施方案》（三扶发〔2020〕4号）"
MARKER = "ledgercheck"  # in A1 of the template's own sheets
INSTRUCTIONS_SHEET = "填表说明"
OPTIONS_SHEET = "选项"
AUXILIARY_SHEETS = (INSTRUCTIONS_SHEET, OPTIONS_SHEET)

BOOL_VALUES = ("是", "否")
INLINE_LIST_MAX = 60  # characters of an inline list; longer ones go to 选项
LAST_ROW = 1_048_576  # validations cover the whole column below the header
EXCEL_EPOCH = dt.date(1899, 12, 30)
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)

TEXT_FORMAT = "@"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
RATIO_FORMAT = "0.0%"

# Whole-number bounds the spec gives (§2, §3); other integers are ≥ 0.
INT_BOUNDS: dict[str, tuple[int, int]] = {
    "household_size": (1, 99),
    "exit_year": (2014, 2020),
    "age": (0, 150),
    "months_worked": (0, 12),
    "months": (1, 12),
    "health_services": (0, 366),
}
# Money-kind columns that are not yuan.
PLAIN_NUMBER = {"kva_per_household": "0.00"}

ROW_UNIT = {
    "households": "一户一行",
    "members": "一人一行（含户主）",
    "medical": "一笔结算一行",
    "payments": "一笔发放一行",
    "loans": "一笔贷款一行",
    "villages": "一村一行",
}

HEADER_COLOR = "DDEBF7"
BORDER_COLOR = "9BB7D4"
REQUIRED_COLOR = "C00000"


class TemplateError(Exception):
    pass


def parse_tables(spec: str | None) -> tuple[Table, ...]:
    """`households,members` (canonical names or sheet titles such as 户信息) → tables,
    in the ledger's order; None or empty → every ledger table."""
    if not spec:
        return LEDGER_TABLES
    by_title = {t.title: t for t in LEDGER_TABLES}
    wanted: set[str] = set()
    for part in (p.strip() for p in spec.replace("，", ",").split(",")):
        if not part:
            continue
        table = by_title.get(part) or TABLES.get(part)
        if table is None or table not in LEDGER_TABLES:
            names = ", ".join(t.name for t in LEDGER_TABLES)
            raise TemplateError(f"unknown table {part!r}; choose from {names}")
        wanted.add(table.name)
    return tuple(t for t in LEDGER_TABLES if t.name in wanted)


# --- what each column accepts -----------------------------------------------------------


def rule_codes(table: Table, column: Column) -> list[str]:
    """The codes that judge the column: the cell checks and every rule reading it.

    A join key (户编号, 证件号码) is read by most rules only to find the person: for those
    columns only the rules that report on the key itself are named.
    """
    codes: list[str] = []
    if column.required:
        codes.append("F006")
    if column.kind not in (Kind.TEXT, Kind.KEY):
        codes.append("F007")
    if column.kind is Kind.ID:
        codes.append("F008")
    join_key = column.kind in (Kind.KEY, Kind.ID)
    for code, rule in sorted(checks.REGISTRY.items()):
        for t in rule.targets:
            reads = column.name in t.columns and not join_key
            if t.table == table.name and (t.point == column.name or reads):
                codes.append(code)
    return list(dict.fromkeys(codes))


def what_to_type(column: Column) -> str:
    """The input help a clerk sees: in the clerks' own words, short (Excel allows 255)."""
    kind = column.kind
    if kind is Kind.ID:
        return "18位公民身份号码，末位可为X；已设为文本格式，请勿改为数值"
    if kind is Kind.KEY:
        return "户编号按文本填写，同一户在各表中一致"
    if kind is Kind.VOCAB:
        return "从下拉列表选择：" + "、".join(column.vocab)
    if kind is Kind.MULTI:
        return "从下拉列表选择；多项用逗号分隔（如 残疾,长期慢性病）：" + "、".join(column.vocab)
    if kind is Kind.BOOL:
        return "从下拉列表选择 是 或 否"
    if kind in (Kind.INT, Kind.YEAR):
        low, high = INT_BOUNDS.get(column.name, (0, None))
        span = f"{low}–{high}" if high is not None else f"≥{low}"
        return f"整数（{span}）"
    if kind is Kind.MONEY:
        if column.name in PLAIN_NUMBER:
            return "数值（如 2.5），不带单位"
        return "金额（元），如 1234.50"
    if kind is Kind.RATIO:
        return "比例，如 95%"
    if kind is Kind.DATE:
        return "日期，格式 2020-06-30"
    return "文本"


def header_note(table: Table, column: Column) -> str:
    lines = [f"{column.header}（{column.name}）", what_to_type(column)]
    if column.required:
        lines.append("必填")
    codes = rule_codes(table, column)
    if codes:
        lines.append("核查规则：" + "、".join(codes))
    return "\n".join(lines)


# --- writing ------------------------------------------------------------------------------


@dataclass
class _Options:
    """The 选项 sheet: one column per long list, filled as lists are asked for."""

    sheet: Worksheet
    columns: dict[tuple[str, ...], str]

    def reference(self, values: tuple[str, ...], label: str) -> str:
        from openpyxl.utils import get_column_letter

        if values not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            self.sheet[f"{col}2"] = label
            for i, v in enumerate(values, start=3):
                self.sheet[f"{col}{i}"] = v
            self.columns[values] = f"'{OPTIONS_SHEET}'!${col}$3:${col}${len(values) + 2}"
        return self.columns[values]


def build(tables: Sequence[Table] = LEDGER_TABLES) -> Workbook:
    """The template workbook of the given tables."""
    from openpyxl import Workbook

    wb = Workbook()
    _instructions(wb.active, tables)
    options = _Options(wb.create_sheet(OPTIONS_SHEET), {})
    options.sheet["A1"] = f"{MARKER} 模板的下拉选项，请勿修改"
    for table in tables:
        _table_sheet(wb.create_sheet(table.title), table, options)
    options.sheet.sheet_state = "hidden"
    options.sheet.protection.sheet = True  # the lists are read by the validations: keep them
    wb.move_sheet(OPTIONS_SHEET, offset=len(tables))  # last, out of the way
    wb.active = 0
    wb.properties.creator = "ledgercheck"
    wb.properties.title = "扶贫台账模板"
    return wb


def write(path: Path, tables: Sequence[Table] = LEDGER_TABLES, force: bool = False) -> None:
    """Write the template atomically; an existing file is kept unless `force`."""
    if path.exists() and not force:
        raise TemplateError(f"{path}: already exists (use --force to replace it)")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise TemplateError(f"{path}: the template is an .xlsx workbook")
    buffer = io.BytesIO()
    build(tables).save(buffer)
    write_atomic(path, buffer.getvalue())


def _style_header(cell: object, color: str = "000000") -> None:
    from openpyxl.styles import Border, Font, PatternFill, Side

    thin = Side(style="thin", color=BORDER_COLOR)
    cell.font = Font(bold=True, color=color)  # type: ignore[attr-defined]
    cell.fill = PatternFill("solid", fgColor=HEADER_COLOR)  # type: ignore[attr-defined]
    cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)  # type: ignore[attr-defined]


def _table_sheet(ws: Worksheet, table: Table, options: _Options) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    for i, column in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=column.header)
        _style_header(cell, REQUIRED_COLOR if column.required else "000000")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = _comment(header_note(table, column))
        dim = ws.column_dimensions[letter]
        dim.width = _width(column)
        fmt = _number_format(column)
        if fmt is not None:
            dim.number_format = fmt
        dv = _validation(column, options)
        dv.sqref = f"{letter}2:{letter}{LAST_ROW}"
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32


def _comment(text: str) -> Comment:
    from openpyxl.comments import Comment

    comment = Comment(text, "ledgercheck")
    comment.width, comment.height = 260, 140
    return comment


def _number_format(column: Column) -> str | None:
    if column.kind in (Kind.ID, Kind.KEY):
        return TEXT_FORMAT  # typed digits stay text: no 4.60203E+17 (F008), no lost zeros
    if column.kind is Kind.MONEY:
        return PLAIN_NUMBER.get(column.name, MONEY_FORMAT)
    if column.kind is Kind.DATE:
        return DATE_FORMAT
    if column.kind is Kind.RATIO:
        return RATIO_FORMAT
    if column.kind in (Kind.INT, Kind.YEAR):
        return "0"
    return None


def _validation(column: Column, options: _Options) -> DataValidation:
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = column.kind
    if kind in (Kind.VOCAB, Kind.MULTI, Kind.BOOL):
        values = BOOL_VALUES if kind is Kind.BOOL else column.vocab
        dv = DataValidation(type="list", formula1=_list_source(values, column, options))
        if kind is Kind.MULTI:
            # Several values joined by commas are valid: offer the list, accept combinations.
            dv.errorStyle = "information"
    elif kind in (Kind.INT, Kind.YEAR):
        low, high = INT_BOUNDS.get(column.name, (0, None))
        if high is None:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(low))
        else:
            dv = DataValidation(
                type="whole", operator="between", formula1=str(low), formula2=str(high)
            )
    elif kind is Kind.MONEY:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    elif kind is Kind.RATIO:
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1")
    elif kind is Kind.DATE:
        dv = DataValidation(
            type="date",
            operator="between",
            formula1=str(_serial(FIRST_DATE)),
            formula2=str(_serial(LAST_DATE)),
        )
    elif kind is Kind.ID:
        dv = DataValidation(type="textLength", operator="equal", formula1="18")
    else:
        dv = DataValidation()  # any value: only the input help
    dv.allow_blank = True
    dv.showInputMessage = True
    dv.promptTitle = column.header[:32]
    dv.prompt = what_to_type(column)[:255]
    if dv.type is not None:
        dv.showErrorMessage = True
        dv.errorTitle = f"{column.header[:24]}填写有误"
        dv.error = what_to_type(column)[:255]
    return dv


def _list_source(values: tuple[str, ...], column: Column, options: _Options) -> str:
    joined = ",".join(values)
    if len(joined) <= INLINE_LIST_MAX:
        return f'"{joined}"'
    return options.reference(values, column.header)


def _serial(day: dt.date) -> int:
    return (day - EXCEL_EPOCH).days


def _width(column: Column) -> float:
    """Wide enough for the header and for the longest thing a clerk types (CJK ≈ 2)."""
    widest = {Kind.ID: 21, Kind.KEY: 14, Kind.DATE: 12, Kind.MONEY: 13, Kind.MULTI: 18}.get(
        column.kind, 8
    )
    if column.vocab:
        widest = max(widest, 2 * max(len(v) for v in column.vocab) + 3)
    header = 2 * len(column.header) + 2
    return float(min(max(widest, header, 8), 40))


def _instructions(ws: Worksheet, tables: Sequence[Table]) -> None:
    ws.title = INSTRUCTIONS_SHEET
    rows: list[tuple[str, ...]] = [
        (f"扶贫台账填报模板 填表说明（{MARKER} 模板）",),
        (f"依据：三亚市扶贫开发领导小组{PLAN}。",),
        (
            "台账须做到账账相符、账实相符（方案二(五)2）；本模板按核查规范设置表头、格式和下拉选项。",
        ),
        ("",),
        ("填写要求",),
        ("1. 请勿修改、删除或移动表头（第1行）；每行一条记录，不要插入合计行、空行或合并单元格。",),
        (
            "2. 证件号码填18位公民身份号码（末位可为X），单元格已设为文本格式，"
            "请勿改为数值，以免末尾数字丢失。",
        ),
        ("3. 是/否、户类型、与户主关系等列请从下拉列表选择；健康状况可多选，用逗号分隔。",),
        ("4. 日期按 2020-06-30 格式填写；金额填数值（元），不带单位；比例填百分数，如 95%。",),
        ("5. 表头红色的列为必填；把鼠标停在表头上可查看填写说明和对应的核查规则编号。",),
        ("6. 填好后用 ledgercheck verify 文件名.xlsx 核查，按报告逐项整改、对账销号。",),
        ("",),
        ("工作表", "内容", "填写单位", "必填列"),
    ]
    listing = len(rows)  # the row of the table list's heading
    for table in tables:
        required = "、".join(c.header for c in table.columns if c.required)
        rows.append((table.title, _purpose(table), ROW_UNIT.get(table.name, ""), required))
    from openpyxl.styles import Font

    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A5"].font = Font(bold=True)
    for c in range(1, 5):
        _style_header(ws.cell(row=listing, column=c))
    for letter, width in zip("ABCD", (14, 36, 20, 60), strict=True):
        ws.column_dimensions[letter].width = width


PURPOSE = {
    "households": "户基本信息、收入、风险、两不愁三保障（住房、饮水）",
    "members": "家庭成员身份、教育、健康、医保、务工",
    "medical": "医疗费用结算与报销（基本医保、大病保险、补充保险、医疗救助）",
    "payments": "生态补偿金、务工奖补、产业奖励等资金发放",
    "loans": "扶贫小额信贷、创业担保贷款",
    "villages": "行政村道路、电力、通信指标",
}


def _purpose(table: Table) -> str:
    return PURPOSE.get(table.name, table.title)


def is_auxiliary(name: str, grid: Sequence[Sequence[object]]) -> bool:
    """A template's own sheet (填表说明, 选项): neither a table nor an unrecognised sheet.

    Known by its name and the marker in A1, so a clerk's own sheet called 选项 still counts.
    """
    if name not in AUXILIARY_SHEETS or not grid or not grid[0]:
        return False
    first = grid[0][0]
    return isinstance(first, str) and MARKER in first
