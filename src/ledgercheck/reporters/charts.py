"""Charts for the HTML report, drawn by matplotlib as inline SVG.

Text is drawn as paths (svg.fonttype = path), so the SVG needs no font where it is opened;
it needs a CJK font only where it is drawn. Without one, Chinese labels come out as boxes:
`font_found()` tells the HTML report to say so. Figures are made with the object API, not
pyplot, so no global state or GUI backend is involved, and hash salts are fixed so the
same report gives the same SVG.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, MultipleLocator, PercentFormatter

# Preferred first: Simplified Chinese faces; Noto CJK JP/TC carry the same glyph set.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Droid Sans Fallback",
)
COLOURS = {"error": "#c62828", "warning": "#f9a825", "info": "#1e88e5"}
TARGET_COLOUR = "#2e7d32"
BAR_COLOUR = "#5c6bc0"
MAX_BARS = 25  # beyond this a bar chart is unreadable; the table holds the rest


CJK_FILES = re.compile(r"cjk|wqy|wenquanyi|sourcehan|droidsansfallback|simhei|msyh", re.I)


@cache
def cjk_family() -> str | None:
    family = _known_cjk()
    if family is None:
        # matplotlib caches its font list; a font installed after that cache was built
        # (apt-get install fonts-noto-cjk) is found only by looking at the files again.
        for path in font_manager.findSystemFonts():
            if CJK_FILES.search(Path(path).name):
                with contextlib.suppress(Exception):
                    font_manager.fontManager.addfont(path)
        family = _known_cjk()
    return family


def _known_cjk() -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def font_found() -> bool:
    return cjk_family() is not None


@contextmanager
def _style(salt: str) -> Iterator[None]:
    family = cjk_family()
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with (
        rc_context(
            {
                "font.family": "sans-serif",
                "font.sans-serif": fonts,
                "font.size": 10,
                "svg.fonttype": "path",
                "svg.hashsalt": f"ledgercheck-{salt}",
                "axes.spines.top": False,
                "axes.spines.right": False,
                "axes.unicode_minus": False,
            }
        ),
        warnings.catch_warnings(),
    ):
        # Missing glyphs are reported once in the HTML, not as a warning per character.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        warnings.filterwarnings("ignore", message="findfont")
        yield


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    # Inline SVG needs neither the XML prolog nor the RDF metadata (which names URLs).
    text = text[text.index("<svg") :]
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)


def _figure(rows: int) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(6.4, max(2.2, 0.9 + 0.32 * rows)))
    return fig, fig.subplots()


def stacked_bars(
    salt: str, counts: Mapping[str, Mapping[str, int]], labels: Mapping[str, str], axis: str
) -> str:
    """Horizontal bars, one per key, stacked by severity (error, warning, info)."""
    keys = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))[:MAX_BARS]
    with _style(salt):
        fig, ax = _figure(len(keys))
        positions = list(range(len(keys)))[::-1]  # largest on top
        left = [0] * len(keys)
        for sev, colour in COLOURS.items():
            widths = [counts[k].get(sev, 0) for k in keys]
            if any(widths):
                ax.barh(positions, widths, left=left, color=colour, label=labels[sev])
                left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(positions, keys)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(axis)
        # Above the plot, in one row: inside it the legend would hide the longest bar.
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False)
        return _svg(fig)


def histogram(salt: str, ratios: Sequence[float], target: float, words: Mapping[str, str]) -> str:
    """Claims per 5% band of actual ratio, with the target as a vertical line."""
    # Zoomed on where the claims and the target are: ratios bunch near the target, and a
    # 0-100% axis would squeeze them into two bars.
    low = max(0.0, min(min(ratios, default=target), target - 0.10))
    top = max(1.0, max(ratios, default=1.0))
    first = int(low * 20)
    bins = [i / 20 for i in range(first, math.ceil(top * 20) + 1)]
    with _style(salt):
        fig, ax = _figure(8)
        ax.hist([min(r, bins[-1]) for r in ratios], bins=bins, color=BAR_COLOUR)
        ax.axvline(target, color=TARGET_COLOUR, linestyle="--", linewidth=2)
        ax.text(
            target,
            1.01,
            f"{words['target']} {target:.0%}",
            color=TARGET_COLOUR,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
        )
        # Ticks on the band edges, so no label reads 82% for a band starting at 80%.
        ax.xaxis.set_major_locator(MultipleLocator(0.05 if bins[-1] - bins[0] <= 0.5 else 0.1))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(words["ratio_axis"])
        ax.set_ylabel(words["claims"])
        return _svg(fig)


def rates(salt: str, bars: Sequence[tuple[str, float, float]], axis: str) -> str:
    """(label, measured, target) as horizontal bars from 0 to 100%, with each target marked."""
    with _style(salt):
        fig, ax = _figure(len(bars))
        positions = list(range(len(bars)))[::-1]
        measured = [m for _, m, _ in bars]
        colours = [TARGET_COLOUR if m >= t else COLOURS["error"] for _, m, t in bars]
        ax.barh(positions, measured, color=colours)
        for pos, (_, m, t) in zip(positions, bars, strict=True):
            ax.text(min(m, 1.0) + 0.01, pos, f"{m:.1%}", va="center")
            ax.plot([t, t], [pos - 0.4, pos + 0.4], color="#212121", linewidth=2)
        ax.set_yticks(positions, [label for label, _, _ in bars])
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(axis)
        return _svg(fig)
