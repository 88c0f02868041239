"""Propose a recurring series of treatment sessions.

Time handling (DESIGN.md "aware datetimes only, stored in UTC; convert at the edges"):
the series is described in the clinic's local wall-clock time (a weekday pattern and a
local start time in an IANA zone); every proposed session is returned as aware UTC
instants plus its local date. Across a DST change the *local* time stays the same, so the
UTC time shifts (09:00 America/Chicago is 15:00 UTC in winter, 14:00 UTC in summer).

Decisions, in order, for each candidate local date (a pattern weekday, from ``start``,
within the horizon):

1. closure                 -> skipped (CLOSURE)
2. no hours that weekday   -> skipped (OUTSIDE_HOURS)
3. local time does not exist (spring-forward gap) -> skipped (NONEXISTENT_LOCAL_TIME)
4. local time is ambiguous (fall-back overlap)    -> placed at fold=0, the first (earlier)
   occurrence, and the session says so (AMBIGUOUS_LOCAL_TIME)
5. start before opening or end (recovery included, real elapsed time) after closing,
   or past local midnight -> skipped (OUTSIDE_HOURS)
6. ISO week (of the local date) already holds ``max_per_week`` sessions -> skipped
   (WEEKLY_LIMIT)
7. less than ``min_interval`` between the previous session's start and this start
   -> skipped (INTERVAL)
8. overlaps a busy interval -> moved later the same day to the end of the conflicting
   busy time (CONFLICT_MOVED) if it then still fits the hours; otherwise skipped (CONFLICT)

Intervals are half-open ``[start, end)``: a session ending exactly when another starts is
not a conflict. The series stops once ``count`` sessions are placed; any shortfall is
reported as ``unplaced`` with a HORIZON_EXHAUSTED reason, and the skipped slots say why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_HORIZON_WEEKS = 12

Interval = tuple[datetime, datetime]


class ReasonCode(StrEnum):
    CLOSURE = "closure"
    OUTSIDE_HOURS = "outside_hours"
    CONFLICT = "conflict"
    CONFLICT_MOVED = "conflict_moved"
    INTERVAL = "interval"
    WEEKLY_LIMIT = "weekly_limit"
    NONEXISTENT_LOCAL_TIME = "nonexistent_local_time"
    AMBIGUOUS_LOCAL_TIME = "ambiguous_local_time"
    HORIZON_EXHAUSTED = "horizon_exhausted"


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    detail: str


@dataclass(frozen=True, slots=True)
class ProposedSession:
    """One session: its local date in the clinic's zone and aware UTC ``[start, end)``."""

    local_date: date
    start: datetime
    end: datetime
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedSlot:
    """A pattern date on which no session was placed, and why."""

    local_date: date
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class SeriesProposal:
    sessions: tuple[ProposedSession, ...]
    skipped: tuple[SkippedSlot, ...]
    unplaced: int
    reasons: tuple[Reason, ...]

    @property
    def complete(self) -> bool:
        return self.unplaced == 0


def _as_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def _normalise(interval: Interval, what: str) -> Interval:
    start, end = _as_utc(interval[0], f"{what} start"), _as_utc(interval[1], f"{what} end")
    if not start < end:
        raise ValueError(f"{what} must have start < end, got {interval!r}")
    return start, end


def conflicts(candidate: Interval, busy: Sequence[Interval]) -> bool:
    """True when the half-open ``candidate`` overlaps any half-open busy interval.

    Touching intervals (one ends exactly when the other starts) do not conflict.
    """
    c_start, c_end = _normalise(candidate, "candidate")
    for item in busy:
        b_start, b_end = _normalise(item, "busy interval")
        if c_start < b_end and b_start < c_end:
            return True
    return False


def _overlapping(start: datetime, end: datetime, busy: Sequence[Interval]) -> list[Interval]:
    return [(b_start, b_end) for b_start, b_end in busy if start < b_end and b_start < end]


def _resolve_local(day: date, at: time, zone: ZoneInfo) -> tuple[datetime | None, Reason | None]:
    """Aware UTC start for ``day at`` in ``zone``: (None, reason) when the wall time does
    not exist, (start, reason) when it is ambiguous and fold=0 was chosen."""
    first = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    second = first.replace(fold=1)
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        return None, Reason(
            ReasonCode.NONEXISTENT_LOCAL_TIME,
            f"{day.isoformat()} {at.isoformat()} does not exist in {zone.key} "
            "(clocks spring forward); slot skipped",
        )
    if first.utcoffset() != second.utcoffset():
        return as_utc, Reason(
            ReasonCode.AMBIGUOUS_LOCAL_TIME,
            f"{day.isoformat()} {at.isoformat()} occurs twice in {zone.key} "
            "(clocks fall back); the first occurrence (fold=0) was chosen",
        )
    return as_utc, None


def _fits_hours(
    day: date, start: datetime, end: datetime, zone: ZoneInfo, opening: tuple[time, time]
) -> bool:
    open_at, close_at = opening
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone)
    if local_start.date() != day or local_end.date() != day:
        return False
    return open_at <= local_start.time().replace(fold=0) and (
        local_end.time().replace(fold=0) <= close_at
    )


def _validate(
    count: int,
    weekdays: tuple[int, ...],
    duration: timedelta,
    hours: Mapping[int, tuple[time, time]],
    min_interval: timedelta | None,
    max_per_week: int | None,
    horizon_weeks: int,
) -> None:
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if not weekdays or any(not 0 <= w <= 6 for w in weekdays):
        raise ValueError(f"weekdays must be a non-empty tuple of 0..6 (0=Mon), got {weekdays!r}")
    if duration <= timedelta(0):
        raise ValueError(f"duration must be positive, got {duration}")
    for weekday, (open_at, close_at) in hours.items():
        if not 0 <= weekday <= 6:
            raise ValueError(f"hours keys must be weekdays 0..6, got {weekday}")
        if open_at.tzinfo is not None or close_at.tzinfo is not None:
            raise ValueError("hours are local wall-clock times: pass naive time values")
        if not open_at < close_at:
            raise ValueError(f"hours for weekday {weekday} must open before closing")
    if min_interval is not None and min_interval < timedelta(0):
        raise ValueError(f"min_interval must not be negative, got {min_interval}")
    if max_per_week is not None and max_per_week < 1:
        raise ValueError(f"max_per_week must be >= 1, got {max_per_week}")
    if horizon_weeks < 1:
        raise ValueError(f"horizon_weeks must be >= 1, got {horizon_weeks}")


def propose_series(
    start: date,
    count: int,
    weekdays: tuple[int, ...],
    local_time: time,
    duration: timedelta,
    zone: str,
    hours: Mapping[int, tuple[time, time]],
    closures: Collection[date],
    min_interval: timedelta | None,
    max_per_week: int | None,
    busy: Sequence[Interval],
    *,
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS,
) -> SeriesProposal:
    """Propose ``count`` sessions on ``weekdays`` at ``local_time`` in ``zone``.

    ``duration`` is the whole chair time, recovery/observation included. ``hours`` maps a
    weekday (0=Mon) to local (open, close); a weekday missing from it is closed. ``busy``
    holds aware intervals when the chair or staff is taken. Dates from ``start`` up to
    ``horizon_weeks`` weeks later are considered.
    """
    _validate(count, weekdays, duration, hours, min_interval, max_per_week, horizon_weeks)
    if local_time.tzinfo is not None:
        raise ValueError("local_time is a wall-clock time in `zone`: pass a naive time")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {zone!r}") from exc
    busy_utc = sorted(_normalise(item, "busy interval") for item in busy)
    pattern = frozenset(weekdays)

    sessions: list[ProposedSession] = []
    skipped: list[SkippedSlot] = []
    per_week: Counter[tuple[int, int]] = Counter()
    horizon_end = start + timedelta(weeks=horizon_weeks)

    day = start
    while day < horizon_end and len(sessions) < count:
        current, day = day, day + timedelta(days=1)
        if current.weekday() not in pattern:
            continue

        def skip(code: ReasonCode, detail: str, on: date = current) -> None:
            skipped.append(SkippedSlot(on, (Reason(code, detail),)))

        if current in closures:
            skip(ReasonCode.CLOSURE, f"clinic closed on {current.isoformat()}")
            continue
        opening = hours.get(current.weekday())
        if opening is None:
            skip(ReasonCode.OUTSIDE_HOURS, f"clinic has no hours on {current:%A}")
            continue
        slot_start, local_note = _resolve_local(current, local_time, tz)
        if slot_start is None:
            skipped.append(SkippedSlot(current, (local_note,) if local_note else ()))
            continue
        notes: list[Reason] = [local_note] if local_note is not None else []
        slot_end = slot_start + duration
        if not _fits_hours(current, slot_start, slot_end, tz, opening):
            skip(
                ReasonCode.OUTSIDE_HOURS,
                f"{local_time.isoformat()} for {duration} does not fit the hours "
                f"{opening[0].isoformat()}-{opening[1].isoformat()} on {current.isoformat()}",
            )
            continue
        iso_year, iso_week, _ = current.isocalendar()
        if max_per_week is not None and per_week[(iso_year, iso_week)] >= max_per_week:
            skip(
                ReasonCode.WEEKLY_LIMIT,
                f"ISO week {iso_year}-W{iso_week:02d} already has {max_per_week} session(s)",
            )
            continue
        if min_interval is not None and sessions:
            gap = slot_start - sessions[-1].start
            if gap < min_interval:
                skip(
                    ReasonCode.INTERVAL,
                    f"only {gap} since the previous session; at least {min_interval} required",
                )
                continue
        original = slot_start
        overlapping = _overlapping(slot_start, slot_end, busy_utc)
        while overlapping:
            slot_start = max(b_end for _, b_end in overlapping)
            slot_end = slot_start + duration
            overlapping = _overlapping(slot_start, slot_end, busy_utc)
        if slot_start != original:
            if not _fits_hours(current, slot_start, slot_end, tz, opening):
                skip(
                    ReasonCode.CONFLICT,
                    "chair or staff busy and no later start fits the hours that day",
                )
                continue
            local = slot_start.astimezone(tz)
            notes.append(
                Reason(
                    ReasonCode.CONFLICT_MOVED,
                    f"moved from {local_time.isoformat()} to {local.time().isoformat()} "
                    "because the chair or staff was busy",
                )
            )
        sessions.append(ProposedSession(current, slot_start, slot_end, tuple(notes)))
        per_week[(iso_year, iso_week)] += 1

    unplaced = count - len(sessions)
    reasons: tuple[Reason, ...] = ()
    if unplaced:
        reasons = (
            Reason(
                ReasonCode.HORIZON_EXHAUSTED,
                f"placed {len(sessions)} of {count} sessions within {horizon_weeks} weeks "
                f"from {start.isoformat()}; see the skipped slots",
            ),
        )
    return SeriesProposal(tuple(sessions), tuple(skipped), unplaced, reasons)
