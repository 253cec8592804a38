"""--format html: one self-contained page, checked as a browser shows it."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
import reportdata
from PIL import Image, ImageStat

from ledgercheck.findings import Finding, InputInfo, NotRun, Report, Severity, SheetInfo
from ledgercheck.reporters import html as html_report
from ledgercheck.reporters.common import INVENTORY_FILES

LANGS = ("zh", "en")
EXTERNAL = ("http:", "https:", "//", "ftp:")


class Structure(HTMLParser):
    """What a reader sees, without chart internals (they vary with the fonts installed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []
        self._text: list[str] | None = None
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        self.urls += [v for k, v in attrs if v and (k.endswith("href") or k in ("src", "action"))]
        if tag == "svg":
            self._svg += 1
            if self._svg == 1:
                self.lines.append("[chart]")
        if self._svg:
            return
        if tag in ("h1", "h2", "h3", "th", "td", "option", "summary", "li", "p", "figure"):
            self._text = []
        if tag == "tr" and "data-rule" in a:
            self.lines.append(f"row {a['data-rule']} {a['data-sev']} {a['data-district']}")
        if tag == "meta" and a.get("http-equiv"):
            self.lines.append(f"meta {a['http-equiv']}: {a.get('content')}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg -= 1
            return
        if (
            self._text is not None and tag in ("h1", "h2", "h3", "th", "td", "option", "summary")
        ) or (self._text is not None and tag in ("li", "p")):
            self.lines.append(f"{tag}: {' '.join(''.join(self._text).split())}")
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._svg:
            self._text.append(data)


def structure(page: str) -> Structure:
    parser = Structure()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reportdata.build(tmp_path_factory.mktemp("html"))


@pytest.fixture(scope="module")
def pages(ledger: Path) -> dict[str, str]:
    return {lang: html_report.render(reportdata.report(ledger, lang), lang) for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
def test_golden_structure(lang: str, pages: dict[str, str]) -> None:
    lines = structure(pages[lang]).lines
    reportdata.check_golden(f"html.{lang}.html-structure", "\n".join(lines) + "\n")


@pytest.mark.parametrize("lang", LANGS)
def test_self_contained(lang: str, pages: dict[str, str]) -> None:
    page = pages[lang]
    parsed = structure(page)
    assert not [u for u in parsed.urls if u.strip().lower().startswith(EXTERNAL)]
    assert not {"link", "img", "iframe", "object", "embed"} & set(parsed.tags)
    # CSS may only point inside the page (matplotlib's clip paths: url(#p1a2b…)).
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(?!#)", page)
    assert parsed.tags.count("svg") == 4  # rule, district, ratio, coverage
    assert parsed.tags.count("script") == 1 and "default-src 'none'" in page


def test_every_value_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    finding = Finding(
        "MED001", Severity.ERROR, evil, file=f"{evil}.xlsx", sheet='"><i onclick=x>', row=3
    )
    page = html_report.render(Report("p", findings=[finding]), "en")
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '"><i onclick=x>' not in page and "&quot;&gt;&lt;i onclick=x&gt;" in page


def test_rules_not_run_say_why_in_the_page_language() -> None:
    report = Report(
        "p",
        rules_not_run=[
            NotRun("MED010", "no medical table"),
            NotRun("HH004", "members has no column relation"),
            NotRun("XR003", "no deaths roster"),
        ],
    )
    page = html_report.render(report, "zh")
    assert "— 缺少医疗报销表</li>" in page
    assert "— 成员信息缺少列：与户主关系</li>" in page
    assert "— 未提供部门名单（--against）</li>" in page
    assert "no medical table" not in page


@pytest.mark.parametrize("files", [INVENTORY_FILES, INVENTORY_FILES + 1])
def test_the_sheets_of_many_files_are_folded_under_their_count(files: int) -> None:
    inputs = [
        InputInfo(f"{n}.xlsx", [SheetInfo("户信息", "households", 3, 9)]) for n in range(files)
    ]
    page = html_report.render(Report("p", inputs=inputs), "zh")
    inputs_section = page.split("<h2>受检文件</h2>")[1].split("</section>")[0]
    folded = f"<details><summary>共 {files} 个文件、{files} 个工作表</summary><table>"
    assert inputs_section.startswith(folded) == (files > INVENTORY_FILES)
    assert inputs_section.count('<td class="num">9</td>') == files  # every sheet, folded or not


def test_ratio_chart_falls_back_to_findings(pages: dict[str, str], ledger: Path) -> None:
    """Without the pipeline's figures, the chart shows MED010's claims and says it is partial."""
    report = reportdata.report(ledger, "en")
    bare = dataclasses.replace(report, series={}, aggregates=[], districts={})
    assert html_report.ratio_data(bare) == ([0.85], 0.90, False)
    assert "only claims below the target" in html_report.render(bare, "en")
    assert html_report.ratio_data(report) == ([0.85, 0.9125, 0.92, 0.95], 0.90, True)


def test_district_filter_values(pages: dict[str, str]) -> None:
    lines = structure(pages["zh"]).lines
    rows = [line.split()[3] for line in lines if line.startswith("row ")]
    assert set(rows) == {"吉阳区", "天涯区", "整本台账"}


# --- in a real browser -----------------------------------------------------------------


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed: scripts/test.sh installs it on Debian")
    pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")


def shoot(page: Path, png: Path, profile: Path) -> str:
    """Screenshot with every host name unresolvable; returns Chromium's log."""
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=1",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        "--window-size=1280,2000",
        page.as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert png.exists(), done.stderr[-2000:]
    return done.stdout + done.stderr


def blocked(log: str) -> list[str]:
    """Log lines of a load the page tried (its CSP refuses every one), or of a script error.

    Name-resolution failures are not counted: Chromium's own background fetches (account
    and component services) fail that way too, and say nothing about the page.
    """
    marks = ("violates the following Content Security Policy", "Refused to", "Uncaught")
    return [line for line in log.splitlines() if any(m in line for m in marks)]


def test_renders_in_chromium_without_network(pages: dict[str, str], tmp_path: Path) -> None:
    page = tmp_path / "报告.html"
    page.write_text(pages["zh"], encoding="utf-8")
    png = tmp_path / "shot.png"
    log = shoot(page, png, tmp_path / "profile")
    assert png.stat().st_size > 30_000
    with Image.open(png) as image:
        assert image.size == (1280, 2000)
        grey = image.convert("L")
        assert ImageStat.Stat(grey).stddev[0] > 20  # not a blank page
        assert len(grey.getcolors(256) or []) > 50
    assert blocked(log) == []


def test_the_network_check_would_catch_a_request(tmp_path: Path) -> None:
    """The same check on a page that does reach out: the log must show it."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
        'content="default-src \'none\'"><img src="https://example.invalid/x.png">',
        encoding="utf-8",
    )
    log = shoot(page, tmp_path / "bad.png", tmp_path / "profile")
    assert blocked(log)


def test_filter_script_runs_in_chromium(pages: dict[str, str], tmp_path: Path) -> None:
    """The filter, given in the address, hides every other row once the script has run."""
    page = tmp_path / "report.html"
    page.write_text(pages["zh"], encoding="utf-8")
    url = page.as_uri() + "#district=" + quote("天涯区") + "&sev=error"
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    args += ["--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND"]
    args += [f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url]
    dom = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False).stdout
    row = r'<tr data-rule="(\w+)" data-sev="(\w+)" data-district="([^"]+)"( hidden="")?'
    rows = re.findall(row, dom)
    wanted = {(code, d) for code, sev, d, _ in rows if d == "天涯区" and sev == "error"}
    shown = {(code, d) for code, _, d, hidden in rows if not hidden}
    assert rows and wanted and shown == wanted
    assert f'<b id="f-shown">{len(wanted)}</b>' in dom
