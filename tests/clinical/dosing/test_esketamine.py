"""Spravato session rules: day 1, 84 mg only after 56 mg, sessions per treatment week, devices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ketacare.clinical.dosing import (
    FindingCode,
    GivenDose,
    Milligrams,
    Minutes,
    check_device_gaps,
    check_esketamine_session,
    device_offsets,
    devices_for,
    treatment_week,
)

DAY1 = date(2025, 1, 6)
MG56, MG84, MG28 = (Milligrams(Decimal(v)) for v in (56, 84, 28))


def codes(findings: tuple[object, ...]) -> set[FindingCode]:
    return {f.code for f in findings}  # type: ignore[attr-defined]


def on(day: int, dose: Milligrams = MG56) -> GivenDose:
    """A session on treatment day `day` (day 1 = DAY1)."""
    return GivenDose(DAY1 + timedelta(days=day - 1), dose)


def test_day_one_is_56_mg() -> None:
    assert check_esketamine_session([], DAY1, MG56) == ()
    assert codes(check_esketamine_session([], DAY1, MG84)) == {FindingCode.ESKETAMINE_DAY_ONE}


def test_28_mg_only_where_the_local_label_allows_it() -> None:
    assert FindingCode.ESKETAMINE_DOSE_NOT_ALLOWED in codes(
        check_esketamine_session([], DAY1, MG28)
    )
    assert check_esketamine_session([], DAY1, MG28, allow_28_mg=True) == ()


def test_84_mg_only_after_a_56_mg_dose() -> None:
    assert check_esketamine_session([on(1)], on(4).on, MG84) == ()
    only_28 = [on(1, MG28)]
    found = check_esketamine_session(only_28, on(4).on, MG84, allow_28_mg=True)
    assert codes(found) == {FindingCode.ESKETAMINE_84_BEFORE_56}


def test_a_third_session_in_an_induction_week_is_blocked() -> None:
    # Days 1 and 4 are week 1; day 7 is still week 1 -> third session; day 8 opens week 2.
    history = [on(1), on(4)]
    assert codes(check_esketamine_session(history, on(7).on, MG56)) == {
        FindingCode.ESKETAMINE_TOO_FREQUENT
    }
    assert check_esketamine_session(history, on(8).on, MG56) == ()


def test_weeks_5_to_8_allow_one_session_a_week() -> None:
    # Week 5 = days 29-35. One session on day 29; another on day 33 is blocked.
    history = [on(n) for n in (1, 4, 8, 11, 15, 18, 22, 25, 29)]
    assert codes(check_esketamine_session(history, on(33).on, MG56)) == {
        FindingCode.ESKETAMINE_TOO_FREQUENT
    }
    assert check_esketamine_session(history, on(36).on, MG56) == ()


def test_week_9_onward_allows_weekly_or_every_two_weeks() -> None:
    history = [on(n) for n in (1, 4, 8, 11, 15, 18, 22, 25, 29, 36, 43, 50)]
    assert treatment_week(DAY1, on(57).on) == 9
    assert check_esketamine_session(history, on(57).on, MG84) == ()  # weekly
    assert check_esketamine_session(history, on(64).on, MG84) == ()  # two weeks later
    assert codes(check_esketamine_session([*history, on(57)], on(60).on, MG84)) == {
        FindingCode.ESKETAMINE_TOO_FREQUENT
    }


def test_the_first_session_after_induction_prompts_a_benefit_review() -> None:
    history = [on(n) for n in (1, 4, 8, 11, 15, 18, 22, 25)]
    assert codes(check_esketamine_session(history, on(29).on, MG56)) == {
        FindingCode.ESKETAMINE_REVIEW_BENEFIT
    }


def test_two_sessions_on_one_day_are_blocked() -> None:
    assert FindingCode.ESKETAMINE_SAME_DAY in codes(check_esketamine_session([on(1)], DAY1, MG56))


def test_a_history_dated_after_the_proposed_session_is_refused() -> None:
    with pytest.raises(ValueError):
        check_esketamine_session([on(5)], on(2).on, MG56)


@pytest.mark.parametrize(("dose", "devices"), [(28, 1), (56, 2), (84, 3)])
def test_device_count_is_dose_over_28(dose: int, devices: int) -> None:
    assert devices_for(Milligrams(Decimal(dose))) == devices
    offsets = device_offsets(Milligrams(Decimal(dose)))
    assert offsets == tuple(Minutes(Decimal(5 * i)) for i in range(devices))


def test_a_dose_that_is_not_whole_devices_is_refused() -> None:
    with pytest.raises(ValueError):
        devices_for(Milligrams(Decimal(60)))


def test_devices_need_five_minutes_between_them() -> None:
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    gaps = [start, start + timedelta(minutes=5), start + timedelta(minutes=9, seconds=59)]
    found = check_device_gaps(gaps)
    assert codes(found) == {FindingCode.ESKETAMINE_DEVICE_GAP}
    assert len(found) == 1
    assert check_device_gaps([start, start + timedelta(minutes=5)]) == ()
