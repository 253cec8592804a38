"""Tables, columns, headers, aliases and vocabularies of the ledger (spec §2, §6).

This is the spec's data written as Python: the reader maps headers through it and the
normalizer types cells by it. Thresholds are not here; they live in rule packs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    KEY = "key"  # an identifier such as 户编号: text even when stored as a number
    ID = "id"  # resident ID number
    VOCAB = "vocab"
    MULTI = "multi"  # several vocabulary values joined by commas
    BOOL = "bool"
    INT = "int"
    MONEY = "money"
    RATIO = "ratio"
    DATE = "date"
    YEAR = "year"


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    aliases: tuple[str, ...] = ()
    kind: Kind = Kind.TEXT
    required: bool = False
    vocab: tuple[str, ...] = ()
    # Headers whose meaning is the negation of the column (是否危房户 → housing_safe).
    negated_aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    sheet_hints: tuple[str, ...] = ()
    roster: bool = False
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


DISTRICTS = ("海棠区", "吉阳区", "天涯区", "崖州区", "育才生态区")
HOUSEHOLD_TYPES = ("脱贫户", "脱贫监测户", "边缘户", "一般农户")
LEDGER_TYPES = ("脱贫户", "脱贫监测户", "边缘户")
RISK_TYPES = ("因病", "因残", "因学", "因灾", "因疫", "因务工就业不稳", "因意外事故", "其他")
RELATIONS = (
    "户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之外孙子", "之外孙女",
    "之曾孙子", "之曾孙女", "之父", "之母", "之岳父", "之岳母", "之公公", "之婆婆", "之祖父", "之祖母",
    "之外祖父", "之外祖母", "之兄弟姐妹", "之兄弟媳妇", "之侄儿", "之侄女", "之叔伯", "其他",
)  # fmt: skip
SCHOOL = (
    "非在校生", "学前教育", "小学", "初中", "高中", "中职", "高职高专", "本科及以上", "送教上门", "辍学",
)  # fmt: skip
HEALTH = ("健康", "长期慢性病", "患有大病", "残疾")
CHRONIC = ("高血压", "糖尿病", "肺结核", "严重精神障碍", "其他")
EMPLOYMENT = ("省外务工", "省内市外务工", "市内务工", "灵活就业", "未务工")
VISIT_TYPES = ("住院", "特殊疾病门诊", "慢性病门诊", "普通门诊")
PAY_ITEMS = (
    "生态补偿金", "跨省务工交通补助", "省内市外务工交通补助", "外出务工奖补", "灵活就业奖励",
    "创业补贴", "产业奖励", "残疾人生产扶持", "脱贫之星奖励",
)  # fmt: skip
PERIODS = ("上半年", "下半年", "全年")
SEXES = ("男", "女")

# National-system spellings read as the canonical value (spec §1).
VARIANTS: dict[str, str] = {
    "脱贫不稳定户": "脱贫监测户",
    "监测户": "脱贫监测户",
    "边缘易致贫户": "边缘户",
    "已脱贫": "脱贫户",
    "一般脱贫户": "脱贫户",
    "低保脱贫户": "脱贫户",
    "特困供养脱贫户": "脱贫户",
    "学龄前儿童": "学前教育",
    "七年级": "初中",
    "八年级": "初中",
    "九年级": "初中",
    "乡(镇)内务工": "市内务工",
    "乡(镇)外县内务工": "市内务工",
    "县外省内务工": "省内市外务工",
    "儿子": "之子",
    "女儿": "之女",
    "父亲": "之父",
    "母亲": "之母",
    "儿媳": "之儿媳",
    "女婿": "之女婿",
    "孙子": "之孙子",
    "孙女": "之孙女",
    "外孙子": "之外孙子",
    "外孙女": "之外孙女",
    "岳父": "之岳父",
    "岳母": "之岳母",
    "公公": "之公公",
    "婆婆": "之婆婆",
    "祖父": "之祖父",
    "祖母": "之祖母",
    "外祖父": "之外祖父",
    "外祖母": "之外祖母",
    "兄弟姐妹": "之兄弟姐妹",
    "兄弟媳妇": "之兄弟媳妇",
    "侄儿": "之侄儿",
    "侄女": "之侄女",
    "叔伯": "之叔伯",
    "本人": "户主",
    "妻子": "配偶",
    "丈夫": "配偶",
    # How clerks write relations by hand, beside the national system's 之 forms.
    "妻": "配偶",
    "夫": "配偶",
    "长子": "之子",
    "次子": "之子",
    "三子": "之子",
    "长女": "之女",
    "次女": "之女",
    "三女": "之女",
    "儿媳妇": "之儿媳",
    "爷爷": "之祖父",
    "奶奶": "之祖母",
    "外公": "之外祖父",
    "外婆": "之外祖母",
    "侄子": "之侄儿",
    "兄弟": "之兄弟姐妹",
    "姐妹": "之兄弟姐妹",
    "哥哥": "之兄弟姐妹",
    "弟弟": "之兄弟姐妹",
    "姐姐": "之兄弟姐妹",
    "妹妹": "之兄弟姐妹",
    # 健康状况 as often typed
    "慢性病": "长期慢性病",
    "大病": "患有大病",
    "残疾人": "残疾",
    "1": "男",
    "2": "女",
    "男性": "男",
    "女性": "女",
}
# Graded school years (普通高中一年级, 中职三年级, 高职高专二年级, 本科一年级 …) share a prefix.
GRADE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("普通高中", "高中"),
    ("高中", "高中"),
    ("中职", "中职"),
    ("高职高专", "高职高专"),
    ("本科", "本科及以上"),
    ("硕士", "本科及以上"),
    ("博士", "本科及以上"),
    ("研究生", "本科及以上"),
    ("小学", "小学"),
    ("初中", "初中"),
)

C = Column
HOUSEHOLDS = Table(
    "households",
    "户信息",
    (
        C("household_id", "户编号", ("户码", "家庭编号", "户ID"), Kind.KEY, True),
        C(
            "district",
            "区",
            ("所属区", "县区", "区(管委会)", "县(市、区、旗)", "区县"),
            Kind.VOCAB,
            True,
            DISTRICTS,
        ),
        C("town", "乡镇", ("镇", "乡(镇)", "镇(街道)")),
        C("village", "行政村", ("村", "村委会", "村(社区)", "村组(社区)")),
        C("head_name", "户主姓名", ("户主",)),
        C("head_id_number", "户主证件号码", ("户主身份证号", "户主身份证号码"), Kind.ID),
        C(
            "household_type",
            "户类型",
            (
                "户属性",
                "贫困户属性",
                "农户类型",
                "易返贫致贫户(监测对象)类型",
                "监测对象类别",
                "脱贫状态",
            ),
            Kind.VOCAB,
            True,
            HOUSEHOLD_TYPES,
        ),
        C(
            "household_size",
            "家庭人口数",
            ("人口数", "家庭人数", "户人数", "当前家庭人口数", "年度家庭人口数"),
            Kind.INT,
            True,
        ),
        C("exit_year", "脱贫年度", ("脱贫年份", "脱贫时间"), Kind.YEAR),
        C("per_capita_net_income", "人均纯收入", ("家庭人均纯收入", "人均可支配收入"), Kind.MONEY),
        C(
            "business_net_income",
            "家庭经营性纯收入",
            ("经营性纯收入", "生产经营性收入"),
            Kind.MONEY,
        ),
        C(
            "risk_type",
            "风险类型",
            ("返贫致贫风险", "主要风险", "致贫返贫风险", "致贫/返贫风险1"),
            Kind.VOCAB,
            False,
            RISK_TYPES,
        ),
        C("assistance_measures", "帮扶措施", ("已落实帮扶措施",)),
        C(
            "housing_safe",
            "住房安全",
            ("住房是否安全", "是否住房安全有保障"),
            Kind.BOOL,
            negated_aliases=("是否危房户",),
        ),
        C(
            "water_safe",
            "饮水安全",
            ("饮水是否安全", "是否饮水安全有保障", "是否解决安全饮用水"),
            Kind.BOOL,
        ),
        C("water_check_1", "饮水第一次核查日期", ("第一次饮水核查",), Kind.DATE),
        C("water_check_2", "饮水第二次核查日期", ("第二次饮水核查",), Kind.DATE),
        C("water_quality_test", "水质检测日期", ("水质监测日期",), Kind.DATE),
        C("commercial_insurance", "商业保险金额", ("商业补充保险", "重大疾病及意外险"), Kind.MONEY),
        C(
            "minimum_living_allowance",
            "是否低保户",
            ("低保", "享受低保", "是否享受低保"),
            Kind.BOOL,
        ),
        C(
            "extreme_poverty_support",
            "是否特困供养",
            ("特困供养", "五保", "是否特困供养人员"),
            Kind.BOOL,
        ),
    ),
    ("户信息", "户表", "家庭"),
)

ID_ALIASES = (
    "身份证号",
    "身份证号码",
    "公民身份号码",
    "证件号",
    "患者身份证号",
    "领取人身份证号",
    "借款人身份证号",
)

MEMBERS = Table(
    "members",
    "成员信息",
    (
        C("household_id", "户编号", ("户码", "家庭编号", "户ID"), Kind.KEY, True),
        C("name", "姓名", ("成员姓名",), Kind.TEXT, True),
        C("id_number", "证件号码", ID_ALIASES, Kind.ID, True),
        C("sex", "性别", (), Kind.VOCAB, False, SEXES),
        C("relation", "与户主关系", ("家庭关系", "与户主的关系"), Kind.VOCAB, True, RELATIONS),
        C("age", "年龄", (), Kind.INT),
        C("school_status", "在校生状况", ("在校情况", "就学状况"), Kind.VOCAB, False, SCHOOL),
        C("education_aid", "是否享受教育资助", ("教育资助", "享受资助"), Kind.BOOL),
        C("health", "健康状况", (), Kind.MULTI, False, HEALTH),
        C("chronic_disease", "慢性病种类", ("慢病种类", "慢性病病种"), Kind.VOCAB, False, CHRONIC),
        C("tb_cured", "肺结核是否治愈", (), Kind.BOOL),
        C(
            "family_doctor_signed",
            "家庭医生签约",
            ("是否家庭医生签约", "家庭医生签约服务"),
            Kind.BOOL,
        ),
        C("health_services", "年度健康管理服务次数", ("健康管理次数",), Kind.INT),
        C(
            "basic_medical_insurance",
            "是否参加城乡居民基本医疗保险",
            (
                "基本医保",
                "是否参加基本医保",
                "参加城乡居民基本医疗保险",
                "是否参加新型农村合作医疗(城乡居民基本医疗保险)",
            ),
            Kind.BOOL,
        ),
        C("critical_illness_insurance", "是否参加大病保险", ("大病保险",), Kind.BOOL),
        C("personal_premium", "个人缴费金额", ("医保个人缴费", "个人缴费"), Kind.MONEY),
        C(
            "employment",
            "务工状况",
            ("就业状况", "务工情况", "务工所在地"),
            Kind.VOCAB,
            False,
            EMPLOYMENT,
        ),
        C("months_worked", "务工月数", ("务工时间(月)", "外出务工月数"), Kind.INT),
    ),
    ("成员信息", "成员", "人员", "家庭成员"),
)

MEDICAL = Table(
    "medical",
    "医疗报销",
    (
        C("id_number", "证件号码", ID_ALIASES, Kind.ID, True),
        C("name", "姓名", ("患者姓名",)),
        C("visit_type", "就诊类型", ("医疗类别", "就医类型"), Kind.VOCAB, True, VISIT_TYPES),
        C("designated", "是否定点医疗机构", ("定点机构",), Kind.BOOL),
        C("local", "是否本市就医", ("本市就医",), Kind.BOOL),
        C("total_cost", "医疗总费用", ("总费用", "医疗费用总额"), Kind.MONEY, True),
        C("eligible_cost", "合规费用", ("合规医疗费用", "政策范围内费用"), Kind.MONEY, True),
        C("deductible", "起付线", ("起付标准",), Kind.MONEY),
        C(
            "basic_insurance_paid",
            "基本医保报销",
            ("基本医疗保险报销", "统筹支付"),
            Kind.MONEY,
            True,
        ),
        C("critical_insurance_paid", "大病保险报销", ("大病保险支付",), Kind.MONEY),
        C("supplementary_paid", "补充保险报销", ("商业补充保险报销", "其他补充保险"), Kind.MONEY),
        C("assistance_paid", "医疗救助", ("医疗救助金额", "民政医疗救助"), Kind.MONEY),
        C("out_of_pocket", "个人自付", ("个人负担", "个人支付"), Kind.MONEY, True),
        C("settled_on", "结算日期", ("出院日期", "报销日期"), Kind.DATE),
    ),
    ("医疗报销", "医疗", "报销"),
)

PAYMENTS = Table(
    "payments",
    "资金发放",
    (
        C("id_number", "证件号码", ID_ALIASES, Kind.ID, True),
        C("household_id", "户编号", (), Kind.KEY),
        C("name", "姓名", ("领取人",)),
        C("item", "项目", ("补助项目", "发放项目", "资金类别"), Kind.VOCAB, True, PAY_ITEMS),
        C("months", "月数", ("发放月数",), Kind.INT),
        C("amount", "金额", ("发放金额", "补助金额"), Kind.MONEY, True),
        C("paid_on", "发放日期", ("发放时间",), Kind.DATE, True),
        C("period", "所属期", ("发放批次",), Kind.VOCAB, False, PERIODS),
    ),
    ("资金发放", "发放", "补助"),
)

LOANS = Table(
    "loans",
    "小额信贷",
    (
        C("id_number", "证件号码", ID_ALIASES, Kind.ID, True),
        C("loan_type", "贷款类型", (), Kind.VOCAB, True, ("扶贫小额信贷", "创业担保贷款")),
        C("amount", "贷款金额", (), Kind.MONEY, True),
        C("issued_on", "放款日期", (), Kind.DATE),
        C("due_on", "到期日期", (), Kind.DATE),
        C("overdue_days", "逾期天数", (), Kind.INT),
        C("repaid", "是否还清", (), Kind.BOOL),
        C("extended", "是否续贷展期", (), Kind.BOOL),
        C("risk_compensation", "是否启动风险补偿", (), Kind.BOOL),
    ),
    ("小额信贷", "信贷", "贷款"),
)

VILLAGES = Table(
    "villages",
    "村级指标",
    (
        C("village", "行政村", ("村", "村委会", "村(社区)"), Kind.TEXT, True),
        C("district", "区", ("所属区", "县区"), Kind.VOCAB, False, DISTRICTS),
        C("road_paved_rate", "道路硬化率", (), Kind.RATIO),
        C("kva_per_household", "户均配变容量", (), Kind.MONEY),
        C("fiber_4g", "光纤和4G覆盖", (), Kind.BOOL),
    ),
    ("村级指标", "村"),
)

LEDGER_TABLES: tuple[Table, ...] = (HOUSEHOLDS, MEMBERS, MEDICAL, PAYMENTS, LOANS, VILLAGES)
TABLES: dict[str, Table] = {t.name: t for t in LEDGER_TABLES}

# Household-level columns that a flat (one row per person) export repeats on every row.
FLAT_HOUSEHOLD_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in HOUSEHOLDS.columns if c.name != "household_id"
)

# Personal data (PIPL): how a value of the column is masked in reports.
PII: dict[str, str] = {
    "id_number": "id",
    "head_id_number": "id",
    "name": "name",
    "head_name": "name",
    "health": "health",
    "chronic_disease": "health",
    "tb_cured": "health",
}

# --- Department rosters (spec §6: 大数据比对, 账账相符) ------------------------------------
# Another department's export, matched to the ledger by ID number only. Aliases are the
# headers such exports actually carry (医保、民政、公安、教育、残联、住建 systems).

INSURANCE_SCHEMES = ("城乡居民基本医疗保险", "大病保险")
INSURANCE_STATUSES = ("参保缴费", "暂停", "终止")
ASSISTANCE_CATEGORIES = ("农村低保", "城市低保", "特困供养")
RENOVATION_STATUSES = ("已竣工", "在建", "未开工")

# ID-number headers of department exports. Spec §6: the ID aliases of any table apply to
# every table's ID column, so columns.alias_index adds ALL_ID_HEADERS to each of them.
ROSTER_ID_ALIASES = (
    *ID_ALIASES,
    "居民身份证号码",
    "公民身份证号码",
    "社会保障号码",  # by law the 公民身份号码 (not the card number 社会保障卡号)
    "参保人身份证号",
    "参保人身份证号码",
    "救助对象身份证号码",
    "学生身份证号",
    "学生身份证号码",
    "死者身份证号码",
    "死亡人员身份证号码",
    "残疾人身份证号码",
)
NAME_ALIASES = (
    "成员姓名",
    "人员姓名",
    "参保人姓名",
    "救助对象姓名",
    "学生姓名",
    "死者姓名",
    "残疾人姓名",
)


def _roster_id() -> Column:
    return C("id_number", "证件号码", ROSTER_ID_ALIASES, Kind.ID, True)


def _roster_name() -> Column:
    return C("name", "姓名", NAME_ALIASES)


INSURANCE = Table(
    "insurance",
    "医保参保名单",
    (
        _roster_id(),
        _roster_name(),
        C(
            "scheme",
            "险种",
            ("参保险种", "险种类型", "险种名称", "参保类型"),
            Kind.VOCAB,
            True,
            INSURANCE_SCHEMES,
        ),
        C(
            "status",
            "参保状态",
            ("缴费状态", "人员状态", "参保人员状态", "人员参保状态", "参保缴费状态"),
            Kind.VOCAB,
            True,
            INSURANCE_STATUSES,
        ),
        C(
            "personal_paid",
            "个人缴费",
            ("个人缴费金额", "个人实缴金额", "个人应缴金额", "个人缴费额"),
            Kind.MONEY,
        ),
        C(
            "subsidy",
            "财政补助",
            ("财政补贴", "财政补助金额", "政府补助", "政府资助金额", "资助参保金额"),
            Kind.MONEY,
        ),
    ),
    ("医保", "参保", "医疗保险"),
    roster=True,
)

ASSISTANCE = Table(
    "assistance",
    "低保特困名单",
    (
        _roster_id(),
        _roster_name(),
        C(
            "category",
            "救助类别",
            ("救助类型", "保障类别", "对象类别", "人员类别", "救助对象类别"),
            Kind.VOCAB,
            True,
            ASSISTANCE_CATEGORIES,
        ),
        C(
            "start",
            "起始日期",
            ("开始日期", "起始时间", "享受起始日期", "救助开始日期", "纳入日期"),
            Kind.DATE,
        ),
        C(
            "end",
            "终止日期",
            ("结束日期", "终止时间", "停保日期", "退出日期", "救助终止日期"),
            Kind.DATE,
        ),
    ),
    ("低保", "特困", "民政", "救助"),
    roster=True,
)

DEATHS = Table(
    "deaths",
    "死亡人员名单",
    (
        _roster_id(),
        _roster_name(),
        C("died_on", "死亡日期", ("死亡时间", "死亡年月日"), Kind.DATE, True),
    ),
    ("死亡", "殡葬", "火化", "注销"),
    roster=True,
)

STUDENTS = Table(
    "students",
    "学籍及资助名单",
    (
        _roster_id(),
        _roster_name(),
        # The ledger's school_status vocabulary, variants and graded years (七年级 → 初中).
        C(
            "level",
            "学段",
            ("就读学段", "在读学段", "学习阶段", "年级", "就读年级"),
            Kind.VOCAB,
            True,
            SCHOOL,
        ),
        C("aided", "是否资助", ("是否享受资助", "是否受助", "享受资助", "是否资助对象"), Kind.BOOL),
    ),
    ("学籍", "学生", "资助", "教育"),
    roster=True,
)

# Disability category and grade are sensitive (PIPL art. 28); they are only ever shown
# through XR006, which masks them as health data.
DISABILITY = Table(
    "disability",
    "残疾人名单",
    (
        _roster_id(),
        _roster_name(),
        C("category", "残疾类别", ("残疾类型", "残疾种类"), Kind.TEXT, True),
        C("grade", "残疾等级", ("残疾级别",)),
    ),
    ("残疾", "残联"),
    roster=True,
)

# Keyed by the head's ID: a renovation belongs to the household. 户主姓名 is read only to
# help recognise the sheet.
HOUSING = Table(
    "housing",
    "危房改造名单",
    (
        # Any ID header reads as the key here too (columns.alias_index; 身份证号码 is usual).
        C(
            "head_id_number",
            "户主证件号码",
            ("户主身份证号", "户主身份证号码", "户主公民身份号码"),
            Kind.ID,
            True,
        ),
        C("head_name", "户主姓名", ("户主",)),
        C(
            "status",
            "改造状态",
            ("改造进度", "建设状态", "施工状态", "竣工情况", "工程进度"),
            Kind.VOCAB,
            True,
            RENOVATION_STATUSES,
        ),
    ),
    ("危房", "危改", "住建", "改造"),
    roster=True,
)

ROSTER_TABLES: tuple[Table, ...] = (INSURANCE, ASSISTANCE, DEATHS, STUDENTS, DISABILITY, HOUSING)
TABLES.update({t.name: t for t in ROSTER_TABLES})

ALL_ID_HEADERS: tuple[str, ...] = tuple(
    dict.fromkeys(
        label
        for t in (*LEDGER_TABLES, *ROSTER_TABLES)
        for c in t.columns
        if c.name == "id_number"
        for label in (c.header, *c.aliases)
    )
)

# Department spellings read as the roster vocabulary (only where the value is in a column's
# vocabulary, as for every variant).
VARIANTS.update(
    {
        "城乡居民医保": "城乡居民基本医疗保险",
        "居民医保": "城乡居民基本医疗保险",
        "城乡居民基本医保": "城乡居民基本医疗保险",
        "城乡居民医疗保险": "城乡居民基本医疗保险",
        "基本医疗保险": "城乡居民基本医疗保险",
        "城乡居民大病保险": "大病保险",
        "大病医疗保险": "大病保险",
        "居民大病保险": "大病保险",
        "正常参保": "参保缴费",
        "正常缴费": "参保缴费",
        "参保": "参保缴费",
        "已缴费": "参保缴费",
        "暂停参保": "暂停",
        "暂停缴费": "暂停",
        "终止参保": "终止",
        "农村最低生活保障": "农村低保",
        "城市最低生活保障": "城市低保",
        "城镇低保": "城市低保",
        "特困人员": "特困供养",
        "特困人员救助供养": "特困供养",
        "农村特困": "特困供养",
        "城市特困": "特困供养",
        "五保": "特困供养",
        "农村五保": "特困供养",
        "竣工": "已竣工",
        "已完工": "已竣工",
        "已验收": "已竣工",
        "施工中": "在建",
        "在建中": "在建",
        "未动工": "未开工",
        "幼儿园": "学前教育",
        "学前": "学前教育",
        "一年级": "小学",
        "二年级": "小学",
        "三年级": "小学",
        "四年级": "小学",
        "五年级": "小学",
        "六年级": "小学",
        "初一": "初中",
        "初二": "初中",
        "初三": "初中",
        "高一": "高中",
        "高二": "高中",
        "高三": "高中",
        "中等职业教育": "中职",
        "高职": "高职高专",
        "大专": "高职高专",
        "专科": "高职高专",
    }
)
