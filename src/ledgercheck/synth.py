"""Synthetic 扶贫台账 for tests, sample data and benchmarks.

`generate` builds a ledger of Sanya households that breaks no data rule of the catalogue
(spec §3) and then, on request, plants breaches, each of which should trigger exactly one
code. `write_workbook` writes the ledger as a district office or the national system
would (title rows, 序号, 合计, footers, 是/否 and √/×, aliases, unit suffixes) and returns
where each planted breach is expected to be reported.

Everything is deterministic for a seed: one `random.Random` seeded with a string (string
seeds are hashed with SHA-512, not with the randomised `hash`), no iteration over sets.
The facts below (headers, vocabularies, thresholds) are copied from the spec and the
sanya-2020 rule pack on purpose: the generator must not depend on the checker it tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ledgercheck.idnumber import check_digit, make_id

__all__ = [
    "HEADERS",
    "INJECTABLE_CODES",
    "SHEET_NAMES",
    "Injected",
    "PlantError",
    "SynthLedger",
    "generate",
    "write_workbook",
]

Row = dict[str, Any]

AS_OF = dt.date(2020, 12, 31)
SCHOOL_YEAR_DATE = dt.date(2020, 8, 31)
POVERTY_LINE = 4000.0


@dataclass
class Injected:
    """One planted breach.

    ``key`` is the natural key of the planted row (id_number for members, medical,
    payments and loans; household_id for households; village for villages); ``column``
    the canonical column where the finding is reported; ``row_index`` the 0-based
    position of the row in ``SynthLedger.tables[table]`` (keys alone are ambiguous:
    a person has several payments, and HH005 makes two members share an ID).
    """

    code: str
    table: str
    key: str
    column: str | None
    note: str
    row_index: int | None = None


@dataclass
class SynthLedger:
    tables: dict[str, pd.DataFrame]
    injected: list[Injected]
    # members row index → household values that a flat (one row per person) sheet writes
    # on that row instead of the household's own: how HH008 is planted, since separate
    # households/members tables cannot disagree with themselves.
    flat_overrides: dict[int, dict[str, Any]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Spec facts: headers, sheet names, codes
# --------------------------------------------------------------------------------------

HEADERS: dict[str, dict[str, str]] = {
    "households": {
        "household_id": "户编号",
        "district": "区",
        "town": "乡镇",
        "village": "行政村",
        "head_name": "户主姓名",
        "head_id_number": "户主证件号码",
        "household_type": "户类型",
        "household_size": "家庭人口数",
        "exit_year": "脱贫年度",
        "per_capita_net_income": "人均纯收入",
        "business_net_income": "家庭经营性纯收入",
        "risk_type": "风险类型",
        "assistance_measures": "帮扶措施",
        "housing_safe": "住房安全",
        "water_safe": "饮水安全",
        "water_check_1": "饮水第一次核查日期",
        "water_check_2": "饮水第二次核查日期",
        "water_quality_test": "水质检测日期",
        "commercial_insurance": "商业保险金额",
        "minimum_living_allowance": "是否低保户",
        "extreme_poverty_support": "是否特困供养",
    },
    "members": {
        "household_id": "户编号",
        "name": "姓名",
        "id_number": "证件号码",
        "sex": "性别",
        "relation": "与户主关系",
        "age": "年龄",
        "school_status": "在校生状况",
        "education_aid": "是否享受教育资助",
        "health": "健康状况",
        "chronic_disease": "慢性病种类",
        "tb_cured": "肺结核是否治愈",
        "family_doctor_signed": "家庭医生签约",
        "health_services": "年度健康管理服务次数",
        "basic_medical_insurance": "是否参加城乡居民基本医疗保险",
        "critical_illness_insurance": "是否参加大病保险",
        "personal_premium": "个人缴费金额",
        "employment": "务工状况",
        "months_worked": "务工月数",
    },
    "medical": {
        "id_number": "证件号码",
        "name": "姓名",
        "visit_type": "就诊类型",
        "designated": "是否定点医疗机构",
        "local": "是否本市就医",
        "total_cost": "医疗总费用",
        "eligible_cost": "合规费用",
        "deductible": "起付线",
        "basic_insurance_paid": "基本医保报销",
        "critical_insurance_paid": "大病保险报销",
        "supplementary_paid": "补充保险报销",
        "assistance_paid": "医疗救助",
        "out_of_pocket": "个人自付",
        "settled_on": "结算日期",
    },
    "payments": {
        "id_number": "证件号码",
        "household_id": "户编号",
        "name": "姓名",
        "item": "项目",
        "months": "月数",
        "amount": "金额",
        "paid_on": "发放日期",
        "period": "所属期",
    },
    "loans": {
        "id_number": "证件号码",
        "loan_type": "贷款类型",
        "amount": "贷款金额",
        "issued_on": "放款日期",
        "due_on": "到期日期",
        "overdue_days": "逾期天数",
        "repaid": "是否还清",
        "extended": "是否续贷展期",
        "risk_compensation": "是否启动风险补偿",
    },
    "villages": {
        "village": "行政村",
        "district": "区",
        "road_paved_rate": "道路硬化率",
        "kva_per_household": "户均配变容量（千伏安）",
        "fiber_4g": "光纤和4G覆盖",
    },
}

TABLE_ORDER = ("households", "members", "medical", "payments", "loans", "villages")
SHEET_NAMES: dict[str, str] = {
    "households": "户信息",
    "members": "成员信息",
    "medical": "医疗报销",
    "payments": "资金发放",
    "loans": "小额信贷",
    "villages": "村级指标",
}
FLAT_SHEET = "家庭成员明细"

# Every data-level code of spec §3, in catalogue order (the order plants are made in).
# POP* fire on totals and F001-F005/F009 on files, sheets and formulas: not plantable here.
INJECTABLE_CODES: tuple[str, ...] = (
    "F006", "F007", "F008",
    "ID001", "ID002", "ID003", "ID004", "ID005", "ID006",
    "HH001", "HH002", "HH003", "HH004", "HH005", "HH006", "HH007", "HH008", "HH009", "HH010",
    "INC001", "INC002", "INC003", "INC004", "INC005", "INC006",
    "MED001", "MED002", "MED003", "MED004",
    "MED010", "MED011", "MED012", "MED013", "MED014", "MED015",
    "MED020", "MED021", "MED022",
    "EDU001", "EDU002", "EDU003",
    "HOU001", "WAT001", "WAT002", "WAT003",
    "PAY001", "PAY002", "PAY003", "PAY004", "PAY005",
    "PAY006", "PAY007", "PAY008", "PAY009", "PAY010",
    "LOAN001", "LOAN002",
    "VIL001", "VIL002", "VIL003",
)  # fmt: skip

# --------------------------------------------------------------------------------------
# Geography: districts, towns, villages of Sanya
# --------------------------------------------------------------------------------------

_GEOGRAPHY: dict[str, tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "海棠区": ("460202", (
        ("海棠湾镇", ("龙海村", "龙江村", "青田村", "湾坡村", "江林村", "铁炉村", "南田村",
                      "北山村", "风塘村", "六道村")),
    )),
    "吉阳区": ("460203", (
        ("田独镇", ("南丁村", "红花村", "六盘村", "田独村", "罗蓬村", "大茅村")),
        ("吉阳镇", ("博后村", "中廖村", "落笔村", "南新村", "安罗村", "东岸村")),
    )),
    "天涯区": ("460204", (
        ("天涯镇", ("文门村", "布曲村", "红塘村", "过岭村", "抱龙村", "扎南村", "台楼村",
                    "黑土村")),
        ("凤凰镇", ("槟榔村", "桶井村", "水蛟村", "拱北村", "妙林村", "立新村")),
    )),
    "崖州区": ("460205", (
        ("崖城镇", ("水南村", "城东村", "城西村", "保平村", "港门村", "凤岭村", "赤草村",
                    "北岭村")),
        ("梅山镇", ("梅联村", "梅东村", "梅西村", "南山村", "三公里村", "长山村")),
    )),
    "育才生态区": ("460201", (
        ("育才镇", ("抱安村", "马亮村", "雅林村", "明善村", "那受村", "雅亮村", "抱古村",
                    "龙密村", "青法村", "立才村")),
    )),
}  # fmt: skip
DISTRICTS: tuple[str, ...] = tuple(_GEOGRAPHY)
# Share of the city's registered poor households per district (育才 and 崖州 had the most).
_DISTRICT_WEIGHT = {"海棠区": 18, "吉阳区": 14, "天涯区": 20, "崖州区": 22, "育才生态区": 26}
# Region codes of IDs issued before the districts existed (2014) and of neighbouring
# counties that spouses married in from; all in Hainan, so ID006 stays quiet.
_OLD_SANYA = "460200"
_NEIGHBOURS = ("469027", "469028", "469029", "469024")

_SURNAMES = (
    "陈", "林", "王", "黎", "符", "吉", "蒲", "麦", "孙", "董", "黄", "李", "郭", "邢", "何",
    "张", "罗", "刘", "周", "吴", "羊", "容", "高", "卓", "胡", "梁", "谢", "苏", "蔡", "朱",
)  # fmt: skip
_SURNAME_WEIGHTS = (12, 10, 10, 9, 9, 6, 5, 5, 5, 4, 4, 4, 4, 3, 3,
                    3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1)  # fmt: skip
_MALE_CHARS = "亚文明德光海强军国志建华成东金永福育才峰伟俊杰涛斌雄忠良春辉"
_FEMALE_CHARS = "亚秀玉美丽芳英梅兰花琼娟妹霞红燕月金春萍婷雪静丹莲"

_RISKS = ("因病", "因残", "因学", "因灾", "因疫", "因务工就业不稳", "因意外事故", "其他")
_MEASURES = ("产业帮扶", "就业帮扶", "健康帮扶", "教育资助", "危房改造", "小额信贷",
             "公益岗位", "技能培训", "低保兜底", "消费扶贫")  # fmt: skip
_FOUR_DISEASES = ("高血压", "糖尿病", "肺结核", "严重精神障碍")

# Relation → the sex it implies (HH010); relations absent here fit either sex.
_RELATION_SEX = {
    "之子": "男", "之女": "女", "之儿媳": "女", "之女婿": "男", "之孙子": "男", "之孙女": "女",
    "之外孙子": "男", "之外孙女": "女", "之曾孙子": "男", "之曾孙女": "女", "之父": "男",
    "之母": "女", "之岳父": "男", "之岳母": "女", "之公公": "男", "之婆婆": "女", "之祖父": "男",
    "之祖母": "女", "之外祖父": "男", "之外祖母": "女", "之兄弟媳妇": "女", "之侄儿": "男",
    "之侄女": "女", "之叔伯": "男",
}  # fmt: skip
_OPPOSITE_RELATION = {"之子": "之女", "之女": "之子", "之孙子": "之孙女", "之孙女": "之孙子",
                      "之父": "之母", "之母": "之父"}  # fmt: skip

_PAY_ITEMS = ("生态补偿金", "跨省务工交通补助", "省内市外务工交通补助", "外出务工奖补",
              "灵活就业奖励", "创业补贴", "产业奖励", "残疾人生产扶持", "脱贫之星奖励")  # fmt: skip


@dataclass(frozen=True)
class _Village:
    district: str
    region: str
    town: str
    name: str
    prefix: str  # the first 12 digits of its households' 户编号
    eco: bool  # in an ecological compensation area: households receive 生态补偿金


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _age_at(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _safe_day(d: dt.date) -> bool:
    # Births stay clear of 31 Aug (the school-year date) and of the turn of the year, so an
    # age computed from the year alone, or with another birthday convention, agrees.
    md = (d.month, d.day)
    return (1, 4) <= md <= (8, 27) or (9, 4) <= md <= (12, 27)


def _birth(rng: random.Random, age: int) -> dt.date:
    """A birth date giving exactly ``age`` full years at 2020-12-31."""
    start = dt.date(AS_OF.year - age, 1, 1)
    while True:
        d = start + dt.timedelta(days=rng.randint(0, 364))
        if _safe_day(d):
            return d


def _rand_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _money(x: float) -> float:
    return round(x, 2)


def _given_name(rng: random.Random, sex: str) -> str:
    chars = _MALE_CHARS if sex == "男" else _FEMALE_CHARS
    n = 1 if rng.random() < 0.3 else 2
    return "".join(rng.choice(chars) for _ in range(n))


def _surname(rng: random.Random) -> str:
    return rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]


class _Ids:
    """Issues unique, valid ID numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self, region: str, born: dt.date, sex: str) -> str:
        while True:
            id_number = make_id(region, born, self.rng.randint(0, 99), sex)
            if id_number not in self.used:
                self.used.add(id_number)
                return id_number


# --------------------------------------------------------------------------------------
# The clean ledger
# --------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """The ledger as lists of row dicts while it is built and planted.

    Rows carry private ``_``-keys (birth date, village) that never reach the frames.
    Plants refer to row objects, so sorting and inserting rows later cannot misplace them.
    """

    households: list[Row]
    members: dict[str, list[Row]]  # household_id → its members, head first
    orphans: list[Row] = field(default_factory=list)  # members of no household (HH001)
    medical: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    loans: list[Row] = field(default_factory=list)
    villages: list[Row] = field(default_factory=list)
    ids: _Ids | None = None
    # Plants keep apart (id() of the row objects): a row carries one plant at most; a
    # household carries one household-level plant; a "structural" plant (relations, sex,
    # missing members) has its household to itself; member plants share households freely.
    claimed: set[int] = field(default_factory=set)  # rows a plant has taken
    household_plant: set[int] = field(default_factory=set)
    structural: set[int] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)  # households with a member plant
    plants: list[tuple[Injected, Row]] = field(default_factory=list)
    overrides: list[tuple[Row, dict[str, Any]]] = field(default_factory=list)

    def referenced(self) -> set[str]:
        """ID numbers that medical, payments or loans rows point at."""
        return {r["id_number"] for t in (self.medical, self.payments, self.loans) for r in t}

    def new_id(self, region: str, born: dt.date, sex: str) -> str:
        assert self.ids is not None
        return self.ids.new(region, born, sex)


def _family_plan(rng: random.Random, single: bool) -> list[tuple[str, str, int]]:
    """(relation, sex, age at 2020-12-31) of each member, head first."""
    head_sex = "男" if rng.random() < 0.8 else "女"
    if single:
        return [("户主", head_sex, rng.randint(58, 88))]
    head_age = rng.randint(26, 76)
    plan = [("户主", head_sex, head_age)]
    # Female heads are mostly widows: a husband would usually be registered as head.
    p_spouse = 0.3 if head_sex == "女" else (0.9 if head_age < 65 else 0.6)
    mother_age = head_age
    if rng.random() < p_spouse:
        if head_sex == "男":
            spouse_sex, spouse_age = "女", head_age + rng.randint(-7, 2)
        else:
            spouse_sex, spouse_age = "男", head_age + rng.randint(-2, 7)
        spouse_age = min(max(spouse_age, 20), 95)
        plan.append(("配偶", spouse_sex, spouse_age))
        mother_age = spouse_age if spouse_sex == "女" else head_age
    kids = rng.choices((0, 1, 2, 3, 4), weights=(8, 20, 34, 25, 13))[0]
    ages = sorted({mother_age - rng.randint(20, 40) for _ in range(kids)}, reverse=True)
    married_son = False
    for age in (a for a in ages if a >= 0):
        sex = "男" if rng.random() < 0.52 else "女"
        plan.append(("之子" if sex == "男" else "之女", sex, age))
        if sex == "男" and age >= 24 and not married_son and rng.random() < 0.35:
            married_son = True
            plan.append(("之儿媳", "女", max(20, age + rng.randint(-3, 2))))
            for _ in range(rng.choice((1, 1, 2))):
                grandchild_age = age - rng.randint(21, 32)
                if grandchild_age >= 0:
                    gsex = "男" if rng.random() < 0.52 else "女"
                    plan.append(("之孙子" if gsex == "男" else "之孙女", gsex, grandchild_age))
    if head_age <= 55 and rng.random() < 0.25:
        if rng.random() < 0.6 and head_age + 30 <= 92:
            plan.append(("之父", "男", head_age + rng.randint(24, 30)))
        if rng.random() < 0.7:
            plan.append(("之母", "女", min(92, head_age + rng.randint(21, 30))))
    if rng.random() < 0.04:
        sib_sex = "男" if rng.random() < 0.5 else "女"
        plan.append(("之兄弟姐妹", sib_sex, max(18, head_age + rng.randint(-8, 8))))
    return plan[:9]


def _school(rng: random.Random, a8: int) -> str:
    """School level by age at the school-year date 2020-08-31.

    Compulsory ages (6-15) are always enrolled, and so are 5 and 16-17 year olds: a checker
    that counts age from the birth year alone may be one year off there.
    """
    if a8 <= 2:
        return "非在校生"
    if a8 <= 5:
        return "学前教育"
    if a8 <= 11:
        return "小学"
    if a8 <= 14:
        return "初中"
    if a8 <= 17:
        return "高中" if rng.random() < 0.6 else "中职"
    if a8 <= 21 and rng.random() < 0.35:
        return "高职高专" if rng.random() < 0.5 else "本科及以上"
    return "非在校生"


def _health(rng: random.Random, age: int) -> list[str]:
    if age < 18:
        p_chronic, p_big, p_disabled = 0.0, 0.01, 0.02
    elif age < 45:
        p_chronic, p_big, p_disabled = 0.07, 0.03, 0.05
    else:
        p_chronic, p_big, p_disabled = 0.28, 0.04, 0.07
    found = []
    if rng.random() < p_chronic:
        found.append("长期慢性病")
    if rng.random() < p_big:
        found.append("患有大病")
    if rng.random() < p_disabled:
        found.append("残疾")
    return found


def _employment(rng: random.Random, age: int, student: bool, ill: bool) -> tuple[str, int]:
    if student or not 16 <= age <= 59 or (ill and rng.random() < 0.7):
        return "未务工", 0
    kind = rng.choices(
        ("省外务工", "省内市外务工", "市内务工", "灵活就业", "未务工"), weights=(6, 8, 30, 12, 44)
    )[0]
    if kind in ("省外务工", "省内市外务工"):
        return kind, rng.randint(4, 12)
    if kind == "市内务工":
        return kind, rng.randint(3, 12)
    if kind == "灵活就业":
        return kind, rng.randint(2, 12)
    return kind, 0


def _region_for(rng: random.Random, village: _Village, relation: str, born: dt.date) -> str:
    if relation in ("配偶", "之儿媳") and rng.random() < 0.15:
        return rng.choice(_NEIGHBOURS)
    if born.year < 2014 and rng.random() < 0.3:
        return _OLD_SANYA
    return village.region


def _member(
    rng: random.Random,
    d: _Draft,
    village: _Village,
    hid: str,
    spec: tuple[str, str, int],
    name: str,
) -> Row:
    relation, sex, age = spec
    born = _birth(rng, age)
    a8 = _age_at(born, SCHOOL_YEAR_DATE)
    school = _school(rng, a8)
    student = school not in ("非在校生", "辍学")
    found = _health(rng, age)
    chronic = None
    services = rng.randint(0, 2)
    if "长期慢性病" in found:
        chronic = rng.choices(
            ("高血压", "糖尿病", "其他", "严重精神障碍", "肺结核"), weights=(45, 25, 22, 5, 3)
        )[0]
        # MED020: the four diseases need 4 services a year; others at least 1 (MED021).
        services = rng.randint(4, 12) if chronic in _FOUR_DISEASES else rng.randint(1, 6)
    elif found:
        services = rng.randint(1, 4)
    employment, months = _employment(rng, age, student, bool(found))
    return {
        "household_id": hid,
        "name": name,
        "id_number": d.new_id(_region_for(rng, village, relation, born), born, sex),
        "sex": sex,
        "relation": relation,
        "age": age,
        "school_status": school,
        "education_aid": student,  # EDU002: every enrolled pupil is aided
        "health": ",".join(found) if found else "健康",
        "chronic_disease": chronic,
        "tb_cured": (rng.random() < 0.5) if chronic == "肺结核" else None,
        # MED022: every patient has a family doctor; some healthy people never signed.
        "family_doctor_signed": True if found else rng.random() < 0.85,
        "health_services": services,
        "basic_medical_insurance": True,
        "critical_illness_insurance": True,
        "personal_premium": 0.0,  # MED003: the premium is fully subsidised
        "employment": employment,
        "months_worked": months,
        "_born": born,
        "_a8": a8,
    }


def _names_for(rng: random.Random, plan: list[tuple[str, str, int]]) -> list[str]:
    head_sex = plan[0][1]
    head_surname = _surname(rng)
    # Children carry the father's surname; a widow's late husband's surname is drawn.
    family = head_surname if head_sex == "男" else _surname(rng)
    names = []
    for relation, sex, _age in plan:
        if relation in ("户主", "之父", "之兄弟姐妹"):
            surname = head_surname
        elif relation in ("之子", "之女", "之孙子", "之孙女"):
            surname = family
        else:
            surname = _surname(rng)
        names.append(surname + _given_name(rng, sex))
    return names


def _household(
    rng: random.Random, d: _Draft, village: _Village, hid: str, htype: str, single: bool
) -> Row:
    plan = _family_plan(rng, single)
    members = [
        _member(rng, d, village, hid, spec, name)
        for spec, name in zip(plan, _names_for(rng, plan), strict=True)
    ]
    d.members[hid] = members
    head = members[0]
    if htype == "脱贫户":
        income = rng.uniform(5000, 18000)
    elif htype == "脱贫监测户":
        income = rng.uniform(4300, 9000)
    else:  # 边缘户: INC002 wants [4000, 6000]; stay clear of both ends
        income = rng.uniform(4300, 5800)
    # PAY007/PAY008: stay clear of the 4000 threshold so rounding cannot flip a household.
    if rng.random() < 0.35:
        business = float(rng.randrange(4500, 20000, 50))
    else:
        business = float(rng.randrange(0, 3800, 50))
    at_risk = htype in ("脱贫监测户", "边缘户")
    measures = "、".join(rng.sample(_MEASURES, rng.randint(2, 3)))
    return {
        "household_id": hid,
        "district": village.district,
        "town": village.town,
        "village": village.name,
        "head_name": head["name"],
        "head_id_number": head["id_number"],
        "household_type": htype,
        "household_size": len(members),
        "exit_year": _exit_year(rng) if htype != "边缘户" else None,
        "per_capita_net_income": _money(income),
        "business_net_income": business,
        "risk_type": rng.choice(_RISKS) if at_risk else None,
        "assistance_measures": measures if at_risk or rng.random() < 0.5 else None,
        "housing_safe": True,
        "water_safe": True,
        "water_check_1": _rand_date(rng, dt.date(2020, 3, 2), dt.date(2020, 5, 29)),
        "water_check_2": _rand_date(rng, dt.date(2020, 7, 1), dt.date(2020, 9, 30)),
        "water_quality_test": _rand_date(rng, dt.date(2020, 4, 1), dt.date(2020, 10, 15)),
        "commercial_insurance": float(rng.choice((150, 150, 180, 200, 240, 300))),
        "minimum_living_allowance": rng.random() < 0.25,
        "extreme_poverty_support": False,
        "_village": village,
    }


def _exit_year(rng: random.Random) -> int:
    return rng.choices(range(2014, 2021), weights=(6, 8, 14, 18, 20, 22, 12))[0]


def _villages(rng: random.Random, districts: Sequence[str]) -> list[_Village]:
    out = []
    for district in districts:
        region, towns = _GEOGRAPHY[district]
        for t, (town, names) in enumerate(towns, start=1):
            for v, name in enumerate(names, start=1):
                eco = district == "育才生态区" or rng.random() < 0.25
                prefix = f"{region}{100 + t:03d}{v:03d}"
                out.append(_Village(district, region, town, name, prefix, eco))
    return out


def _village_row(rng: random.Random, v: _Village) -> Row:
    return {
        "village": v.name,
        "district": v.district,
        "road_paved_rate": round(rng.uniform(0.96, 1.0), 2),  # VIL001 ≥ 0.95
        "kva_per_household": round(rng.uniform(2.2, 4.8), 2),  # VIL002 ≥ 2.1
        "fiber_4g": True,
    }


def _type_quota(rng: random.Random, n: int) -> list[str]:
    """Mostly 脱贫户; enough 脱贫监测户 and 边缘户 that plants needing them find some."""
    monitored = max(2 if n >= 20 else (1 if n >= 5 else 0), round(0.02 * n))
    edge = max(3 if n >= 20 else (1 if n >= 5 else 0), round(0.05 * n))
    types = ["脱贫户"] * n
    picked = rng.sample(range(n), min(n, monitored + edge))
    for i in picked[:monitored]:
        types[i] = "脱贫监测户"
    for i in picked[monitored:]:
        types[i] = "边缘户"
    return types


def _mark_extreme(rng: random.Random, households: list[Row], members: dict[str, list[Row]]) -> None:
    """特困供养 goes mostly to old people living alone; 特困 and 低保 exclude each other."""
    n = len(households)
    want = max(1, round(0.03 * n)) if n >= 10 else 0
    alone = [h for h in households if len(members[h["household_id"]]) == 1]
    others = [h for h in households if len(members[h["household_id"]]) > 1]
    chosen = rng.sample(alone, min(want, len(alone)))
    chosen += rng.sample(others, min(want - len(chosen), len(others)))
    for h in chosen:
        h["extreme_poverty_support"] = True
        h["minimum_living_allowance"] = False


def _build_clean(rng: random.Random, n: int, districts: Sequence[str]) -> _Draft:
    d = _Draft(households=[], members={}, ids=_Ids(rng))
    villages = _villages(rng, districts)
    d.villages = [_village_row(rng, v) for v in villages]
    by_district = {dist: [v for v in villages if v.district == dist] for dist in districts}
    weights = [_DISTRICT_WEIGHT[dist] for dist in districts]
    seq: dict[str, int] = {}
    for htype in _type_quota(rng, n):
        village = rng.choice(by_district[rng.choices(districts, weights=weights)[0]])
        seq[village.prefix] = seq.get(village.prefix, 0) + 1
        hid = f"{village.prefix}{seq[village.prefix]:06d}"
        single = rng.random() < 0.1
        d.households.append(_household(rng, d, village, hid, htype, single))
    d.households.sort(key=lambda h: h["household_id"])
    _mark_extreme(rng, d.households, d.members)
    for h in d.households:
        _household_money(rng, d, h)
    return d


# --------------------------------------------------------------------------------------
# Medical claims, payments, loans of the clean ledger
# --------------------------------------------------------------------------------------

_COST = {"住院": (3000, 60000), "特殊疾病门诊": (500, 8000), "慢性病门诊": (200, 3000),
         "普通门诊": (60, 600)}  # fmt: skip


def _claim(
    rng: random.Random,
    person: Row,
    visit: str,
    *,
    extreme: bool,
    shares: tuple[float, float, float] | None = None,
    residual: float | None = None,
    local: bool = True,
    designated: bool = True,
) -> Row:
    """A settled claim whose money adds up (MED015).

    ``shares``: basic, critical, supplementary insurance as shares of the eligible cost;
    ``residual``: what assistance leaves to the person, as a share of the eligible cost.
    Clean claims leave at most a quarter of the burden after insurance (MED014 wants
    assistance ≥ 70 %) and keep the actual ratio ≥ 0.95 for 住院, ≥ 0.90 for 特殊疾病门诊
    (MED010/MED011); an extreme-poverty person's claims are paid in full (MED012), in
    whole yuan so that the ratio is exactly 1.0 in floating point.
    """
    lo, hi = _COST[visit]
    eligible = float(rng.randint(lo, hi)) + (0.0 if extreme else rng.randint(0, 99) / 100)
    if shares is None:
        b_lo, b_hi = {"住院": (0.55, 0.75), "特殊疾病门诊": (0.5, 0.7)}.get(visit, (0.4, 0.6))
        critical = rng.uniform(0.03, 0.10) if visit == "住院" and eligible > 10000 else 0.0
        supp = rng.uniform(0.02, 0.06) if visit in ("住院", "特殊疾病门诊") else 0.0
        shares = (rng.uniform(b_lo, b_hi), critical, supp)
    rnd: Callable[[float], float] = (lambda x: float(math.floor(x))) if extreme else _money
    basic, crit, supp_paid = (rnd(eligible * s) for s in shares)
    burden = eligible - basic - crit - supp_paid
    if residual is None:
        cap = {"住院": 0.05, "特殊疾病门诊": 0.10}.get(visit, 1.0)
        residual = 0.0 if extreme else min(cap * eligible, 0.25 * burden) / eligible
    assistance = (
        float(burden) if extreme and residual == 0 else _money(burden - residual * eligible)
    )
    extra = rnd(eligible * rng.uniform(0.0, 0.15))
    total = _money(eligible + extra)
    reimbursed = basic + crit + supp_paid + assistance
    deductible = 0.0 if local and designated else float(rng.choice((300, 500, 800)))
    return {
        "id_number": person["id_number"],
        "name": person["name"],
        "visit_type": visit,
        "designated": designated,
        "local": local,
        "total_cost": total,
        "eligible_cost": _money(eligible),
        "deductible": deductible,
        "basic_insurance_paid": basic,
        "critical_insurance_paid": crit,
        "supplementary_paid": supp_paid,
        "assistance_paid": assistance,
        "out_of_pocket": _money(total - reimbursed),
        "settled_on": _rand_date(rng, dt.date(2020, 1, 6), dt.date(2020, 12, 18)),
    }


def _claims_for(rng: random.Random, d: _Draft, m: Row, extreme: bool) -> None:
    health = m["health"]
    if health == "健康":
        if rng.random() < 0.04:
            d.medical.append(_claim(rng, m, rng.choice(("住院", "普通门诊")), extreme=extreme))
        return
    for _ in range(rng.randint(1, 3)):
        if "患有大病" in health:
            visit = rng.choice(("住院", "住院", "特殊疾病门诊"))
        elif "长期慢性病" in health:
            visit = rng.choice(("慢性病门诊", "慢性病门诊", "特殊疾病门诊", "住院"))
        else:
            visit = rng.choice(("普通门诊", "住院"))
        # Some care is outside Sanya (Haikou hospitals): a deductible then applies.
        local = rng.random() < 0.9
        d.medical.append(
            _claim(
                rng, m, visit, extreme=extreme, local=local, designated=local or rng.random() < 0.5
            )
        )


def _payment(
    m: Row,
    item: str,
    amount: float,
    paid: dt.date,
    months: int | None = None,
    period: str = "全年",
) -> Row:
    return {
        "id_number": m["id_number"],
        "household_id": m["household_id"],
        "name": m["name"],
        "item": item,
        "months": months,
        "amount": float(amount),
        "paid_on": paid,
        "period": period,
    }


def _eco_payments(rng: random.Random, head: Row) -> list[Row]:
    # PAY001: 200 yuan a month, at most 6 months a period; PAY002: 上半年 by 06-30,
    # 下半年 by 10-31.
    return [
        _payment(
            head,
            "生态补偿金",
            1200,
            _rand_date(rng, dt.date(2020, 6, 8), dt.date(2020, 6, 28)),
            6,
            "上半年",
        ),
        _payment(
            head,
            "生态补偿金",
            1200,
            _rand_date(rng, dt.date(2020, 10, 9), dt.date(2020, 10, 29)),
            6,
            "下半年",
        ),
    ]


def _member_payments(rng: random.Random, m: Row) -> list[Row]:
    out = []
    work, months = m["employment"], m["months_worked"]
    if work in ("省外务工", "省内市外务工"):
        # PAY003: one transport subsidy a year, 800 across provinces, 200 within Hainan.
        item = "跨省务工交通补助" if work == "省外务工" else "省内市外务工交通补助"
        amount = 800 if work == "省外务工" else 200
        out.append(
            _payment(m, item, amount, _rand_date(rng, dt.date(2020, 3, 2), dt.date(2020, 5, 29)))
        )
        if months >= 6:  # PAY004: 300 a month, at least 6 months
            out.append(
                _payment(
                    m,
                    "外出务工奖补",
                    300 * months,
                    _rand_date(rng, dt.date(2020, 11, 16), dt.date(2020, 12, 18)),
                    months,
                )
            )
    elif work == "灵活就业" and months >= 3:  # PAY005: 200 a month, at least 3 months
        out.append(
            _payment(
                m,
                "灵活就业奖励",
                200 * months,
                _rand_date(rng, dt.date(2020, 12, 1), dt.date(2020, 12, 18)),
                months,
            )
        )
    return out


def _household_money(rng: random.Random, d: _Draft, h: Row) -> None:
    members = d.members[h["household_id"]]
    head = members[0]
    extreme = h["extreme_poverty_support"]
    for m in members:
        _claims_for(rng, d, m, extreme)
        d.payments.extend(_member_payments(rng, m))
    if h["_village"].eco:
        d.payments.extend(_eco_payments(rng, head))
    if h["business_net_income"] > 4000:  # PAY007/PAY008: each such household, once
        d.payments.append(
            _payment(
                head, "产业奖励", 1000, _rand_date(rng, dt.date(2020, 9, 1), dt.date(2020, 11, 20))
            )
        )
    if rng.random() < 0.02:  # PAY006: 6000 once
        d.payments.append(
            _payment(
                head, "创业补贴", 6000, _rand_date(rng, dt.date(2020, 7, 1), dt.date(2020, 9, 30))
            )
        )
    disabled = [m for m in members if "残疾" in m["health"] and 18 <= m["age"] <= 60]
    if disabled and rng.random() < 0.5:  # PAY009: 5000 per household
        d.payments.append(
            _payment(
                disabled[0],
                "残疾人生产扶持",
                5000,
                _rand_date(rng, dt.date(2020, 5, 6), dt.date(2020, 8, 28)),
            )
        )
    if h["household_type"] == "脱贫户" and rng.random() < 0.03:  # PAY010: 5000
        d.payments.append(_payment(head, "脱贫之星奖励", 5000, dt.date(2020, 10, 17)))
    adults = [m for m in members if 18 <= m["age"] <= 60]
    if adults and rng.random() < 0.15:
        d.loans.append(_loan(rng, adults[0], "扶贫小额信贷"))
    if adults and rng.random() < 0.02:
        d.loans.append(_loan(rng, adults[0], "创业担保贷款"))


def _years_later(d: dt.date, years: int) -> dt.date:
    return d.replace(year=d.year + years, day=min(d.day, 28) if d.month == 2 else d.day)


def _loan(rng: random.Random, m: Row, kind: str) -> Row:
    issued = _rand_date(rng, dt.date(2018, 3, 1), dt.date(2020, 11, 30))
    if kind == "创业担保贷款":  # LOAN002: ≤ 150000, term ≤ 3 years (2 here, clear of the edge)
        amount = float(rng.randrange(30000, 150001, 10000))
        due = _years_later(issued, rng.choice((1, 2)))
    else:  # 扶贫小额信贷: up to 50000 for up to 3 years
        amount = float(rng.randrange(10000, 50001, 5000))
        due = _years_later(issued, rng.choice((1, 2, 3)))
    repaid = extended = compensated = False
    overdue = 0
    if due <= AS_OF:
        roll = rng.random()
        if roll < 0.75:
            repaid = True
        elif roll < 0.88:
            extended = True  # 续贷展期
        else:
            overdue = (AS_OF - due).days
            # LOAN001: past 90 days only with risk compensation started.
            compensated = overdue > 90
    return {
        "id_number": m["id_number"],
        "loan_type": kind,
        "amount": amount,
        "issued_on": issued,
        "due_on": due,
        "overdue_days": overdue,
        "repaid": repaid,
        "extended": extended,
        "risk_compensation": compensated,
    }


# --------------------------------------------------------------------------------------
# Planting
# --------------------------------------------------------------------------------------


class PlantError(ValueError):
    """The ledger is too small to hold the requested plant."""


def _plant(
    d: _Draft, code: str, table: str, key: str, column: str | None, note: str, row: Row
) -> None:
    d.plants.append((Injected(code, table, key, column, note), row))


def _plain_first(households: list[Row]) -> list[Row]:
    # 脱贫监测户, 边缘户 and 特困 households are few; keep them for the plants that need them.
    def plain(h: Row) -> bool:
        return h["household_type"] == "脱贫户" and not h["extreme_poverty_support"]

    return [h for h in households if plain(h)] + [h for h in households if not plain(h)]


def _pick_household(
    d: _Draft, rng: random.Random, code: str, pred: Callable[[Row], bool], *, alone: bool = False
) -> Row:
    """A household for a household-level plant, drawn at random, and claim it.

    ``alone``: the household must carry no other plant at all (structural plants).
    """
    for h in _plain_first(rng.sample(d.households, len(d.households))):
        key = id(h)
        if key in d.household_plant or key in d.structural:
            continue
        if alone and key in d.touched:
            continue
        if pred(h):
            (d.structural if alone else d.household_plant).add(key)
            return h
    raise PlantError(f"cannot plant {code}: no suitable household left; generate more")


def _pick_member(
    d: _Draft,
    rng: random.Random,
    code: str,
    pred: Callable[[Row, Row, int], bool],
    *,
    alone: bool = False,
) -> tuple[Row, Row]:
    """(household, member) with ``pred(household, member, position)``, and claim them.

    A member plant changes cells of its own row only and so may share a household with
    other member plants, and with a household-level plant as long as it is not the head
    (whose row a flat sheet shares with the household's fields). ``alone``: the plant
    changes relations or sex, which other members' rules read; it takes the household.
    """
    for h in _plain_first(rng.sample(d.households, len(d.households))):
        key = id(h)
        if key in d.structural or (alone and (key in d.touched or key in d.household_plant)):
            continue
        for pos, m in enumerate(d.members[h["household_id"]]):
            if id(m) in d.claimed or (pos == 0 and key in d.household_plant):
                continue
            if pred(h, m, pos):
                d.claimed.add(id(m))
                (d.structural if alone else d.touched).add(key)
                return h, m
    raise PlantError(f"cannot plant {code}: no suitable member left; generate more")


def _plain_adult(m: Row, pos: int) -> bool:
    """A non-head adult out of school: changing its ID or name touches no other rule."""
    return (
        pos > 0
        and m["age"] >= 22
        and m["school_status"] == "非在校生"
        and (m["relation"] != "配偶")
    )


def _unreferenced_plain_adult(d: _Draft) -> Callable[[Row, Row, int], bool]:
    # The ID of someone with claims, payments or loans cannot change without HH007 firing
    # on those rows, so ID plants take people nobody else points at.
    refs = d.referenced()
    return lambda h, m, pos: _plain_adult(m, pos) and m["id_number"] not in refs


# F006-F008 ------------------------------------------------------------------------------


def _plant_f006(d: _Draft, rng: random.Random) -> None:
    # An empty 姓名 (required). Not the head (HH006 compares head_name with the 户主's
    # name) and not anyone named in claims or payments.
    _h, m = _pick_member(d, rng, "F006", _unreferenced_plain_adult(d))
    m["name"] = None
    _plant(d, "F006", "members", m["id_number"], "name", "姓名 left empty", m)


def _plant_f007(d: _Draft, rng: random.Random) -> None:
    # '是的吧' in 家庭医生签约 of a healthy person: the column is read by MED022 only for
    # chronic patients, so the unreadable cell breaks nothing else. A members column is
    # used rather than a household one so a flat sheet shows it on one row only.
    _h, m = _pick_member(d, rng, "F007", lambda h, m, pos: m["health"] == "健康")
    m["family_doctor_signed"] = "是的吧"
    _plant(
        d,
        "F007",
        "members",
        m["id_number"],
        "family_doctor_signed",
        "家庭医生签约 = '是的吧' (not a boolean)",
        m,
    )


def _plant_f008(d: _Draft, rng: random.Random) -> None:
    # The ID as a float, as Excel keeps it once typed into a General cell: the last digits
    # are gone. A non-head nobody points at (HH006/HH007); an adult out of school, so the
    # age fallback to 年龄 for the EDU rules is moot. ID00x are not expected on the cell.
    _h, m = _pick_member(
        d,
        rng,
        "F008",
        lambda h, m, pos: _unreferenced_plain_adult(d)(h, m, pos) and m["id_number"][-1] != "X",
    )
    original = m["id_number"]
    m["id_number"] = float(original)
    _plant(
        d,
        "F008",
        "members",
        original,
        "id_number",
        f"证件号码 stored as the number {float(original):.14e}",
        m,
    )


# ID001-ID006 ----------------------------------------------------------------------------


def _replace_id(
    d: _Draft, rng: random.Random, code: str, make: Callable[[str], str], note: str
) -> None:
    """Corrupt the ID of a non-head adult nobody else points at (see _plant_f008)."""
    _h, m = _pick_member(d, rng, code, _unreferenced_plain_adult(d))
    m["id_number"] = make(m["id_number"])
    _plant(d, code, "members", m["id_number"], "id_number", note, m)


def _plant_id001(d: _Draft, rng: random.Random) -> None:
    # 17 characters: a digit dropped. Malformed, so ID002-ID005 cannot be evaluated.
    _replace_id(d, rng, "ID001", lambda s: s[:10] + s[11:], "证件号码 has 17 characters")


def _plant_id002(d: _Draft, rng: random.Random) -> None:
    # Only the check character changes: birth date, sex and region still agree.
    def wrong_check(s: str) -> str:
        good = s[17]
        return s[:17] + ("0" if good == "X" else str((int(good) + 1) % 10))

    _replace_id(d, rng, "ID002", wrong_check, "check character changed")


def _plant_id003(d: _Draft, rng: random.Random) -> None:
    # 30 February of the same year with a recomputed check character, so only the date is
    # wrong; the sequence (and so the sex digit) is kept. ID005 cannot compare an age with
    # an impossible date, and the EDU rules fall back to 年龄 (an adult out of school).
    def feb30(s: str) -> str:
        first17 = s[:10] + "0230" + s[14:17]
        return first17 + check_digit(first17)

    _replace_id(d, rng, "ID003", feb30, "birth date 30 February")


def _plant_id006(d: _Draft, rng: random.Random) -> None:
    # A Guangzhou (440106) region with a recomputed check character: valid, born and sexed
    # as before, only outside Hainan. A spouse's birthplace is the usual reason.
    def guangzhou(s: str) -> str:
        first17 = "440106" + s[6:17]
        return first17 + check_digit(first17)

    _replace_id(d, rng, "ID006", guangzhou, "region code 440106 (广州市天河区)")


def _plant_id004(d: _Draft, rng: random.Random) -> None:
    # Flip 性别 (not the ID). The person must have a relation that fits either sex, or
    # HH010 fires, and no spouse may be compared with them, or HH009 fires: a head with
    # no 配偶 in the household, or a 之兄弟姐妹.
    def fits(h: Row, m: Row, pos: int) -> bool:
        members = d.members[h["household_id"]]
        if m["relation"] == "户主":
            return all(o["relation"] != "配偶" for o in members)
        return m["relation"] == "之兄弟姐妹"

    _h, m = _pick_member(d, rng, "ID004", fits, alone=True)
    m["sex"] = "女" if m["sex"] == "男" else "男"
    _plant(
        d,
        "ID004",
        "members",
        m["id_number"],
        "sex",
        f"性别 {m['sex']} but the ID says otherwise",
        m,
    )


def _plant_id005(d: _Draft, rng: random.Random) -> None:
    # 年龄 three years too high. The EDU rules use the ID's birth date, not 年龄, so only
    # ID005 can see it; an adult out of school all the same.
    _h, m = _pick_member(
        d, rng, "ID005", lambda h, m, pos: m["age"] >= 22 and (m["school_status"] == "非在校生")
    )
    m["age"] += 3
    _plant(d, "ID005", "members", m["id_number"], "age", "年龄 three years too high", m)


# HH001-HH010 ----------------------------------------------------------------------------


def _plant_hh001(d: _Draft, rng: random.Random) -> None:
    # An extra member row (not a moved one, which would make HH003 fire twice) whose 户编号
    # is not in the households table. Its relation is 户主, so a checker grouping members
    # by 户编号 finds exactly one head in the orphan group (no HH004 there); the person is
    # otherwise clean: valid unique ID, insured, healthy adult, not in any other table.
    village: _Village = rng.choice(d.households)["_village"]
    existing = {x["household_id"] for x in d.households}
    n = 900001
    while f"{village.prefix}{n:06d}" in existing:
        n += 1
    hid = f"{village.prefix}{n:06d}"
    sex = "男"
    name = _surname(rng) + _given_name(rng, sex)
    m = _member(rng, d, village, hid, ("户主", sex, rng.randint(35, 55)), name)
    m.update(
        school_status="非在校生",
        education_aid=False,
        health="健康",
        chronic_disease=None,
        tb_cured=None,
    )
    d.orphans.append(m)
    _plant(
        d,
        "HH001",
        "members",
        m["id_number"],
        "household_id",
        f"户编号 {hid} not in the households table",
        m,
    )


def _plant_hh002(d: _Draft, rng: random.Random) -> None:
    # A new household row whose members never made it into the members table: a clean
    # household in every other respect (business income ≤ 4000, so no 产业奖励 is missed,
    # PAY008; no claims, payments or loans). ASSUMED: for a household with no member rows
    # at all HH002 subsumes HH003 (size vs 0 rows), HH004 (no 户主) and HH006 (no 户主 to
    # compare head_name/head_id_number with); only HH002 is expected.
    village: _Village = rng.choice(d.households)["_village"]
    taken = {h["household_id"] for h in d.households}
    n = 1
    while f"{village.prefix}{n:06d}" in taken:
        n += 1
    hid = f"{village.prefix}{n:06d}"
    h = _household(rng, d, village, hid, "脱贫户", rng.random() < 0.3)
    d.members[hid] = []
    h["business_net_income"] = float(rng.randrange(0, 3800, 50))
    d.households.append(h)
    d.structural.add(id(h))
    _plant(d, "HH002", "households", hid, "household_id", "household has no member rows", h)


def _plant_hh003(d: _Draft, rng: random.Random) -> None:
    # One more than the member rows; nothing else reads household_size.
    h = _pick_household(d, rng, "HH003", lambda h: True)
    h["household_size"] += 1
    _plant(
        d,
        "HH003",
        "households",
        h["household_id"],
        "household_size",
        f"家庭人口数 {h['household_size']} but {h['household_size'] - 1} member rows",
        h,
    )


def _plant_hh004(d: _Draft, rng: random.Random) -> None:
    # A second 户主: the spouse, when there is one (no 配偶 is left, so HH009 cannot fire),
    # else a member of a household without a spouse. 户主 implies no sex (HH010). The real
    # head stays first and matches head_name/head_id_number. ASSUMED: HH006 compares with
    # the head only when there is exactly one 户主 (HH004 covers the rest).
    def target(members: list[Row]) -> Row | None:
        spouses = [m for m in members if m["relation"] == "配偶"]
        if spouses:
            return spouses[0]
        return members[1] if len(members) > 1 else None

    h = _pick_household(
        d, rng, "HH004", lambda h: target(d.members[h["household_id"]]) is not None, alone=True
    )
    m = target(d.members[h["household_id"]])
    assert m is not None
    m["relation"] = "户主"
    _plant(
        d,
        "HH004",
        "households",
        h["household_id"],
        "household_id",
        f"two 户主 ({m['name']} too)",
        h,
    )


def _plant_hh005(d: _Draft, rng: random.Random) -> None:
    # One person registered twice: of two members X and Y of different households, the
    # one in the later household takes the other's name, ID and age (so ID004/ID005
    # agree). They share sex, so the relation of the later row still fits (HH010). Both
    # are non-head, non-spouse adults out of school whom no claim, payment or loan points
    # at (the overwritten ID vanishes; the other gains a twin). HH005 is reported on the
    # later row only.
    pred = _unreferenced_plain_adult(d)
    _hx, x = _pick_member(d, rng, "HH005", pred)

    def twin(h: Row, m: Row, pos: int) -> bool:
        return pred(h, m, pos) and m["sex"] == x["sex"] and h["household_id"] != x["household_id"]

    _hy, y = _pick_member(d, rng, "HH005", twin)
    a, b = sorted((x, y), key=lambda m: m["household_id"])
    b.update(name=a["name"], id_number=a["id_number"], age=a["age"], _born=a["_born"], _a8=a["_a8"])
    _plant(
        d,
        "HH005",
        "members",
        b["id_number"],
        "id_number",
        f"证件号码 also in household {a['household_id']}",
        b,
    )


def _plant_hh006(d: _Draft, rng: random.Random) -> None:
    # head_name differs from the 户主 row's name (a clerk's variant spelling).
    h = _pick_household(d, rng, "HH006", lambda h: len(d.members[h["household_id"]]) > 0)
    head = d.members[h["household_id"]][0]
    given = _given_name(rng, head["sex"])
    while head["name"][0] + given == head["name"]:
        given = _given_name(rng, head["sex"])
    h["head_name"] = head["name"][0] + given
    _plant(
        d,
        "HH006",
        "households",
        h["household_id"],
        "head_name",
        f"户主姓名 {h['head_name']} but the 户主 row says {head['name']}",
        h,
    )


def _plant_hh007(d: _Draft, rng: random.Random) -> None:
    # A 脱贫之星奖励 of the right amount (PAY010 quiet) paid to a valid Sanya ID that is
    # in no household; its 户编号 is a real household's (nothing compares the two).
    h = rng.choice(d.households)
    village: _Village = h["_village"]
    born = _birth(rng, rng.randint(30, 55))
    ghost = {
        "id_number": d.new_id(village.region, born, "男"),
        "household_id": h["household_id"],
        "name": _surname(rng) + _given_name(rng, "男"),
    }
    row = _payment(ghost, "脱贫之星奖励", 5000, dt.date(2020, 10, 17))
    d.payments.append(row)
    d.claimed.add(id(row))
    _plant(
        d,
        "HH007",
        "payments",
        row["id_number"],
        "id_number",
        "领取人 not in the members table",
        row,
    )


def _plant_hh008(d: _Draft, rng: random.Random) -> None:
    # Flat sheets only: the second row of a 脱贫户 shows 人均纯收入 500 higher than the
    # household's first row. The new value is still a valid 脱贫户 income, so even a
    # checker reading that row would see no INC finding; the households frame is unchanged.
    h = _pick_household(
        d,
        rng,
        "HH008",
        lambda h: h["household_type"] == "脱贫户" and len(d.members[h["household_id"]]) >= 2,
        alone=True,
    )
    m = d.members[h["household_id"]][1]
    value = _money(h["per_capita_net_income"] + 500)
    d.overrides.append((m, {"per_capita_net_income": value}))
    _plant(
        d,
        "HH008",
        "members",
        m["id_number"],
        "per_capita_net_income",
        f"flat sheet: 人均纯收入 {value} on this row, {h['per_capita_net_income']} on the "
        "household's first row",
        m,
    )


def _plant_hh009(d: _Draft, rng: random.Random) -> None:
    # A member of the head's sex relabelled 配偶 in a household that had no 配偶: one 配偶
    # row, same sex as the 户主. 配偶 implies no sex of its own, so HH010 stays quiet.
    def fits(h: Row, m: Row, pos: int) -> bool:
        members = d.members[h["household_id"]]
        return (
            pos > 0
            and m["age"] >= 18
            and m["sex"] == members[0]["sex"]
            and all(o["relation"] != "配偶" for o in members)
        )

    _h, m = _pick_member(d, rng, "HH009", fits, alone=True)
    m["relation"] = "配偶"
    _plant(
        d,
        "HH009",
        "members",
        m["id_number"],
        "relation",
        f"配偶 of the same sex ({m['sex']}) as the 户主",
        m,
    )


def _plant_hh010(d: _Draft, rng: random.Random) -> None:
    # 之子 ↔ 之女 (or 之孙子/之孙女, 之父/之母) while 性别 and the ID stay as they were.
    _h, m = _pick_member(
        d, rng, "HH010", lambda h, m, pos: m["relation"] in _OPPOSITE_RELATION, alone=True
    )
    m["relation"] = _OPPOSITE_RELATION[m["relation"]]
    _plant(
        d, "HH010", "members", m["id_number"], "relation", f"{m['relation']} but 性别 {m['sex']}", m
    )


# INC001-INC006 --------------------------------------------------------------------------


def _household_plant(
    d: _Draft,
    rng: random.Random,
    code: str,
    pred: Callable[[Row], bool],
    column: str,
    value: Any,
    note: str,
) -> None:
    h = _pick_household(d, rng, code, pred)
    h[column] = value
    _plant(d, code, "households", h["household_id"], column, note, h)


def _of_type(*types: str) -> Callable[[Row], bool]:
    return lambda h: h["household_type"] in types


def _plant_inc001(d: _Draft, rng: random.Random) -> None:
    # A 脱贫户 below 4000 but above 0 (INC006 quiet).
    _household_plant(
        d,
        rng,
        "INC001",
        _of_type("脱贫户"),
        "per_capita_net_income",
        _money(rng.uniform(3200, 3950)),
        "人均纯收入 below the poverty line",
    )


def _plant_inc002(d: _Draft, rng: random.Random) -> None:
    # An 边缘户 above 1.5 × 4000; INC001 is for 脱贫户 only, INC006 needs > 100000.
    _household_plant(
        d,
        rng,
        "INC002",
        _of_type("边缘户"),
        "per_capita_net_income",
        _money(rng.uniform(6500, 7800)),
        "边缘户 人均纯收入 above 6000",
    )


def _plant_inc003(d: _Draft, rng: random.Random) -> None:
    # 风险类型 emptied for an 边缘户 (INC004 asks 帮扶措施 of 脱贫监测户 only).
    _household_plant(
        d, rng, "INC003", _of_type("边缘户", "脱贫监测户"), "risk_type", None, "风险类型 empty"
    )


def _plant_inc004(d: _Draft, rng: random.Random) -> None:
    _household_plant(
        d,
        rng,
        "INC004",
        _of_type("脱贫监测户"),
        "assistance_measures",
        None,
        "脱贫监测户 without 帮扶措施",
    )


def _plant_inc005(d: _Draft, rng: random.Random) -> None:
    _household_plant(
        d, rng, "INC005", _of_type("脱贫户"), "exit_year", 2013, "脱贫年度 2013, before 2014"
    )


def _plant_inc006(d: _Draft, rng: random.Random) -> None:
    # Implausibly high for a 脱贫户 (a household total in 分, say); INC001 needs < 4000.
    _household_plant(
        d,
        rng,
        "INC006",
        _of_type("脱贫户"),
        "per_capita_net_income",
        float(rng.randrange(120000, 480000, 10)),
        "人均纯收入 above 100000",
    )


# MED001-MED004, MED020-MED022 -----------------------------------------------------------


def _member_plant(
    d: _Draft,
    rng: random.Random,
    code: str,
    pred: Callable[[Row, Row, int], bool],
    changes: Row,
    column: str,
    note: str,
) -> None:
    _h, m = _pick_member(d, rng, code, pred)
    m.update(changes)
    _plant(d, code, "members", m["id_number"], column, note, m)


def _adult(h: Row, m: Row, pos: int) -> bool:
    return m["age"] >= 18 and m["school_status"] == "非在校生"


def _healthy_adult(h: Row, m: Row, pos: int) -> bool:
    return _adult(h, m, pos) and m["health"] == "健康" and m["age"] >= 30


def _plant_med001(d: _Draft, rng: random.Random) -> None:
    _member_plant(
        d,
        rng,
        "MED001",
        _adult,
        {"basic_medical_insurance": False},
        "basic_medical_insurance",
        "not in basic medical insurance",
    )


def _plant_med002(d: _Draft, rng: random.Random) -> None:
    _member_plant(
        d,
        rng,
        "MED002",
        _adult,
        {"critical_illness_insurance": False},
        "critical_illness_insurance",
        "not in critical-illness insurance",
    )


def _plant_med003(d: _Draft, rng: random.Random) -> None:
    # 280 yuan: the 2020 individual contribution, i.e. not subsidised at all.
    _member_plant(
        d, rng, "MED003", _adult, {"personal_premium": 280.0}, "personal_premium", "个人缴费 280"
    )


def _plant_med004(d: _Draft, rng: random.Random) -> None:
    _household_plant(
        d, rng, "MED004", _of_type("脱贫户"), "commercial_insurance", 100.0, "商业保险 100 < 150"
    )


def _chronic(disease: str, doctor: bool, services: int) -> Row:
    return {
        "health": "长期慢性病",
        "chronic_disease": disease,
        "family_doctor_signed": doctor,
        "health_services": services,
    }


def _plant_med020(d: _Draft, rng: random.Random) -> None:
    # A healthy adult becomes a 高血压 patient with a family doctor but 2 services (< 4).
    _member_plant(
        d,
        rng,
        "MED020",
        _healthy_adult,
        _chronic("高血压", True, 2),
        "health_services",
        "高血压, 2 services < 4",
    )


def _plant_med021(d: _Draft, rng: random.Random) -> None:
    _member_plant(
        d,
        rng,
        "MED021",
        _healthy_adult,
        _chronic("其他", True, 0),
        "health_services",
        "other chronic disease, 0 services",
    )


def _plant_med022(d: _Draft, rng: random.Random) -> None:
    # Enough services (6 ≥ 4, MED020 quiet), no family doctor.
    _member_plant(
        d,
        rng,
        "MED022",
        _healthy_adult,
        _chronic("糖尿病", False, 6),
        "family_doctor_signed",
        "糖尿病 without family doctor",
    )


# MED010-MED015: claims ------------------------------------------------------------------


def _claim_plant(
    d: _Draft,
    rng: random.Random,
    code: str,
    *,
    extreme: bool,
    visit: str,
    column: str,
    note: str,
    **kwargs: Any,
) -> Row:
    """A new claim of a person (of an extreme-poverty household or not, as asked).

    Anyone whose row carries no plant will do (a planted ID would break the claim's ID
    cell too); a claim bears on no rule of members or households. It is sorted among the
    others by its settlement date.
    """
    for h in rng.sample(d.households, len(d.households)):
        if bool(h["extreme_poverty_support"]) != extreme:
            continue
        members = [m for m in d.members[h["household_id"]] if id(m) not in d.claimed]
        if members:
            person = members[rng.randrange(len(members))]
            row = _claim(rng, person, visit, extreme=extreme, **kwargs)
            d.medical.append(row)
            d.claimed.add(id(row))
            _plant(d, code, "medical", row["id_number"], column, note, row)
            return row
    raise PlantError(f"cannot plant {code}: no suitable person left; generate more")


def _plant_med010(d: _Draft, rng: random.Random) -> None:
    # 住院 at 0.86: insurance 45 %, assistance 41 % of eligible = 75 % of the 55 % burden
    # (MED014 quiet); not an extreme-poverty person (MED012 quiet).
    _claim_plant(
        d,
        rng,
        "MED010",
        extreme=False,
        visit="住院",
        column="assistance_paid",
        note="住院 actual ratio 0.86 < 0.90",
        shares=(0.40, 0.05, 0.0),
        residual=0.14,
    )


def _plant_med011(d: _Draft, rng: random.Random) -> None:
    # 特殊疾病门诊 at 0.76: insurance 10 %, assistance 66 % = 73 % of the 90 % burden.
    _claim_plant(
        d,
        rng,
        "MED011",
        extreme=False,
        visit="特殊疾病门诊",
        column="assistance_paid",
        note="特殊疾病门诊 actual ratio 0.76 < 0.80",
        shares=(0.10, 0.0, 0.0),
        residual=0.24,
    )


def _plant_med012(d: _Draft, rng: random.Random) -> None:
    # An extreme-poverty person's 住院 at 0.95: ≥ 0.90 (MED010 quiet), assistance 25 % of
    # a 30 % burden (MED014 quiet), but not the full 1.00.
    _claim_plant(
        d,
        rng,
        "MED012",
        extreme=True,
        visit="住院",
        column="assistance_paid",
        note="特困供养 claim at actual ratio 0.95 < 1.00",
        shares=(0.65, 0.05, 0.0),
        residual=0.05,
    )


def _plant_med013(d: _Draft, rng: random.Random) -> None:
    # A local, designated 住院 whose 起付线 is 600; the deductible enters no sum.
    row = _claim_plant(
        d,
        rng,
        "MED013",
        extreme=False,
        visit="住院",
        column="deductible",
        note="起付线 600 at a local designated hospital",
    )
    row["deductible"] = 600.0


def _plant_med014(d: _Draft, rng: random.Random) -> None:
    # 慢性病门诊 (no ratio rule): insurance 50 %, assistance 20 % = 40 % of the burden.
    _claim_plant(
        d,
        rng,
        "MED014",
        extreme=False,
        visit="慢性病门诊",
        column="assistance_paid",
        note="医疗救助 40 % of the burden < 70 %",
        shares=(0.50, 0.0, 0.0),
        residual=0.30,
    )


def _plant_med015(d: _Draft, rng: random.Random) -> None:
    # 医疗总费用 100 yuan more than reimbursed + 个人自付; eligible stays ≤ total, ratios
    # (reimbursed / eligible) are unchanged.
    row = _claim_plant(
        d,
        rng,
        "MED015",
        extreme=False,
        visit="住院",
        column="total_cost",
        note="医疗总费用 exceeds reimbursed + 个人自付 by 100",
    )
    row["total_cost"] = _money(row["total_cost"] + 100)


# EDU001-EDU003 --------------------------------------------------------------------------


def _plant_edu001(d: _Draft, rng: random.Random) -> None:
    # A 7-14 year old (at 2020-08-31; a year inside the band on both sides), not disabled,
    # marked 辍学. Not enrolled, so EDU002 does not ask for aid (set to 否) and EDU003 has
    # no level to compare.
    _member_plant(
        d,
        rng,
        "EDU001",
        lambda h, m, pos: 7 <= m["_a8"] <= 14 and "残疾" not in m["health"],
        {"school_status": "辍学", "education_aid": False},
        "school_status",
        "compulsory-age child 辍学",
    )


def _plant_edu002(d: _Draft, rng: random.Random) -> None:
    # A 小学/初中 pupil (surely "enrolled" whatever a checker makes of 学前教育) not aided.
    _member_plant(
        d,
        rng,
        "EDU002",
        lambda h, m, pos: m["school_status"] in ("小学", "初中"),
        {"education_aid": False},
        "education_aid",
        "pupil without education aid",
    )


def _plant_edu003(d: _Draft, rng: random.Random) -> None:
    # A 6-9 year old (≤ 10 at 2020-12-31) recorded as 高中 (14-20): still enrolled and aided.
    _member_plant(
        d,
        rng,
        "EDU003",
        lambda h, m, pos: 6 <= m["_a8"] <= 9,
        {"school_status": "高中"},
        "school_status",
        "高中 at age 6-10",
    )


# HOU001, WAT001-WAT003 ------------------------------------------------------------------


def _plant_hou001(d: _Draft, rng: random.Random) -> None:
    _household_plant(d, rng, "HOU001", _of_type("脱贫户"), "housing_safe", False, "住房安全 否")


def _plant_wat001(d: _Draft, rng: random.Random) -> None:
    _household_plant(d, rng, "WAT001", _of_type("脱贫户"), "water_safe", False, "饮水安全 否")


def _plant_wat002(d: _Draft, rng: random.Random) -> None:
    _household_plant(
        d,
        rng,
        "WAT002",
        _of_type("脱贫户"),
        "water_check_2",
        None,
        "second water inspection missing",
    )


def _plant_wat003(d: _Draft, rng: random.Random) -> None:
    _household_plant(
        d,
        rng,
        "WAT003",
        _of_type("脱贫户"),
        "water_quality_test",
        _rand_date(rng, dt.date(2020, 11, 3), dt.date(2020, 12, 15)),
        "水质检测 after 2020-10-31",
    )


# PAY001-PAY010 --------------------------------------------------------------------------


def _payment_plant(
    d: _Draft,
    rng: random.Random,
    code: str,
    item: str,
    column: str,
    note: str,
    change: Callable[[Row], None],
    pred: Callable[[Row], bool] = lambda p: True,
    fresh: Callable[[Row], Row] | None = None,
) -> Row:
    """Mutate an unclaimed payment of ``item``; when there is none, append one first.

    A fresh payment goes to an adult of an unclaimed household that has no payment of
    the item yet, so no "paid twice" rule can fire with it.
    """
    rows = [p for p in d.payments if p["item"] == item and id(p) not in d.claimed and pred(p)]
    if rows:
        row = rows[rng.randrange(len(rows))]
    else:
        if fresh is None:
            raise PlantError(f"cannot plant {code}: no {item} payment; generate more")
        paid_households = {p["household_id"] for p in d.payments if p["item"] == item}
        _h, m = _pick_member(
            d,
            rng,
            code,
            lambda h, m, pos: (
                m["age"] >= 18 and h["household_id"] not in paid_households and pos == 0
            ),
        )
        row = fresh(m)
        d.payments.append(row)
    d.claimed.add(id(row))
    change(row)
    _plant(d, code, "payments", row["id_number"], column, note, row)
    return row


def _set(**changes: Any) -> Callable[[Row], None]:
    return lambda row: row.update(changes)


def _plant_pay001(d: _Draft, rng: random.Random) -> None:
    # 6 months paid 1000 instead of 1200; on time, months ≤ 6.
    _payment_plant(
        d,
        rng,
        "PAY001",
        "生态补偿金",
        "amount",
        "生态补偿金 1000 for 6 months",
        _set(amount=1000.0),
        fresh=lambda m: _eco_payments(rng, m)[0],
    )


def _plant_pay002(d: _Draft, rng: random.Random) -> None:
    # A 下半年 payment made in November; the amount stays right.
    _payment_plant(
        d,
        rng,
        "PAY002",
        "生态补偿金",
        "paid_on",
        "下半年 paid after 10-31",
        _set(paid_on=_rand_date(rng, dt.date(2020, 11, 5), dt.date(2020, 11, 27))),
        pred=lambda p: p["period"] == "下半年",
        fresh=lambda m: _eco_payments(rng, m)[1],
    )


def _plant_pay003(d: _Draft, rng: random.Random) -> None:
    _payment_plant(
        d,
        rng,
        "PAY003",
        "跨省务工交通补助",
        "amount",
        "跨省 transport 600 ≠ 800",
        _set(amount=600.0),
        fresh=lambda m: _payment(m, "跨省务工交通补助", 800, dt.date(2020, 4, 9)),
    )


def _plant_pay004(d: _Draft, rng: random.Random) -> None:
    # One month short of 300 × months; months stay ≥ 6.
    _payment_plant(
        d,
        rng,
        "PAY004",
        "外出务工奖补",
        "amount",
        "外出务工奖补 ≠ 300 × months",
        lambda p: p.update(amount=float(300 * (p["months"] - 1))),
        fresh=lambda m: _payment(m, "外出务工奖补", 2400, dt.date(2020, 12, 4), 8),
    )


def _plant_pay005(d: _Draft, rng: random.Random) -> None:
    _payment_plant(
        d,
        rng,
        "PAY005",
        "灵活就业奖励",
        "amount",
        "灵活就业奖励 ≠ 200 × months",
        lambda p: p.update(amount=float(250 * p["months"])),
        fresh=lambda m: _payment(m, "灵活就业奖励", 1200, dt.date(2020, 12, 8), 6),
    )


def _plant_pay006(d: _Draft, rng: random.Random) -> None:
    _payment_plant(
        d,
        rng,
        "PAY006",
        "创业补贴",
        "amount",
        "创业补贴 5000 ≠ 6000",
        _set(amount=5000.0),
        fresh=lambda m: _payment(m, "创业补贴", 6000, dt.date(2020, 8, 12)),
    )


def _plant_pay007(d: _Draft, rng: random.Random) -> None:
    # 800 instead of 1000 to a household that earns its 产业奖励; claimed so PAY008 does not
    # remove this very row. No fallback: every such household already has one.
    row = _payment_plant(
        d, rng, "PAY007", "产业奖励", "amount", "产业奖励 800 ≠ 1000", _set(amount=800.0)
    )
    for h in d.households:
        if h["household_id"] == row["household_id"]:
            d.household_plant.add(id(h))


def _plant_pay008(d: _Draft, rng: random.Random) -> None:
    # Remove the one 产业奖励 of a household earning > 4000 from its business.
    paid = {p["household_id"]: p for p in d.payments if p["item"] == "产业奖励"}

    def fits(h: Row) -> bool:
        p = paid.get(h["household_id"])
        return h["business_net_income"] > 4000 and p is not None and id(p) not in d.claimed

    h = _pick_household(d, rng, "PAY008", fits)
    d.payments.remove(paid[h["household_id"]])
    _plant(
        d,
        "PAY008",
        "households",
        h["household_id"],
        "business_net_income",
        "经营性纯收入 > 4000 but no 产业奖励",
        h,
    )


def _plant_pay009(d: _Draft, rng: random.Random) -> None:
    _payment_plant(
        d,
        rng,
        "PAY009",
        "残疾人生产扶持",
        "amount",
        "残疾人生产扶持 3000 ≠ 5000",
        _set(amount=3000.0),
        fresh=lambda m: _payment(m, "残疾人生产扶持", 5000, dt.date(2020, 6, 18)),
    )


def _plant_pay010(d: _Draft, rng: random.Random) -> None:
    _payment_plant(
        d,
        rng,
        "PAY010",
        "脱贫之星奖励",
        "amount",
        "脱贫之星奖励 2000 ≠ 5000",
        _set(amount=2000.0),
        fresh=lambda m: _payment(m, "脱贫之星奖励", 5000, dt.date(2020, 10, 17)),
    )


# LOAN001, LOAN002 -----------------------------------------------------------------------


def _loan_plant(
    d: _Draft,
    rng: random.Random,
    code: str,
    kind: str,
    column: str,
    note: str,
    change: Callable[[Row], None],
) -> None:
    rows = [r for r in d.loans if r["loan_type"] == kind and id(r) not in d.claimed]
    if rows:
        row = rows[rng.randrange(len(rows))]
    else:
        _h, m = _pick_member(d, rng, code, lambda h, m, pos: 18 <= m["age"] <= 60)
        row = _loan(rng, m, kind)
        d.loans.append(row)
    d.claimed.add(id(row))
    change(row)
    _plant(d, code, "loans", row["id_number"], column, note, row)


def _overdue(row: Row) -> None:
    # Due in June, 184 days overdue at 2020-12-31, nothing done; the term stays one year.
    row["due_on"] = dt.date(2020, 6, 30)
    row["issued_on"] = dt.date(2019, 6, 30)
    row.update(
        overdue_days=(AS_OF - row["due_on"]).days,
        repaid=False,
        extended=False,
        risk_compensation=False,
    )


def _plant_loan001(d: _Draft, rng: random.Random) -> None:
    _loan_plant(
        d,
        rng,
        "LOAN001",
        "扶贫小额信贷",
        "overdue_days",
        "184 days overdue, not repaid, extended or compensated",
        _overdue,
    )


def _plant_loan002(d: _Draft, rng: random.Random) -> None:
    _loan_plant(
        d,
        rng,
        "LOAN002",
        "创业担保贷款",
        "amount",
        "创业担保贷款 200000 > 150000",
        _set(amount=200000.0),
    )


# VIL001-VIL003 --------------------------------------------------------------------------


def _village_plant(
    d: _Draft, rng: random.Random, code: str, column: str, value: Any, note: str
) -> None:
    rows = [v for v in d.villages if id(v) not in d.claimed]
    if not rows:
        raise PlantError(f"cannot plant {code}: no village left")
    row = rows[rng.randrange(len(rows))]
    d.claimed.add(id(row))
    row[column] = value
    _plant(d, code, "villages", row["village"], column, note, row)


def _plant_vil001(d: _Draft, rng: random.Random) -> None:
    _village_plant(d, rng, "VIL001", "road_paved_rate", 0.88, "道路硬化率 88 %")


def _plant_vil002(d: _Draft, rng: random.Random) -> None:
    _village_plant(d, rng, "VIL002", "kva_per_household", 1.6, "户均配变容量 1.6 kVA")


def _plant_vil003(d: _Draft, rng: random.Random) -> None:
    _village_plant(d, rng, "VIL003", "fiber_4g", False, "no fiber and 4G")


_PLANTERS: dict[str, Callable[[_Draft, random.Random], None]] = {
    "F006": _plant_f006, "F007": _plant_f007, "F008": _plant_f008,
    "ID001": _plant_id001, "ID002": _plant_id002, "ID003": _plant_id003,
    "ID004": _plant_id004, "ID005": _plant_id005, "ID006": _plant_id006,
    "HH001": _plant_hh001, "HH002": _plant_hh002, "HH003": _plant_hh003,
    "HH004": _plant_hh004, "HH005": _plant_hh005, "HH006": _plant_hh006,
    "HH007": _plant_hh007, "HH008": _plant_hh008, "HH009": _plant_hh009,
    "HH010": _plant_hh010,
    "INC001": _plant_inc001, "INC002": _plant_inc002, "INC003": _plant_inc003,
    "INC004": _plant_inc004, "INC005": _plant_inc005, "INC006": _plant_inc006,
    "MED001": _plant_med001, "MED002": _plant_med002, "MED003": _plant_med003,
    "MED004": _plant_med004, "MED010": _plant_med010, "MED011": _plant_med011,
    "MED012": _plant_med012, "MED013": _plant_med013, "MED014": _plant_med014,
    "MED015": _plant_med015, "MED020": _plant_med020, "MED021": _plant_med021,
    "MED022": _plant_med022,
    "EDU001": _plant_edu001, "EDU002": _plant_edu002, "EDU003": _plant_edu003,
    "HOU001": _plant_hou001, "WAT001": _plant_wat001, "WAT002": _plant_wat002,
    "WAT003": _plant_wat003,
    "PAY001": _plant_pay001, "PAY002": _plant_pay002, "PAY003": _plant_pay003,
    "PAY004": _plant_pay004, "PAY005": _plant_pay005, "PAY006": _plant_pay006,
    "PAY007": _plant_pay007, "PAY008": _plant_pay008, "PAY009": _plant_pay009,
    "PAY010": _plant_pay010,
    "LOAN001": _plant_loan001, "LOAN002": _plant_loan002,
    "VIL001": _plant_vil001, "VIL002": _plant_vil002, "VIL003": _plant_vil003,
}  # fmt: skip


# Plants that need a household to themselves (and a particular shape of household) go
# first, while every household is still free; the rest follow in catalogue order.
_ALONE_FIRST = ("HH009", "ID004", "HH010", "HH004", "HH008")
_PLANT_ORDER = _ALONE_FIRST + tuple(c for c in INJECTABLE_CODES if c not in _ALONE_FIRST)

# --------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------


def _frame(rows: list[Row], table: str) -> pd.DataFrame:
    """Canonical columns only. Homogeneous int/float/bool columns get numpy dtypes; the
    rest stay ``object`` so that None, dates and planted odd values survive unchanged."""
    data: dict[str, pd.Series] = {}
    for col in HEADERS[table]:
        values = [r[col] for r in rows]
        kinds = {type(v) for v in values}
        if values and len(kinds) == 1 and kinds <= {int, float, bool}:
            data[col] = pd.Series(values, dtype=kinds.pop())
        else:
            data[col] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=list(HEADERS[table]))


def _ordered_members(d: _Draft) -> list[Row]:
    groups = [(h["household_id"], d.members[h["household_id"]]) for h in d.households]
    groups += [(m["household_id"], [m]) for m in d.orphans]
    groups.sort(key=lambda g: g[0])  # stable: an orphan lands among its village's households
    return [m for _hid, rows in groups for m in rows]


def _finalize(d: _Draft) -> SynthLedger:
    item_order = {item: i for i, item in enumerate(_PAY_ITEMS)}
    ordered = {
        "households": sorted(d.households, key=lambda h: h["household_id"]),
        "members": _ordered_members(d),
        # Claims by settlement date and payments by item then date, as offices keep them;
        # planted rows thereby land among the clean ones.
        "medical": sorted(d.medical, key=lambda r: r["settled_on"]),
        "payments": sorted(
            d.payments, key=lambda r: (item_order[r["item"]], r["paid_on"], r["household_id"])
        ),
        "loans": sorted(d.loans, key=lambda r: r["issued_on"]),
        "villages": d.villages,
    }
    position = {t: {id(r): i for i, r in enumerate(rows)} for t, rows in ordered.items()}
    injected = []
    for inj, row in d.plants:
        inj.row_index = position[inj.table][id(row)]
        injected.append(inj)
    overrides = {position["members"][id(m)]: values for m, values in d.overrides}
    tables = {t: _frame(ordered[t], t) for t in TABLE_ORDER}
    return SynthLedger(tables, injected, overrides)


def generate(
    households: int,
    *,
    seed: int = 0,
    inject: Sequence[str] = (),
    districts: Sequence[str] | None = None,
) -> SynthLedger:
    """A ledger of ``households`` households of the given districts (default: all five).

    ``inject`` lists codes to plant once each (see INJECTABLE_CODES); plants are made in
    catalogue order with their own random stream, so the clean part of the ledger is the
    same whatever is planted. Raises ValueError for an unknown code or district, and
    PlantError (a ValueError) when the ledger is too small to hold every plant.
    """
    if households < 1:
        raise ValueError("households must be at least 1")
    unknown = sorted(set(inject) - set(INJECTABLE_CODES))
    if unknown:
        raise ValueError(
            f"cannot inject {', '.join(unknown)}; injectable: {', '.join(INJECTABLE_CODES)}"
        )
    chosen = list(DISTRICTS) if districts is None else list(districts)
    bad = [x for x in chosen if x not in _GEOGRAPHY]
    if bad or not chosen or len(set(chosen)) != len(chosen):
        raise ValueError(f"districts must be distinct names from {DISTRICTS}, got {chosen}")
    chosen = [x for x in DISTRICTS if x in chosen]
    draft = _build_clean(random.Random(f"ledgercheck.synth:{seed}"), households, chosen)
    plant_rng = random.Random(f"ledgercheck.synth.plant:{seed}")
    wanted = set(inject)
    for code in _PLANT_ORDER:
        if code in wanted:
            _PLANTERS[code](draft, plant_rng)
    return _finalize(draft)


# --------------------------------------------------------------------------------------
# Writing workbooks
# --------------------------------------------------------------------------------------

LAYOUTS = ("office", "flat")
FORMATS = ("xlsx", "xls", "ods", "csv")
_XLS_MAX_ROWS = 65536
_TITLE_ROWS = 3  # title, 填报单位 or blank, header: data starts on row 4

_MONEY_COLUMNS = frozenset({
    "per_capita_net_income", "business_net_income", "commercial_insurance", "personal_premium",
    "total_cost", "eligible_cost", "deductible", "basic_insurance_paid",
    "critical_insurance_paid", "supplementary_paid", "assistance_paid", "out_of_pocket",
    "amount",
})  # fmt: skip
_RATIO_COLUMNS = frozenset({"road_paved_rate"})

# Headers as offices write them: aliases, unit suffixes, a line break (spec §1, §2).
_OFFICE_HEADERS: dict[str, dict[str, str]] = {
    "households": {
        "household_size": "家庭\n人口数",
        "head_id_number": "户主身份证号",
        "per_capita_net_income": "人均纯收入（元）",
        "business_net_income": "家庭经营性纯收入（元）",
        "commercial_insurance": "商业保险金额（元）",
        "minimum_living_allowance": "享受低保",
    },
    "members": {
        "id_number": "身份证号码",
        "basic_medical_insurance": "是否参加基本医保",
        "personal_premium": "个人缴费金额（元）",
    },
    "medical": {
        "id_number": "患者身份证号",
        "name": "患者姓名",
        "total_cost": "医疗总费用（元）",
        "eligible_cost": "合规费用（元）",
        "out_of_pocket": "个人自付（元）",
    },
    "payments": {"name": "领取人", "amount": "补助金额（元）"},
    "loans": {"amount": "贷款金额（元）"},
    "villages": {},
}

# National-system headers for the flat sheet (spec §2 "Headers seen in national exports").
_FLAT_HEADERS: dict[str, str] = {
    "district": "县(市、区、旗)",
    "town": "乡(镇)",
    "village": "村",
    "household_id": "户编号",
    "name": "姓名",
    "id_number": "证件号码",
    "sex": "性别",
    "_ethnicity": "民族",  # read and ignored (spec §2)
    "relation": "与户主关系",
    "age": "年龄",
    "school_status": "在校生状况",
    "education_aid": "是否享受教育资助",
    "health": "健康状况",
    "chronic_disease": "慢性病种类",
    "tb_cured": "肺结核是否治愈",
    "family_doctor_signed": "家庭医生签约",
    "health_services": "年度健康管理服务次数",
    "basic_medical_insurance": "是否参加新型农村合作医疗（城乡居民基本医疗保险）",
    "critical_illness_insurance": "是否参加大病保险",
    "personal_premium": "个人缴费金额",
    "employment": "务工状况",
    "months_worked": "务工时间（月）",
    "head_name": "户主姓名",
    "head_id_number": "户主证件号码",
    "household_type": "贫困户属性",
    "household_size": "当前家庭人口数",
    "exit_year": "脱贫年度",
    "per_capita_net_income": "人均纯收入",
    "business_net_income": "生产经营性收入",
    "risk_type": "致贫/返贫风险1",
    "assistance_measures": "帮扶措施",
    "housing_safe": "住房安全",
    "water_safe": "是否解决安全饮用水",
    "water_check_1": "饮水第一次核查日期",
    "water_check_2": "饮水第二次核查日期",
    "water_quality_test": "水质检测日期",
    "commercial_insurance": "商业保险金额",
    "minimum_living_allowance": "是否享受低保",
    "extreme_poverty_support": "是否特困供养人员",
}
# National-system spellings for the flat sheet (spec §1); canonical values elsewhere.
_FLAT_VALUES: dict[str, dict[str, str]] = {
    "household_type": {"脱贫监测户": "脱贫不稳定户", "边缘户": "边缘易致贫户"},
    "relation": {"之子": "儿子", "之女": "女儿", "之父": "父亲", "之母": "母亲"},
}
_GRADES = {12: "七年级", 13: "八年级", 14: "九年级", 15: "一年级", 16: "二年级", 17: "三年级"}

_TITLES = {
    "households": "{area}2020年脱贫户台账",
    "members": "{area}2020年脱贫户家庭成员信息表",
    "medical": "{area}2020年建档立卡人员医疗费用报销台账",
    "payments": "{area}2020年扶贫资金发放明细表",
    "loans": "{area}2020年扶贫小额信贷台账",
    "villages": "{area}2020年行政村基础设施指标",
    "flat": "{area}建档立卡脱贫人口信息（全国扶贫开发信息系统导出）",
}
_FOOTER = "填表人：        审核人：        填报日期：2020年12月31日"


@dataclass
class _Sheet:
    """One sheet (or CSV file) as laid out: rows of plain values, no booleans left."""

    name: str
    title: str
    note: str | None  # row 2: 填报单位 line, or None for a blank row
    columns: list[str]  # canonical (or '_ethnicity')
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None  # the 合计 row, when the sheet has one
    footer: bool = False
    cn_dates: bool = False  # dates shown as 2020年6月30日 (and written 2020/6/30 in CSV)
    # (table, row index in the ledger's frame) of each data row: the ground truth's map.
    sources: list[tuple[str, int]] = field(default_factory=list)


def _area(ledger: SynthLedger) -> str:
    districts = ledger.tables["households"]["district"].tolist()
    present = [x for x in DISTRICTS if x in districts]
    return present[0] if len(present) == 1 else "三亚市"


def _plain(value: Any, truth: tuple[str, str]) -> Any:
    """A frame value as a cell value: booleans spelt, NaN empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return truth[0] if value else truth[1]
    return value


def _records(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    return zip(*(frame[c].tolist() for c in frame.columns), strict=True)


def _office_sheet(ledger: SynthLedger, table: str, area: str) -> _Sheet:
    frame = ledger.tables[table]
    columns = list(HEADERS[table])
    headers = [_OFFICE_HEADERS[table].get(c, HEADERS[table][c]) for c in columns]
    # One table says √/× (spec §1): the hospitals' settlement export.
    truth = ("√", "×") if table == "medical" else ("是", "否")
    rows = [[_plain(v, truth) for v in rec] for rec in _records(frame)]
    sheet = _Sheet(
        SHEET_NAMES[table],
        _TITLES[table].format(area=area),
        f"填报单位：{area}扶贫开发办公室（盖章）" if table == "households" else None,
        columns,
        headers,
        rows,
        cn_dates=table == "payments",
    )
    sheet.sources = [(table, i) for i in range(len(rows))]
    if table == "households":
        total: list[Any] = [None] * len(columns)
        total[columns.index("household_size")] = int(frame["household_size"].sum())
        sheet.total = total
        sheet.footer = True
    return sheet


def _flat_value(col: str, value: Any, member: Row) -> Any:
    if col == "school_status":
        a8 = member["_a8"]
        if value == "非在校生":
            return None  # the national system leaves it empty
        if value == "学前教育":
            return "学龄前儿童"
        if value == "初中" and a8 in _GRADES:
            return _GRADES[a8]
        if value == "高中":
            return "普通高中" + _GRADES.get(a8, "一年级")
        return value
    return _FLAT_VALUES.get(col, {}).get(value, value) if isinstance(value, str) else value


def _flat_sheet(ledger: SynthLedger, area: str) -> _Sheet:
    """One row per person with the household's fields repeated (national-system style).

    Member rows whose 户编号 has no household (HH001) and households without members
    (HH002) cannot be shown in such a sheet and are left out.
    """
    households = {rec[0]: rec for rec in _records(ledger.tables["households"])}
    hh_cols = list(HEADERS["households"])
    mem_cols = list(HEADERS["members"])
    columns = list(_FLAT_HEADERS)
    rows: list[list[Any]] = []
    sources: list[tuple[str, int]] = []
    for i, rec in enumerate(_records(ledger.tables["members"])):
        member = dict(zip(mem_cols, rec, strict=True))
        hh = households.get(member["household_id"])
        if hh is None:
            continue
        household = dict(zip(hh_cols, hh, strict=True))
        household.update(ledger.flat_overrides.get(i, {}))
        member["_a8"] = _a8_of(member)
        # 黎族 and 汉族 villages: a column the checker reads and ignores.
        ethnic = "汉族" if int(str(member["household_id"])[-3:]) % 3 == 0 else "黎族"
        row = []
        for col in columns:
            if col == "_ethnicity":
                row.append(ethnic)
            elif col in member:
                row.append(_plain(_flat_value(col, member[col], member), ("是", "否")))
            else:
                row.append(_plain(_flat_value(col, household[col], member), ("是", "否")))
        rows.append(row)
        sources.append(("members", i))
    sheet = _Sheet(
        FLAT_SHEET,
        _TITLES["flat"].format(area=area),
        None,
        columns,
        list(_FLAT_HEADERS.values()),
        rows,
    )
    sheet.sources = sources
    return sheet


def _a8_of(member: Row) -> int:
    """Age at the school-year date from the ID, else from 年龄 (planted IDs may be broken)."""
    id_number = member["id_number"]
    if isinstance(id_number, str) and len(id_number) == 18 and id_number[:17].isdigit():
        try:
            born = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
            return _age_at(born, SCHOOL_YEAR_DATE)
        except ValueError:
            pass
    return int(member["age"]) - 1


def _layout_sheets(ledger: SynthLedger, layout: str) -> list[_Sheet]:
    area = _area(ledger)
    if layout == "office":
        return [_office_sheet(ledger, t, area) for t in TABLE_ORDER]
    rest = [_office_sheet(ledger, t, area) for t in TABLE_ORDER[2:]]
    return [_flat_sheet(ledger, area), *rest]


def _split_for_xls(sheets: list[_Sheet]) -> list[_Sheet]:
    """xls holds 65536 rows a sheet: continue long tables on 成员信息(2), (3), …"""
    room = _XLS_MAX_ROWS - _TITLE_ROWS - 2  # 合计 and footer
    out = []
    for sheet in sheets:
        if len(sheet.rows) <= room:
            out.append(sheet)
            continue
        for k, start in enumerate(range(0, len(sheet.rows), room), start=1):
            part = _Sheet(
                sheet.name if k == 1 else f"{sheet.name}({k})",
                sheet.title,
                sheet.note,
                sheet.columns,
                sheet.headers,
                sheet.rows[start : start + room],
                cn_dates=sheet.cn_dates,
            )
            part.sources = sheet.sources[start : start + room]
            if start + room >= len(sheet.rows):
                part.total, part.footer = sheet.total, sheet.footer
            out.append(part)
    return out


def _truth(ledger: SynthLedger, sheets: list[_Sheet]) -> list[dict[str, Any]]:
    """Where each plant lands: sheet and the 1-based row a person sees."""
    where: dict[tuple[str, int], tuple[int, str, int]] = {}
    for s_index, sheet in enumerate(sheets):
        for r, source in enumerate(sheet.sources):
            where[source] = (s_index, sheet.name, _TITLE_ROWS + 1 + r)
    # A flat sheet reports household findings on the household's first row.
    hh_ids = ledger.tables["households"]["household_id"].tolist()
    member_hids = ledger.tables["members"]["household_id"].tolist()
    first_member: dict[str, int] = {}
    for i, hid in enumerate(member_hids):
        first_member.setdefault(hid, i)
    flat = any(s.name == FLAT_SHEET for s in sheets)
    out = []
    for inj in ledger.injected:
        assert inj.row_index is not None
        source = (inj.table, inj.row_index)
        if flat and inj.table == "households":
            first = first_member.get(hh_ids[inj.row_index])
            source = ("members", first) if first is not None else ("none", -1)
        if inj.code == "HH008" and not flat:
            continue  # separate households/members sheets cannot disagree row by row
        if source not in where:
            continue  # HH001/HH002 have no row in a flat sheet
        s_index, name, row = where[source]
        out.append(
            (
                s_index,
                row,
                inj.column or "",
                inj.code,
                {"code": inj.code, "sheet": name, "row": row, "column": inj.column},
            )
        )
    out.sort(key=lambda t: t[:4])
    return [t[4] for t in out]


def write_workbook(
    ledger: SynthLedger, path: Path, *, layout: str = "office", fmt: str = "xlsx"
) -> list[dict[str, Any]]:
    """Write the ledger and return the ground truth of its plants.

    layout "office": one sheet per table (户信息, 成员信息, …) with a merged title row, a
    填报单位 line or a blank row, the header on row 3, a 序号 column, a 合计 row and a
    填表人 footer under 户信息. layout "flat": households and members on one national-system
    sheet (家庭成员明细), one row per person. fmt "csv" writes one file per sheet into the
    directory ``path``, named ``<sheet>.csv`` (成员信息/家庭成员明细 in GB18030, the rest
    UTF-8 with BOM); fmt "xls" continues a table past 65536 rows on 成员信息(2), ….

    Ground truth: {"code", "sheet", "row", "column"} per plant: the sheet name (for CSV the
    file's stem), the 1-based row a person sees (title rows counted; for CSV the line), the
    canonical column; in sheet then row order. Household findings of a flat sheet are on
    the household's first row. Plants a layout cannot show are left out: HH008 outside a
    flat sheet, HH001 (member of no household) and HH002 (household of no member) in one.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    sheets = _layout_sheets(ledger, layout)
    if fmt == "xls":
        sheets = _split_for_xls(sheets)
    writer = {"xlsx": _write_xlsx, "xls": _write_xls, "ods": _write_ods, "csv": _write_csv}
    writer[fmt](sheets, Path(path))
    return _truth(ledger, sheets)


def _grid(sheet: _Sheet) -> Iterator[tuple[int, list[Any], str]]:
    """(0-based row, cells, kind) of every row below the title; 序号 prepended."""
    yield 1, [sheet.note] if sheet.note else [], "note"
    yield 2, ["序号", *sheet.headers], "header"
    r = _TITLE_ROWS
    for n, row in enumerate(sheet.rows, start=1):
        yield r, [n, *row], "data"
        r += 1
    if sheet.total is not None:
        yield r, ["合计", *sheet.total], "total"
        r += 1
    if sheet.footer:
        yield r, [_FOOTER], "footer"


def _width(col: str) -> int:
    if col in ("id_number", "head_id_number", "household_id"):
        return 21
    if col == "assistance_measures":
        return 26
    return 12


def _write_xlsx(sheets: list[_Sheet], path: Path) -> None:
    import xlsxwriter  # a dev dependency: only the generator writes workbooks

    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    # A fixed creation time keeps the file byte-for-byte reproducible.
    wb.set_properties(
        {
            "title": sheets[0].title,
            "author": "三亚市扶贫开发办公室",
            "created": dt.datetime(2020, 12, 31, 17, 30, 0),
        }
    )
    title_fmt = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    header_fmt = wb.add_format(
        {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1}
    )
    money_fmt = wb.add_format({"num_format": "#,##0.00"})
    ratio_fmt = wb.add_format({"num_format": "0.00%"})
    iso_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    cn_fmt = wb.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        cols = ["_seq", *sheet.columns]
        for c, col in enumerate(cols):
            ws.set_column(c, c, 6 if c == 0 else _width(col))
        ws.merge_range(0, 0, 0, len(cols) - 1, sheet.title, title_fmt)
        for r, cells, kind in _grid(sheet):
            for c, value in enumerate(cells):
                if value is None:
                    continue
                col = cols[c] if kind in ("data", "total") else ""
                if isinstance(value, str):
                    ws.write_string(r, c, value, header_fmt if kind == "header" else None)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, cn_fmt if sheet.cn_dates else iso_fmt)
                elif col in _MONEY_COLUMNS:
                    ws.write_number(r, c, value, money_fmt)
                elif col in _RATIO_COLUMNS:
                    ws.write_number(r, c, value, ratio_fmt)
                else:
                    ws.write_number(r, c, value)
    wb.close()


def _write_xls(sheets: list[_Sheet], path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    title_style = xlwt.easyxf("font: bold on, height 320; align: horiz center")
    header_style = xlwt.easyxf("font: bold on; align: wrap on, horiz center")
    iso = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    cn = xlwt.easyxf(num_format_str='YYYY"年"M"月"D"日"')
    money = xlwt.easyxf(num_format_str="#,##0.00")
    for sheet in sheets:
        ws = wb.add_sheet(sheet.name)
        cols = ["_seq", *sheet.columns]
        ws.write_merge(0, 0, 0, len(cols) - 1, sheet.title, title_style)
        for r, cells, kind in _grid(sheet):
            for c, value in enumerate(cells):
                if value is None:
                    continue
                col = cols[c] if kind in ("data", "total") else ""
                if kind == "header":
                    ws.write(r, c, value, header_style)
                elif isinstance(value, dt.date):
                    ws.write(r, c, value, cn if sheet.cn_dates else iso)
                elif col in _MONEY_COLUMNS and not isinstance(value, str):
                    ws.write(r, c, value, money)
                else:
                    ws.write(r, c, value)
    wb.save(str(path))


def _write_ods(sheets: list[_Sheet], path: Path) -> None:
    from odf import teletype
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import (
        CoveredTableCell,
        Table,
        TableCell,
        TableRow,
    )
    from odf.text import P

    def cell(value: Any) -> Any:
        if value is None:
            return TableCell()
        if isinstance(value, str):
            tc = TableCell(valuetype="string")
            p = P()
            teletype.addTextToElement(p, value)  # a '\n' becomes a line break
            tc.addElement(p)
            return tc
        if isinstance(value, dt.date):
            tc = TableCell(valuetype="date", datevalue=value.isoformat())
        else:
            tc = TableCell(valuetype="float", value=repr(value))
        tc.addElement(P(text=str(value)))
        return tc

    doc = OpenDocumentSpreadsheet()
    for sheet in sheets:
        table = Table(name=sheet.name)
        width = len(sheet.columns) + 1
        title = TableRow()
        head = TableCell(valuetype="string", numbercolumnsspanned=width)
        head.addElement(P(text=sheet.title))
        title.addElement(head)
        for _ in range(width - 1):
            title.addElement(CoveredTableCell())
        table.addElement(title)
        for _r, cells, _kind in _grid(sheet):
            tr = TableRow()
            for value in cells:
                tr.addElement(cell(value))
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))


def _csv_text(value: Any, cn_dates: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\n", "")  # a quoted line break would shift line numbers
    if isinstance(value, dt.date):
        return f"{value.year}/{value.month}/{value.day}" if cn_dates else value.isoformat()
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:.5E}"  # as Excel shows a long number: 4.60203E+17
    if isinstance(value, float):
        return f"{value:.2f}" if value != int(value) else str(int(value))
    return str(value)


def _write_csv(sheets: list[_Sheet], path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for sheet in sheets:
        # Members exported from an old Excel in the system code page; the rest as CSV UTF-8.
        gbk = sheet.name in (SHEET_NAMES["members"], FLAT_SHEET)
        encoding = "gb18030" if gbk else "utf-8-sig"
        width = len(sheet.columns) + 1
        with (path / f"{sheet.name}.csv").open("w", encoding=encoding, newline="") as fh:
            out = csv.writer(fh, lineterminator="\r\n")
            out.writerow([sheet.title] + [""] * (width - 1))
            for _r, cells, _kind in _grid(sheet):
                texts = [_csv_text(v, sheet.cn_dates) for v in cells]
                out.writerow(texts + [""] * (width - len(texts)))
