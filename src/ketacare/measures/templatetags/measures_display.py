"""Presentation of rating-scale results: the trend chart's geometry, answer rows, status words.

Pure layout: every number drawn here was computed by the clinical core and stored; this module
only decides where it goes on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from ketacare.clinical.measures import UnknownInstrumentError, get_instrument
from ketacare.measures.selectors import InstrumentOutcome

register = template.Library()

# The drawing's own coordinate system; the SVG scales to its container.
WIDTH = 760
HEIGHT = 260
PLOT_LEFT = 44
PLOT_RIGHT = WIDTH - 172  # room for the band names on the right
PLOT_TOP = 12
PLOT_BOTTOM = HEIGHT - 34
EDGE_PAD = 14  # keeps the first and last point off the axes
MIN_TICK_GAP = 64  # x-axis date labels closer than this would overlap
BAND_SHADES = 5
VALUE_LABELS_UP_TO = 12  # with few points each is labelled with its total


@dataclass(frozen=True)
class BandRect:
    y: float
    height: float
    label: str
    label_y: float
    shade: int
    low: int
    high: int


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    when: datetime
    total: int
    band: str


@dataclass(frozen=True)
class XTick:
    x: float
    when: datetime


@dataclass(frozen=True)
class YTick:
    y: float
    value: int


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bands: list[BandRect]
    points: list[ChartPoint]
    polyline: str
    x_ticks: list[XTick]
    y_ticks: list[YTick]
    session_marks: list[float]
    point_radius: float
    with_year: bool
    value_labels: bool

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def label_x(self) -> int:
        return self.right + 8

    @property
    def x_label_y(self) -> int:
        return self.bottom + 22

    @property
    def y_label_x(self) -> int:
        return self.left - 8


@register.filter
def open_for(since: datetime) -> str:
    """How long something has been waiting, in words: "under a minute", "3 hours"."""
    if timezone.now() - since < timedelta(minutes=1):
        return "under a minute"
    return timesince(since, depth=1)


def _nice_step(span: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500):
        if span / step <= 6:
            return step
    return max(1, span // 5)


def _round(value: float) -> float:
    return round(value, 1)


def build_trend_chart(
    story: InstrumentOutcome, session_times: Sequence[datetime] = ()
) -> TrendChart | None:
    """Where each score, band and date goes; None when the scale has no total to draw."""
    instrument = story.instrument
    if instrument.total_range is None:
        return None
    scored = [p for p in story.points if p.total is not None]
    if not scored:
        return None
    low, high = instrument.total_range
    span = max(high - low, 1)

    def y_of(value: float) -> float:
        return _round(PLOT_BOTTOM - (value - low) / span * (PLOT_BOTTOM - PLOT_TOP))

    first, last = scored[0].when, scored[-1].when
    seconds = (last - first).total_seconds()

    def x_of(when: datetime) -> float:
        if seconds <= 0:
            return _round((PLOT_LEFT + PLOT_RIGHT) / 2)
        share = (when - first).total_seconds() / seconds
        return _round(PLOT_LEFT + EDGE_PAD + share * (PLOT_RIGHT - PLOT_LEFT - 2 * EDGE_PAD))

    bands = sorted(instrument.severity_bands, key=lambda b: b.min)
    rects = []
    for index, band in enumerate(bands):
        lower = low if index == 0 else (bands[index - 1].max + band.min) / 2
        upper = high if index == len(bands) - 1 else (band.max + bands[index + 1].min) / 2
        top, bottom = y_of(upper), y_of(lower)
        shade = round(index * (BAND_SHADES - 1) / max(len(bands) - 1, 1))
        rects.append(
            BandRect(
                y=top,
                height=_round(bottom - top),
                label=band.label,
                label_y=_round((top + bottom) / 2 + 4),
                shade=shade,
                low=band.min,
                high=band.max,
            )
        )

    points = [
        ChartPoint(x_of(p.when), y_of(p.total), p.when, p.total, p.band)
        for p in scored
        if p.total is not None
    ]
    step = _nice_step(span)
    y_ticks = [YTick(y_of(v), v) for v in range(low, high + 1) if (v - low) % step == 0]
    if high - y_ticks[-1].value >= step / 2:  # the maximum, unless it would crowd a tick
        y_ticks.append(YTick(y_of(high), high))
    marks = [x_of(t) for t in session_times if first <= t <= last]
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        left=PLOT_LEFT,
        right=PLOT_RIGHT,
        top=PLOT_TOP,
        bottom=PLOT_BOTTOM,
        bands=rects,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        x_ticks=_x_ticks(points, x_of, first, last),
        y_ticks=y_ticks,
        session_marks=marks,
        point_radius=4.5 if len(points) <= 40 else 2.5,
        with_year=timezone.localtime(first).year != timezone.localtime(last).year,
        value_labels=len(points) <= VALUE_LABELS_UP_TO,
    )


def _x_ticks(
    points: list[ChartPoint],
    x_of: Callable[[datetime], float],
    first: datetime,
    last: datetime,
) -> list[XTick]:
    """Dates under the axis: each score's day when there are few, else evenly spaced days."""
    if len({timezone.localdate(p.when) for p in points}) <= 6:
        candidates = [XTick(p.x, p.when) for p in points]
    else:
        candidates = [XTick(p.x, p.when) for p in (points[0], points[-1])]
        step = (last - first) / 4
        middle = [first + step * i for i in (1, 2, 3)]
        candidates[1:1] = [XTick(x_of(when), when) for when in middle]
    ticks: list[XTick] = []
    seen_days: set[date] = set()
    for tick in candidates:
        day = timezone.localdate(tick.when)
        if day in seen_days or (ticks and tick.x - ticks[-1].x < MIN_TICK_GAP):
            continue
        seen_days.add(day)
        ticks.append(tick)
    return ticks


@register.simple_tag
def trend_chart(
    story: InstrumentOutcome, session_times: Sequence[datetime] = ()
) -> TrendChart | None:
    return build_trend_chart(story, session_times)


@dataclass(frozen=True)
class AnswerRow:
    number: int
    item_id: str
    wording: str
    licensed: bool
    value: int | None
    answer: str
    scored: bool
    flagged: bool


@dataclass(frozen=True)
class LatestAnswers:
    when: datetime
    rows: list[AnswerRow]


@register.simple_tag
def latest_answers(story: InstrumentOutcome) -> LatestAnswers | None:
    """Each item of the latest assessment with the answer's words (or its number)."""
    latest = story.latest or (story.points[-1].assessment if story.points else None)
    if latest is None:
        return None
    flagged = {str(f.get("item")) for f in latest.result.get("safety_flags", []) if f.get("item")}
    rows = []
    for number, item in enumerate(story.instrument.items, start=1):
        value = latest.answers.get(item.id)
        label = next((o.label for o in item.options if o.value == value), None)
        rows.append(
            AnswerRow(
                number=number,
                item_id=item.id,
                wording=item.text or item.construct,
                licensed=item.text is None,
                value=value,
                answer=label or ("" if value is None else str(value)),
                scored=item.scored,
                flagged=item.id in flagged,
            )
        )
    return LatestAnswers(when=latest.completed_at, rows=rows)


STATUS_CSS = {
    "Remission": "ok",
    "Response": "ok",
    "Partial response": "warn",
    "No response": "alert",
    "Baseline only": "neutral",
    "No baseline": "neutral",
}


@register.filter
def status_css(label: str) -> str:
    return STATUS_CSS.get(label, "neutral")


@register.filter
def signed(value: int | Decimal | None) -> str:
    """A change with its sign: −12, +3, 0 (a true minus sign, read as "minus")."""
    if value is None:
        return ""
    if value < 0:
        return f"\u2212{-value}"
    if value > 0:
        return f"+{value}"
    return "0"


@register.filter
def scale_name(code: str) -> str:
    """ "phq9" -> "PHQ-9", as the clinic says it."""
    try:
        return get_instrument(code).short_name
    except (UnknownInstrumentError, ValueError):
        return code.upper()
