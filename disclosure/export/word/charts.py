"""Charts of the Word report, drawn with matplotlib's Agg backend into PNG bytes.

Deterministic: a fixed size and dpi, no timestamp or software tag in the PNG. No global matplotlib
state is touched: figures are drawn on the Agg canvas directly (no pyplot, no backend switch) inside
``rc_context``. Labels carry the figures exactly as the tables
print them (``numbers.fmt``). CJK text and the ₂ of tCO₂e need a font list: the package's own
"Disclosure Sans SC" (``fonts/``: Noto Sans CJK SC subset to GB2312 and Latin, SIL OFL 1.1), so the
charts look the same whatever the system has (a container without CJK fonts too); then the first
installed CJK family of :data:`CJK_FAMILIES` for a rarer character of a name, then DejaVu Sans.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib
import matplotlib.ticker
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 200
WIDTH_IN = 6.3           # ≈ 16 cm, the text width of the base template
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei", "PingFang SC",
                "Noto Sans CJK JP", "WenQuanYi Zen Hei")
FONT = Path(__file__).parent / "fonts" / "DisclosureSansSC-Regular.otf"   # tools/subset_font.py builds it
FONT_FAMILY = "Disclosure Sans SC"
PALETTE = ("#1F5C4A", "#4E9A7E", "#9CCBB4", "#D9A441", "#7A8C99")


@cache
def font_families() -> tuple[str, ...]:
    """The families to use, in order (a list, so a missing glyph falls back to the next): the
    package's font (added to matplotlib's font manager once), the installed CJK families, DejaVu."""
    fm = font_manager.fontManager
    names = {f.name for f in fm.ttflist}
    if FONT_FAMILY not in names:
        fm.addfont(str(FONT))
    if not all(f in names for f in CJK_FAMILIES):
        # matplotlib's font list is a cache written once per user: fonts installed since it was
        # written (a CJK font installed after a first run) are not in it. The system's fonts it
        # does not know are added, so that the families used do not depend on when it was written.
        known = {f.fname for f in fm.ttflist}
        for path in sorted(font_manager.findSystemFonts()):
            if path not in known:
                try:
                    fm.addfont(path)
                except Exception:  # a font file matplotlib cannot read is no family here
                    continue
        names = {f.name for f in fm.ttflist}
    return (FONT_FAMILY, *[f for f in CJK_FAMILIES if f in names], "DejaVu Sans")


def _rc() -> dict[str, object]:
    return {
        "font.family": list(font_families()), "font.size": 9, "axes.titlesize": 10,
        "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#888888",
        "axes.labelcolor": "#333333", "xtick.color": "#444444", "ytick.color": "#333333",
        "svg.hashsalt": "disclosure", "path.simplify": True, "axes.unicode_minus": False,
    }


def _figure(height_in: float) -> tuple[Figure, object]:
    fig = Figure(figsize=(WIDTH_IN, height_in))
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    return buf.getvalue()


def _axis(axis: matplotlib.axis.Axis) -> None:
    """At most five ticks, as whole numbers with thousands separators."""
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, min_n_ticks=3))
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))


def hbar(labels: Sequence[str], values: Sequence[float], texts: Sequence[str], xlabel: str,
         colors: Sequence[str] | None = None) -> bytes:
    """Horizontal bars, the first label on top, each bar labelled with its printed figure."""
    with matplotlib.rc_context(_rc()):
        n = len(labels)
        fig, ax = _figure(0.42 * n + 0.9)
        ys = list(range(n))[::-1]
        ax.barh(ys, values, color=list(colors) if colors else PALETTE[0], height=0.62)
        ax.set_yticks(ys, labels)
        top = max(values) if values and max(values) > 0 else 1.0
        ax.set_xlim(0, top * 1.28)
        for y, v, t in zip(ys, values, texts, strict=True):
            ax.text(v + top * 0.01, y, t, va="center", ha="left", fontsize=8, color="#222222")
        ax.set_xlabel(xlabel)
        _axis(ax.xaxis)
        ax.tick_params(axis="y", length=0)
        fig.tight_layout()
        return _png(fig)


def stacked_hbar(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], totals: Sequence[str],
                 xlabel: str) -> bytes:
    """Horizontal stacked bars (one series a colour, a legend), each labelled with its total."""
    with matplotlib.rc_context(_rc()):
        n = len(labels)
        fig, ax = _figure(0.42 * n + 1.2)
        ys = list(range(n))[::-1]
        left = [0.0] * n
        for (name, vals), color in zip(series, PALETTE, strict=False):
            ax.barh(ys, vals, left=left, color=color, height=0.62, label=name)
            left = [a + b for a, b in zip(left, vals, strict=True)]
        top = max(left) if left and max(left) > 0 else 1.0
        ax.set_xlim(0, top * 1.3)
        for y, v, t in zip(ys, left, totals, strict=True):
            ax.text(v + top * 0.01, y, t, va="center", ha="left", fontsize=8, color="#222222")
        ax.set_yticks(ys, labels)
        ax.set_xlabel(xlabel)
        _axis(ax.xaxis)
        ax.tick_params(axis="y", length=0)
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        fig.tight_layout()
        return _png(fig)


def stacked_columns(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                    totals: Sequence[str], ylabel: str) -> bytes:
    """Vertical stacked columns (the trend over years), each labelled with its total."""
    with matplotlib.rc_context(_rc()):
        fig, ax = _figure(3.4)
        xs = list(range(len(categories)))
        bottom = [0.0] * len(xs)
        for (name, vals), color in zip(series, PALETTE, strict=False):
            ax.bar(xs, vals, bottom=bottom, color=color, width=0.55, label=name)
            bottom = [a + b for a, b in zip(bottom, vals, strict=True)]
        top = max(bottom) if bottom and max(bottom) > 0 else 1.0
        ax.set_ylim(0, top * 1.18)
        for x, v, t in zip(xs, bottom, totals, strict=True):
            ax.text(x, v + top * 0.015, t, ha="center", va="bottom", fontsize=8, color="#222222")
        ax.set_xticks(xs, categories)
        ax.set_ylabel(ylabel)
        _axis(ax.yaxis)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(series), frameon=False, fontsize=8)
        fig.tight_layout()
        return _png(fig)
