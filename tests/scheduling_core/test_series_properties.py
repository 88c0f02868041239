"""Hypothesis properties of the series proposer."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import event, given, settings
from hypothesis import strategies as st

from ketacare.scheduling_core import ReasonCode, conflicts, propose_series

ZONES = ["America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"]
BASE = date(2026, 1, 1)

zones = st.sampled_from(ZONES)
starts = st.integers(min_value=0, max_value=365).map(lambda n: BASE + timedelta(days=n))
quarter_hours = st.integers(min_value=0, max_value=95).map(lambda q: time(q // 4, (q % 4) * 15))
durations = st.integers(min_value=1, max_value=16).map(lambda q: timedelta(minutes=15 * q))
weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))


@st.composite
def opening_hours(draw: st.DrawFn) -> dict[int, tuple[time, time]]:
    result: dict[int, tuple[time, time]] = {}
    for weekday in draw(st.sets(st.integers(0, 6))):
        open_q = draw(st.integers(0, 80))
        close_q = draw(st.integers(open_q + 1, 95))
        result[weekday] = (
            time(open_q // 4, (open_q % 4) * 15),
            time(close_q // 4, (close_q % 4) * 15),
        )
    return result


@st.composite
def busy_intervals(draw: st.DrawFn, start: date) -> list[tuple[datetime, datetime]]:
    origin = datetime.combine(start, time(0), tzinfo=UTC)
    items = []
    for _ in range(draw(st.integers(0, 25))):
        offset = draw(st.integers(0, 90 * 24 * 4)) * timedelta(minutes=15)
        length = draw(st.integers(1, 48)) * timedelta(minutes=15)
        items.append((origin + offset, origin + offset + length))
    return items


@st.composite
def scenarios(draw: st.DrawFn, friendly: bool = False) -> dict[str, object]:
    """Arbitrary scenarios, or (friendly) broad hours and dense busy time so that many
    sessions are placed and many are moved."""
    start = draw(starts)
    if friendly:
        origin = datetime.combine(start, time(0), tzinfo=UTC)
        busy = []
        for _ in range(draw(st.integers(0, 60))):
            offset = draw(st.integers(0, 30 * 24 * 4)) * timedelta(minutes=15)
            busy.append((origin + offset, origin + offset + draw(durations)))
        return {
            "start": start,
            "count": draw(st.integers(1, 10)),
            "weekdays": draw(weekday_sets),
            "local_time": time(draw(st.integers(7, 11)), 15 * draw(st.integers(0, 3))),
            "duration": draw(durations),
            "zone": draw(zones),
            "hours": {d: (time(7, 0), time(21, 0)) for d in range(7)},
            "closures": draw(
                st.sets(st.integers(0, 60).map(lambda n: start + timedelta(days=n)), max_size=5)
            ),
            "min_interval": draw(st.none() | st.integers(0, 72).map(lambda h: timedelta(hours=h))),
            "max_per_week": draw(st.none() | st.integers(1, 4)),
            "busy": busy,
            "horizon_weeks": 12,
        }
    return {
        "start": start,
        "count": draw(st.integers(0, 15)),
        "weekdays": draw(weekday_sets),
        "local_time": draw(quarter_hours),
        "duration": draw(durations),
        "zone": draw(zones),
        "hours": draw(opening_hours()),
        "closures": draw(
            st.sets(st.integers(0, 90).map(lambda n: start + timedelta(days=n)), max_size=15)
        ),
        "min_interval": draw(st.none() | st.integers(0, 24 * 8).map(lambda h: timedelta(hours=h))),
        "max_per_week": draw(st.none() | st.integers(1, 4)),
        "busy": draw(busy_intervals(start)),
        "horizon_weeks": draw(st.integers(1, 12)),
    }


@settings(max_examples=300, deadline=None)
@given(scenarios() | scenarios(friendly=True))
def test_series_properties(scenario: dict[str, object]) -> None:
    result = propose_series(**scenario)  # type: ignore[arg-type]
    zone = ZoneInfo(str(scenario["zone"]))
    hours: dict[int, tuple[time, time]] = scenario["hours"]  # type: ignore[assignment]
    closures: set[date] = scenario["closures"]  # type: ignore[assignment]
    busy: list[tuple[datetime, datetime]] = scenario["busy"]  # type: ignore[assignment]
    min_interval: timedelta | None = scenario["min_interval"]  # type: ignore[assignment]
    max_per_week: int | None = scenario["max_per_week"]  # type: ignore[assignment]
    count: int = scenario["count"]  # type: ignore[assignment]
    start: date = scenario["start"]  # type: ignore[assignment]
    horizon_weeks: int = scenario["horizon_weeks"]  # type: ignore[assignment]
    weekdays: tuple[int, ...] = scenario["weekdays"]  # type: ignore[assignment]

    sessions = result.sessions
    per_week: Counter[tuple[int, int]] = Counter()
    for session in sessions:
        assert session.start.tzinfo is UTC and session.end.tzinfo is UTC
        assert session.end - session.start == scenario["duration"]
        assert not conflicts((session.start, session.end), busy)
        assert session.local_date not in closures
        assert start <= session.local_date < start + timedelta(weeks=horizon_weeks)
        assert session.local_date.weekday() in weekdays
        local_start, local_end = session.start.astimezone(zone), session.end.astimezone(zone)
        assert local_start.date() == session.local_date == local_end.date()
        open_at, close_at = hours[session.local_date.weekday()]
        assert open_at <= local_start.time().replace(fold=0)
        assert local_end.time().replace(fold=0) <= close_at
        if not any(r.code is ReasonCode.CONFLICT_MOVED for r in session.reasons):
            # Not moved: the wall-clock time is the requested one.
            assert local_start.time().replace(fold=0) == scenario["local_time"]
        iso = session.local_date.isocalendar()
        per_week[(iso[0], iso[1])] += 1

    for earlier, later in zip(sessions, sessions[1:], strict=False):
        assert earlier.start < later.start
        assert earlier.end <= later.start
        if min_interval is not None:
            assert later.start - earlier.start >= min_interval
    if max_per_week is not None:
        assert all(n <= max_per_week for n in per_week.values())

    assert len(sessions) <= count
    assert result.unplaced == count - len(sessions)
    if len(sessions) == count:
        assert result.reasons == ()
    else:
        assert [r.code for r in result.reasons] == [ReasonCode.HORIZON_EXHAUSTED]
        # The shortfall is explained: every pattern date in the horizon was placed or skipped.
        horizon = [start + timedelta(days=n) for n in range(7 * horizon_weeks)]
        pattern_dates = {d for d in horizon if d.weekday() in weekdays}
        assert pattern_dates == {s.local_date for s in sessions} | {
            s.local_date for s in result.skipped
        }
    # Every skipped pattern date carries at least one reason and is not also a session date.
    placed = {s.local_date for s in sessions}
    event("complete" if len(sessions) == count else "shortfall")
    event(f"moved={any(r.code is ReasonCode.CONFLICT_MOVED for s in sessions for r in s.reasons)}")
    for slot in result.skipped:
        assert slot.reasons
        assert slot.local_date not in placed


@settings(max_examples=200, deadline=None)
@given(
    a=st.integers(0, 100),
    la=st.integers(1, 50),
    b=st.integers(0, 100),
    lb=st.integers(1, 50),
)
def test_conflicts_is_symmetric_half_open_overlap(a: int, la: int, b: int, lb: int) -> None:
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=1)
    first = (origin + a * step, origin + (a + la) * step)
    second = (origin + b * step, origin + (b + lb) * step)
    expected = a < b + lb and b < a + la
    assert conflicts(first, [second]) is expected
    assert conflicts(second, [first]) is expected
