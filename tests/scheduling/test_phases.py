"""Course phases (pure): esketamine's label weeks 1–4 twice weekly, 5–8 once weekly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.scheduling_core import ESKETAMINE_TRD_PHASES, course_week, course_weeks, phase_for

START = date(2027, 3, 1)


def test_weeks_count_from_the_first_session_not_the_calendar():
    assert course_week(START, START) == 1
    assert course_week(START, START + timedelta(days=6)) == 1
    assert course_week(START, START + timedelta(days=7)) == 2


def test_esketamine_allows_two_a_week_for_four_weeks_then_one():
    limits = [phase_for(ESKETAMINE_TRD_PHASES, w).max_per_week for w in range(1, 11)]
    assert limits == [2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
    assert "S3a" in phase_for(ESKETAMINE_TRD_PHASES, 1).source


def test_course_weeks_count_sessions_already_held():
    weeks = course_weeks(
        ESKETAMINE_TRD_PHASES,
        START,
        START + timedelta(days=7),
        3,
        existing=[START, START + timedelta(days=8)],
    )
    assert [w.week for w in weeks] == [2, 3, 4]
    assert weeks[0].already == 1 and weeks[0].room == 1
    assert weeks[1].room == 2


def test_a_first_day_mid_week_starts_that_week_on_it():
    weeks = course_weeks(ESKETAMINE_TRD_PHASES, START, START + timedelta(days=3), 1)
    assert weeks[0].start == START + timedelta(days=3)
    assert weeks[0].end == START + timedelta(days=7)


def test_it_refuses_a_first_day_before_the_course():
    with pytest.raises(ValueError, match="before the course start"):
        course_weeks(ESKETAMINE_TRD_PHASES, START, START - timedelta(days=1), 2)


def test_a_finite_course_stops_where_no_phase_covers():
    finite = ESKETAMINE_TRD_PHASES[:2]
    assert len(course_weeks(finite, START, START, 20)) == 8


@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=30))
def test_course_weeks_are_consecutive_and_seven_days_long(offset, weeks):
    first = START + timedelta(days=offset)
    found = course_weeks(ESKETAMINE_TRD_PHASES, START, first, weeks)
    assert len(found) == weeks
    for a, b in zip(found, found[1:], strict=False):
        assert b.week == a.week + 1 and b.start == a.end
        assert (b.end - b.start).days == 7
    assert found[0].start == first
