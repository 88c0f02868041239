"""The live vital-signs chart as server-rendered SVG: no script needed, styled by class names
from the static stylesheet (the CSP allows no inline style).

Pure layout, in the manner of measures' trend chart: every number drawn was measured and
stored; this module only decides where it goes. Three stacked panels share the time axis:
blood pressure and heart rate, SpO2, respiratory rate. A missing value breaks its line rather
than joining across the gap. Values beyond a panel's range are drawn at its edge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from html import escape
from typing import Protocol

WIDTH = 760
LEFT = 48
RIGHT = WIDTH - 16
TOP = 12
GAP = 22
X_LABELS = 24
MIN_SPAN = timedelta(minutes=30)  # a new session's chart still shows half an hour
TICK_CHOICES = tuple(timedelta(minutes=m) for m in (5, 10, 15, 30, 60, 120))
MAX_X_TICKS = 8


class Series(Protocol):
    """What the chart reads: parallel lists, one entry per reading (read-only)."""

    @property
    def times(self) -> list[datetime]: ...
    @property
    def systolic(self) -> list[int | None]: ...
    @property
    def diastolic(self) -> list[int | None]: ...
    @property
    def heart_rate(self) -> list[int | None]: ...
    @property
    def spo2(self) -> list[int | None]: ...
    @property
    def respiratory_rate(self) -> list[int | None]: ...


@dataclass(frozen=True)
class Panel:
    name: str
    label: str
    top: int
    height: int
    low: int
    high: int
    ticks: tuple[int, ...]

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def y(self, value: float) -> float:
        clamped = min(max(value, self.low), self.high)
        return round(self.bottom - (clamped - self.low) / (self.high - self.low) * self.height, 1)


def _panels() -> tuple[Panel, Panel, Panel]:
    bp = Panel("bp", "mmHg · /min", TOP, 170, 30, 230, (40, 80, 120, 160, 200))
    spo2 = Panel("spo2", "SpO2 %", bp.bottom + GAP, 70, 80, 100, (85, 90, 95, 100))
    rr = Panel("rr", "RR /min", spo2.bottom + GAP, 60, 0, 40, (10, 20, 30))
    return bp, spo2, rr


@dataclass(frozen=True)
class Line:
    css: str
    label: str
    panel: Panel
    segments: tuple[tuple[tuple[float, float], ...], ...]
    points: tuple[tuple[float, float, datetime, int], ...]


def _tick_step(span: timedelta) -> timedelta:
    for step in TICK_CHOICES:
        if span / step <= MAX_X_TICKS:
            return step
    return span / MAX_X_TICKS


def _line(
    css: str,
    label: str,
    panel: Panel,
    times: Sequence[datetime],
    values: Sequence[int | None],
    x_of: Callable[[datetime], float],
) -> Line:
    segments: list[tuple[tuple[float, float], ...]] = []
    current: list[tuple[float, float]] = []
    points = []
    for when, value in zip(times, values, strict=True):
        if value is None:
            if current:
                segments.append(tuple(current))
            current = []
            continue
        x = x_of(when)
        y = panel.y(value)
        current.append((x, y))
        points.append((x, y, when, value))
    if current:
        segments.append(tuple(current))
    return Line(css, label, panel, tuple(segments), tuple(points))


def vitals_chart_svg(
    series: Series,
    *,
    title: str = "Vital signs",
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> str:
    """The chart as SVG markup, safe to embed: every text is escaped. `zone` is the clinic's
    time zone for the axis labels; `now`, when given, extends the axis to the present."""
    bp, spo2, rr = _panels()
    height = rr.bottom + X_LABELS
    times = list(series.times)
    start = times[0] if times else (now or datetime.now(UTC)) - MIN_SPAN
    end = max([*times[-1:], *([now] if now else []), start + MIN_SPAN])

    def x_of(when: datetime) -> float:
        share = (when - start) / (end - start)
        return round(LEFT + share * (RIGHT - LEFT), 1)

    lines = [
        _line("systolic", "Systolic", bp, times, series.systolic, x_of),
        _line("diastolic", "Diastolic", bp, times, series.diastolic, x_of),
        _line("heart-rate", "Heart rate", bp, times, series.heart_rate, x_of),
        _line("spo2", "SpO2", spo2, times, series.spo2, x_of),
        _line("respiratory-rate", "Respiratory rate", rr, times, series.respiratory_rate, x_of),
    ]
    out = [
        f'<svg class="vitals-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" focusable="false">',
        f"<title>{escape(title)}</title>",
        f"<desc>{len(times)} reading{'s' if len(times) != 1 else ''}"
        + (
            f" from {escape(_clock(times[0], zone))} to {escape(_clock(times[-1], zone))}"
            if times
            else ""
        )
        + ".</desc>",
    ]
    for panel in (bp, spo2, rr):
        out.append(f'<g class="panel panel-{panel.name}">')
        out.append(
            f'<rect class="frame" x="{LEFT}" y="{panel.top}" width="{RIGHT - LEFT}" '
            f'height="{panel.height}"></rect>'
        )
        for tick in panel.ticks:
            y = panel.y(tick)
            out.append(f'<line class="grid" x1="{LEFT}" x2="{RIGHT}" y1="{y}" y2="{y}"></line>')
            out.append(
                f'<text class="tick" x="{LEFT - 6}" y="{y}" dy="4" text-anchor="end">{tick}</text>'
            )
        out.append(
            f'<text class="panel-label" x="{RIGHT - 4}" y="{panel.top + 12}" '
            f'text-anchor="end">{escape(panel.label)}</text>'
        )
        out.append("</g>")
    step = _tick_step(end - start)
    tick_at = start
    out.append('<g class="x-axis">')
    while tick_at <= end + timedelta(seconds=1):
        x = x_of(tick_at)
        out.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{TOP}" y2="{rr.bottom}"></line>')
        out.append(
            f'<text class="tick" x="{x}" y="{rr.bottom + 16}" text-anchor="middle">'
            f"{escape(_clock(tick_at, zone))}</text>"
        )
        tick_at += step
    out.append("</g>")
    for line in lines:
        out.append(f'<g class="line {line.css}">')
        for segment in line.segments:
            points = " ".join(f"{x},{y}" for x, y in segment)
            out.append(f'<polyline points="{points}"></polyline>')
        for x, y, when, value in line.points:
            out.append(
                f'<circle cx="{x}" cy="{y}" r="2.5"><title>{escape(line.label)} {value} at '
                f"{escape(_clock(when, zone))}</title></circle>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _clock(when: datetime, zone: tzinfo) -> str:
    return when.astimezone(zone).strftime("%H:%M")
