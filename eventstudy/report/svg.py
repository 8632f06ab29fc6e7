"""A small SVG plotter for the report's charts: axes, lines, bands, bars, whiskers, markers.

Written for this report instead of drawing with matplotlib: the charts are a few dozen shapes each,
and building the markup directly is about a hundred times faster (matplotlib writing PNGs was 90% of
a run), gives vector charts that stay crisp on any screen, and is deterministic to the byte (every
coordinate is printed with one decimal). Colours are presentation attributes, not CSS classes, so
a chart looks the same inside any page. The 360-unit-wide view box is drawn at about the width of
a phone column (358 px at 390 px), which keeps the 11-unit tick text at about 11 px.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

import numpy as np

# Any sequence of numbers: lists in tests, numpy arrays from the charts.
Values = Sequence[float] | np.ndarray

W, H = 360, 230
LEFT, RIGHT, TOP, BOTTOM = 50, 10, 44, 40
FONT = 12
# Colours chosen for at least 3:1 contrast on white (WCAG 2.1 AA for graphics), 4.5:1 where used for text.
BLUE, RED, AMBER, GREY, INK, GRID = "#1d4ed8", "#b91c1c", "#b45309", "#6b7280", "#1f2937", "#e5e7eb"
BAND = "#93c5fd"


def fmt(v: float) -> str:
    """A coordinate with one decimal and no negative zero: the same number always prints the same."""
    s = f"{v:.1f}"
    return "0" if s in ("-0.0", "0.0") else s.removesuffix(".0")


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] in about ``n`` steps of 1, 2, 2.5 or 5 times a power of ten."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if (hi - lo) / (m * mag) <= n)
    start, stop = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(start, stop + 1)]


def _segments(xs: Values, *ys: Values) -> list[list[int]]:
    """Runs of consecutive indices where every series is finite (a gap breaks a line)."""
    runs: list[list[int]] = []
    cur: list[int] = []
    for i in range(len(xs)):
        if all(math.isfinite(float(y[i])) for y in ys):
            cur.append(i)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


class Plot:
    """One chart. ``x`` and ``y`` are data ranges; the y range is widened to round ticks (and to 0
    when ``zero``). ``xticks`` are (value, label) pairs; ``yfmt`` formats y tick labels."""

    def __init__(self, title: str, desc: str, x: tuple[float, float], y: tuple[float, float], *,
                 xticks: Sequence[tuple[float, str]], xlabel: str, yfmt: Callable[[float], str],
                 zero: bool = True):
        self.title, self.desc = title, desc
        lo, hi = (min(y[0], 0.0), max(y[1], 0.0)) if zero else y
        self.yticks = nice_ticks(lo, hi)
        self.y0, self.y1 = self.yticks[0], self.yticks[-1]
        pad = 0.5 if x[1] > x[0] else 1.0
        self.x0, self.x1 = x[0] - pad, x[1] + pad
        self.xticks, self.xlabel, self.yfmt = xticks, xlabel, yfmt
        self.parts: list[str] = []
        self.caption = ""  # set when the chart's standard caption would promise what it does not draw
        # The heading drawn in the chart (``title`` stays the accessible name): short enough to fit
        # the 360-unit width with a company's name in it.
        self.heading = title
        self.legend_items: list[tuple[str, str, str]] = []

    def sx(self, v: float) -> float:
        return LEFT + (v - self.x0) / (self.x1 - self.x0) * (W - LEFT - RIGHT)

    def sy(self, v: float) -> float:
        return TOP + (self.y1 - v) / (self.y1 - self.y0) * (H - TOP - BOTTOM)

    def unit(self) -> float:
        """Width of one x step in view-box units."""
        return (W - LEFT - RIGHT) / (self.x1 - self.x0)

    # -- marks -------------------------------------------------------------------------------
    def band(self, xs: Values, lo: Values, hi: Values, color: str = BAND) -> None:
        for run in _segments(xs, lo, hi):
            top = [f"{fmt(self.sx(xs[i]))},{fmt(self.sy(hi[i]))}" for i in run]
            bottom = [f"{fmt(self.sx(xs[i]))},{fmt(self.sy(lo[i]))}" for i in reversed(run)]
            self.parts.append(f'<polygon points="{" ".join(top + bottom)}" fill="{color}" fill-opacity="0.45"/>')

    def line(self, xs: Values, ys: Values, color: str, *, width: float = 2,
             dash: str = "", markers: bool = True) -> None:
        for run in _segments(xs, ys):
            pts = " ".join(f"{fmt(self.sx(xs[i]))},{fmt(self.sy(ys[i]))}" for i in run)
            extra = f' stroke-dasharray="{dash}"' if dash else ""
            self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                              f'stroke-width="{fmt(width)}"{extra}/>')
        if markers:
            self.points(xs, ys, color, r=2.5)

    def points(self, xs: Values, ys: Values, color: str, *, r: float = 2.5,
               opacity: float = 1.0) -> None:
        op = f' fill-opacity="{opacity}"' if opacity < 1 else ""
        for x, y in zip(xs, ys, strict=True):
            if math.isfinite(float(y)):
                self.parts.append(f'<circle cx="{fmt(self.sx(x))}" cy="{fmt(self.sy(y))}" r="{fmt(r)}" '
                                  f'fill="{color}"{op}/>')

    def bars(self, xs: Values, ys: Values, *, width: float = 0.6) -> None:
        """Bars from zero, blue up and red down; a day without a value gets no bar."""
        half = width * self.unit() / 2
        for x, y in zip(xs, ys, strict=True):
            if not math.isfinite(float(y)):
                continue
            top, base = self.sy(max(y, 0.0)), self.sy(min(y, 0.0))
            self.parts.append(f'<rect x="{fmt(self.sx(x) - half)}" y="{fmt(top)}" width="{fmt(2 * half)}" '
                              f'height="{fmt(max(base - top, 0.5))}" fill="{BLUE if y >= 0 else RED}"/>')

    def whiskers(self, xs: Values, lo: Values, hi: Values, color: str = INK) -> None:
        cap = 0.15 * self.unit()
        for x, a, b in zip(xs, lo, hi, strict=True):
            if not (math.isfinite(float(a)) and math.isfinite(float(b))):
                continue
            px, ya, yb = fmt(self.sx(x)), self.sy(a), self.sy(b)
            c0, c1 = fmt(self.sx(x) - cap), fmt(self.sx(x) + cap)
            self.parts.append(f'<path d="M{px},{fmt(ya)}V{fmt(yb)}M{c0},{fmt(ya)}H{c1}M{c0},{fmt(yb)}H{c1}" '
                              f'stroke="{color}" stroke-width="1.2" fill="none"/>')

    def missing(self, xs: Values, label: str = "no price") -> None:
        """A cross on the zero line for each day without a value, so a gap reads as missing data."""
        y = self.sy(0.0) if self.y0 <= 0 <= self.y1 else self.sy(self.y0)
        for x in xs:
            cx = self.sx(x)
            self.parts.append(f'<path d="M{fmt(cx - 4)},{fmt(y - 4)}l8,8m0,-8l-8,8" stroke="{GREY}" '
                              'stroke-width="1.5"/>')
        if len(xs):
            self.legend(label, GREY, "cross")

    def vline(self, x: float, label: str = "") -> None:
        px = fmt(self.sx(x))
        self.parts.append(f'<line x1="{px}" x2="{px}" y1="{TOP}" y2="{H - BOTTOM}" stroke="{INK}" '
                          'stroke-width="1" stroke-dasharray="4 3"/>')
        if label:
            self.parts.append(self._text(self.sx(x) + 3, TOP + FONT, label, size=FONT - 1))

    def hline(self, y: float, *, dash: str = "") -> None:
        if not self.y0 <= y <= self.y1:
            return
        py = fmt(self.sy(y))
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py}" y2="{py}" stroke="{GREY}" '
                          f'stroke-width="1"{extra}/>')

    def label(self, x: float, y: float, text: str, *, anchor: str = "start") -> None:
        self.parts.append(self._text(self.sx(x), self.sy(y), text, anchor=anchor, size=FONT - 1))

    def legend(self, label: str, color: str, kind: str = "line") -> None:
        if (label, color, kind) not in self.legend_items:
            self.legend_items.append((label, color, kind))

    # -- output ------------------------------------------------------------------------------
    @staticmethod
    def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT, bold: bool = False,
              color: str = INK) -> str:
        weight = ' font-weight="600"' if bold else ""
        a = f' text-anchor="{anchor}"' if anchor != "start" else ""
        return (f'<text x="{fmt(x)}" y="{fmt(y)}" font-size="{size}"{a}{weight} fill="{color}">'
                f"{escape(text, quote=False)}</text>")

    def _axes(self) -> list[str]:
        out = []
        for v in self.yticks:
            py = self.sy(v)
            out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{fmt(py)}" y2="{fmt(py)}" stroke="{GRID}"/>')
            out.append(self._text(LEFT - 4, py + 4, self.yfmt(v), anchor="end", size=FONT - 1))
        for v, text in self.xticks:
            px = self.sx(v)
            out.append(f'<line x1="{fmt(px)}" x2="{fmt(px)}" y1="{H - BOTTOM}" y2="{H - BOTTOM + 4}" '
                       f'stroke="{GREY}"/>')
            # A label centred on the last tick can run past the chart's right edge: end it at the edge.
            half = len(text) * (FONT - 1) * 0.3
            if px + half > W - 1:
                out.append(self._text(W - 1, H - BOTTOM + 16, text, anchor="end", size=FONT - 1))
            else:
                out.append(self._text(px, H - BOTTOM + 16, text, anchor="middle", size=FONT - 1))
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{H - BOTTOM}" y2="{H - BOTTOM}" stroke="{GREY}"/>')
        out.append(self._text((LEFT + W - RIGHT) / 2, H - 6, self.xlabel, anchor="middle", size=FONT - 1,
                              color="#374151"))
        return out

    def _legend(self) -> list[str]:
        out, x = [], 6.0
        for text, color, kind in self.legend_items:
            y = 32
            if kind == "line":
                out.append(f'<line x1="{fmt(x)}" x2="{fmt(x + 14)}" y1="{y - 4}" y2="{y - 4}" stroke="{color}" '
                           'stroke-width="2.5"/>')
            elif kind == "cross":
                out.append(f'<path d="M{fmt(x + 3)},{y - 8}l8,8m0,-8l-8,8" stroke="{color}" stroke-width="1.5"/>')
            else:  # a filled swatch (bands, bars, dots)
                out.append(f'<rect x="{fmt(x)}" y="{y - 9}" width="14" height="10" fill="{color}"/>')
            out.append(self._text(x + 18, y, text, size=FONT - 1))
            x += 18 + 6.2 * len(text) + 10
        return out

    def render(self) -> str:
        """The ``<svg>`` element: role img, a <title> (the accessible name) and a <desc>."""
        body = "".join([*self._axes(), *self.parts, *self._legend()])
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
                f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">'
                f"<title>{escape(self.title, quote=False)}</title><desc>{escape(self.desc, quote=False)}</desc>"
                f"{self._text(4, 16, self.heading, size=FONT + 1, bold=True)}{body}</svg>")


def finite_range(*arrays: Values) -> tuple[float, float] | None:
    """The smallest and largest finite value over ``arrays`` (None when there is none)."""
    vals = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays]) if arrays else np.array([])
    vals = vals[np.isfinite(vals)]
    return (float(vals.min()), float(vals.max())) if vals.size else None


def pct_tick(v: float) -> str:
    """A y tick for returns: 0.05 -> "5%", 0.025 -> "2.5%"."""
    s = f"{v * 100:.1f}".removesuffix(".0")
    return "0%" if s in ("0", "-0") else f"{s}%"
