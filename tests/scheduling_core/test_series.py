"""Example-based tests for the series proposer (pure core: no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketacare.scheduling_core import (
    ReasonCode,
    SeriesProposal,
    conflicts,
    propose_series,
)

CHICAGO = "America/Chicago"
WEEKDAY_HOURS = {d: (time(8, 0), time(17, 0)) for d in range(5)}
H = timedelta(hours=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def propose(**overrides: object) -> SeriesProposal:
    kwargs: dict[str, object] = {
        "start": date(2026, 3, 2),
        "count": 4,
        "weekdays": (0, 3),
        "local_time": time(9, 0),
        "duration": 2 * H,
        "zone": CHICAGO,
        "hours": WEEKDAY_HOURS,
        "closures": set(),
        "min_interval": None,
        "max_per_week": None,
        "busy": (),
    }
    kwargs.update(overrides)
    return propose_series(**kwargs)  # type: ignore[arg-type]


def codes(reasons: tuple[object, ...]) -> list[ReasonCode]:
    return [r.code for r in reasons]  # type: ignore[attr-defined]


# --- conflicts -------------------------------------------------------------------------


def test_touching_intervals_do_not_conflict() -> None:
    busy = [(utc(2026, 1, 5, 15), utc(2026, 1, 5, 16))]
    assert not conflicts((utc(2026, 1, 5, 16), utc(2026, 1, 5, 17)), busy)
    assert not conflicts((utc(2026, 1, 5, 14), utc(2026, 1, 5, 15)), busy)


def test_overlap_and_containment_conflict() -> None:
    busy = [(utc(2026, 1, 5, 15), utc(2026, 1, 5, 16))]
    assert conflicts((utc(2026, 1, 5, 15, 59), utc(2026, 1, 5, 17)), busy)
    assert conflicts((utc(2026, 1, 5, 14), utc(2026, 1, 5, 15, 1)), busy)
    assert conflicts((utc(2026, 1, 5, 14), utc(2026, 1, 5, 18)), busy)
    assert conflicts((utc(2026, 1, 5, 15, 10), utc(2026, 1, 5, 15, 20)), busy)


def test_conflicts_compares_instants_across_zones() -> None:
    chicago = ZoneInfo(CHICAGO)
    busy = [(datetime(2026, 1, 5, 9, tzinfo=chicago), datetime(2026, 1, 5, 10, tzinfo=chicago))]
    assert not conflicts((utc(2026, 1, 5, 16), utc(2026, 1, 5, 17)), busy)
    assert conflicts((utc(2026, 1, 5, 15, 30), utc(2026, 1, 5, 17)), busy)


def test_conflicts_refuses_naive_and_empty_intervals() -> None:
    naive = datetime(2026, 1, 5, 15)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        conflicts((naive, utc(2026, 1, 5, 16)), [])
    with pytest.raises(ValueError, match="start < end"):
        conflicts((utc(2026, 1, 5, 16), utc(2026, 1, 5, 16)), [])


# --- basic series ----------------------------------------------------------------------


def test_plain_series_in_winter() -> None:
    result = propose(start=date(2026, 1, 5))
    assert result.complete and result.unplaced == 0 and result.reasons == ()
    assert [s.local_date for s in result.sessions] == [
        date(2026, 1, 5),
        date(2026, 1, 8),
        date(2026, 1, 12),
        date(2026, 1, 15),
    ]
    first = result.sessions[0]
    assert first.start == utc(2026, 1, 5, 15) and first.end == utc(2026, 1, 5, 17)
    assert first.start.tzinfo is UTC
    assert result.skipped == ()


def test_wall_clock_time_kept_across_spring_dst_change() -> None:
    # US DST starts Sunday 2026-03-08: 09:00 CST = 15:00 UTC, 09:00 CDT = 14:00 UTC.
    result = propose(start=date(2026, 3, 5), count=2, weekdays=(3,))
    before, after = result.sessions
    assert before.local_date == date(2026, 3, 5) and before.start == utc(2026, 3, 5, 15)
    assert after.local_date == date(2026, 3, 12) and after.start == utc(2026, 3, 12, 14)
    assert after.end - after.start == 2 * H


def test_wall_clock_time_kept_across_autumn_dst_change() -> None:
    # US DST ends Sunday 2026-11-01.
    result = propose(start=date(2026, 10, 29), count=2, weekdays=(3,))
    assert [s.start for s in result.sessions] == [utc(2026, 10, 29, 14), utc(2026, 11, 5, 15)]


def test_nonexistent_local_time_is_skipped_with_reason() -> None:
    hours = {6: (time(0, 0), time(23, 0))}
    result = propose(
        start=date(2026, 3, 1),
        count=2,
        weekdays=(6,),
        local_time=time(2, 30),
        duration=H,
        hours=hours,
    )
    assert [s.local_date for s in result.sessions] == [date(2026, 3, 1), date(2026, 3, 15)]
    (skip,) = result.skipped
    assert skip.local_date == date(2026, 3, 8)
    assert codes(skip.reasons) == [ReasonCode.NONEXISTENT_LOCAL_TIME]


def test_ambiguous_local_time_uses_fold_zero_and_says_so() -> None:
    hours = {6: (time(0, 0), time(23, 0))}
    result = propose(
        start=date(2026, 11, 1),
        count=1,
        weekdays=(6,),
        local_time=time(1, 30),
        duration=H,
        hours=hours,
    )
    (session,) = result.sessions
    # 01:30 CDT (fold=0, UTC-5) is 06:30 UTC; the second 01:30 (CST) would be 07:30 UTC.
    assert session.start == utc(2026, 11, 1, 6, 30)
    assert codes(session.reasons) == [ReasonCode.AMBIGUOUS_LOCAL_TIME]
    assert "fold=0" in session.reasons[0].detail


# --- skips and moves -------------------------------------------------------------------


def test_closure_is_skipped_and_series_extends() -> None:
    result = propose(start=date(2026, 1, 5), closures={date(2026, 1, 8)})
    assert date(2026, 1, 8) not in [s.local_date for s in result.sessions]
    assert len(result.sessions) == 4
    assert [(s.local_date, codes(s.reasons)) for s in result.skipped] == [
        (date(2026, 1, 8), [ReasonCode.CLOSURE])
    ]


def test_day_without_hours_and_session_past_closing_are_outside_hours() -> None:
    result = propose(start=date(2026, 1, 5), count=2, weekdays=(0, 5))
    assert codes(result.skipped[0].reasons) == [ReasonCode.OUTSIDE_HOURS]  # Saturday
    late = propose(start=date(2026, 1, 5), count=1, local_time=time(16, 0))
    assert late.sessions == () and late.unplaced == 1
    assert {r.code for s in late.skipped for r in s.reasons} == {ReasonCode.OUTSIDE_HOURS}
    assert codes(late.reasons) == [ReasonCode.HORIZON_EXHAUSTED]


def test_conflict_moves_session_later_the_same_day() -> None:
    busy = [(utc(2026, 1, 5, 14), utc(2026, 1, 5, 16, 30))]
    result = propose(start=date(2026, 1, 5), count=1, busy=busy)
    (session,) = result.sessions
    assert session.start == utc(2026, 1, 5, 16, 30)  # 10:30 local
    assert codes(session.reasons) == [ReasonCode.CONFLICT_MOVED]


def test_conflict_moves_past_chained_busy_intervals() -> None:
    busy = [
        (utc(2026, 1, 5, 16), utc(2026, 1, 5, 17)),
        (utc(2026, 1, 5, 18), utc(2026, 1, 5, 19)),
    ]
    result = propose(start=date(2026, 1, 5), count=1, busy=busy)
    assert result.sessions[0].start == utc(2026, 1, 5, 19)


def test_busy_touching_session_is_not_moved() -> None:
    busy = [(utc(2026, 1, 5, 17), utc(2026, 1, 5, 18))]
    result = propose(start=date(2026, 1, 5), count=1, busy=busy)
    assert result.sessions[0].start == utc(2026, 1, 5, 15)
    assert result.sessions[0].reasons == ()


def test_conflict_that_cannot_be_moved_is_skipped() -> None:
    busy = [(utc(2026, 1, 5, 14), utc(2026, 1, 5, 22))]  # 08:00-16:00 local
    result = propose(start=date(2026, 1, 5), count=1, busy=busy)
    assert result.sessions[0].local_date == date(2026, 1, 8)
    assert codes(result.skipped[0].reasons) == [ReasonCode.CONFLICT]


def test_min_interval_skips_too_close_slots() -> None:
    result = propose(start=date(2026, 1, 5), count=3, weekdays=(0, 1, 2, 3, 4), min_interval=72 * H)
    assert [s.local_date for s in result.sessions] == [
        date(2026, 1, 5),
        date(2026, 1, 8),
        date(2026, 1, 12),
    ]
    assert {r.code for s in result.skipped for r in s.reasons} == {ReasonCode.INTERVAL}


def test_weekly_limit_uses_iso_weeks() -> None:
    result = propose(start=date(2026, 1, 5), count=4, weekdays=(0, 2, 4), max_per_week=2)
    assert [s.local_date for s in result.sessions] == [
        date(2026, 1, 5),
        date(2026, 1, 7),
        date(2026, 1, 12),
        date(2026, 1, 14),
    ]
    assert [codes(s.reasons) for s in result.skipped] == [[ReasonCode.WEEKLY_LIMIT]]


def test_weekly_limit_counts_the_local_date_not_the_utc_date() -> None:
    # Sunday 20:00 in Chicago is Monday 02:00 UTC: it belongs to the local (Sunday) ISO week.
    hours = {d: (time(0, 0), time(23, 0)) for d in range(7)}
    result = propose(
        start=date(2026, 1, 4),
        count=3,
        weekdays=(6, 0),
        local_time=time(20, 0),
        duration=H,
        hours=hours,
        max_per_week=1,
    )
    assert [s.local_date for s in result.sessions] == [
        date(2026, 1, 4),
        date(2026, 1, 5),
        date(2026, 1, 12),
    ]


def test_horizon_limits_the_search() -> None:
    result = propose(start=date(2026, 1, 5), count=30, weekdays=(0,), horizon_weeks=12)
    assert len(result.sessions) == 12 and result.unplaced == 18
    assert codes(result.reasons) == [ReasonCode.HORIZON_EXHAUSTED]


def test_zero_count_is_empty_and_complete() -> None:
    result = propose(count=0)
    assert result.sessions == () and result.complete


@pytest.mark.parametrize(
    "overrides",
    [
        {"count": -1},
        {"weekdays": ()},
        {"weekdays": (7,)},
        {"duration": timedelta(0)},
        {"zone": "Mars/Olympus"},
        {"max_per_week": 0},
        {"min_interval": -H},
        {"hours": {0: (time(17), time(8))}},
        {"busy": [(datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 10))]},  # noqa: DTZ001
    ],
)
def test_invalid_input_is_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        propose(**overrides)
