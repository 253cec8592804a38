"""Every code of the spec exists, is documented in both languages, cites its clause, and runs."""

from __future__ import annotations

from ledgercheck import catalog, checks, packs
from ledgercheck.explain import STAGE_TABLES


def span(prefix: str, first: int, last: int, width: int = 3) -> list[str]:
    return [f"{prefix}{n:0{width}d}" for n in range(first, last + 1)]


SPEC_CODES = [
    *span("F", 1, 9), *span("ID", 1, 6), *span("HH", 1, 10), *span("POP", 1, 3),
    *span("INC", 1, 6), *span("MED", 1, 4), *span("MED", 10, 15), *span("MED", 20, 22),
    *span("EDU", 1, 3), "HOU001", *span("WAT", 1, 3), *span("PAY", 1, 10), *span("LOAN", 1, 2),
    *span("VIL", 1, 3), *span("XR", 1, 7),
]  # fmt: skip
PLAN_TEXT = (packs.packs_dir() / "plan" / "sanya-2020-plan.txt").read_text(encoding="utf-8")


def test_every_spec_code_is_documented_with_its_clause() -> None:
    assert catalog.all_codes() == SPEC_CODES
    for code in SPEC_CODES:
        for key in ("title", "message", "what", "why", "example_bad", "example_good"):
            assert catalog.text(code, key, "zh") and catalog.text(code, key, "en"), (code, key)
        quote = catalog.doc(code)["plan_quote"]
        if catalog.clause(code) is not None:
            assert quote and quote in PLAN_TEXT, code


def test_every_spec_code_has_a_pack_entry_and_an_implementation() -> None:
    pack = packs.load()
    implemented = set(checks.REGISTRY) | set(STAGE_TABLES)
    for code in SPEC_CODES:
        assert code in pack.rules, code
        assert code in implemented, f"{code} has no implementation"


def test_plan_text_is_bundled_with_the_pack() -> None:
    pack = packs.load()
    assert pack.plan_text is not None and pack.plan_text.read_text("utf-8") == PLAN_TEXT
    assert "三扶发〔2020〕4号" in PLAN_TEXT
