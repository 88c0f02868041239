"""Recovery scores: modified Aldrete, adapted PADSS, their item helpers and reassessment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical.recovery import (
    ADAPTED_PADSS_MAXIMUM,
    ALDRETE_MAXIMUM,
    ALDRETE_PASS_THRESHOLD,
    ALDRETE_STRICT_VARIANT_FULL_MARKS,
    ALDRETE_STRICT_VARIANT_THRESHOLD,
    PADSS_DROPPED_ITEMS,
    AldreteActivity,
    AldreteCirculation,
    AldreteConsciousness,
    AldreteItem,
    AldreteRespiration,
    AldreteSpO2,
    PadssActivityMentalStatus,
    PadssNauseaVomiting,
    PadssPain,
    PadssVitalSigns,
    RecoveryScore,
    Scale,
    adapted_padss,
    aldrete_circulation,
    modified_aldrete,
    padss_activity_mental_status,
    padss_vital_signs,
    reassessment_due,
)

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
points = st.integers(0, 2)


def aldrete(**overrides: Any) -> RecoveryScore:
    answers: dict[str, Any] = {
        "activity": 2,
        "respiration": 2,
        "circulation": 2,
        "consciousness": 2,
        "spo2": 2,
    }
    answers.update(overrides)
    return modified_aldrete(**answers)


# --- item choices ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (AldreteActivity.MOVES_FOUR_LIMBS, 2),
        (AldreteActivity.MOVES_TWO_LIMBS, 1),
        (AldreteActivity.MOVES_NO_LIMBS, 0),
        (AldreteRespiration.BREATHES_DEEPLY_AND_COUGHS, 2),
        (AldreteRespiration.DYSPNOEA_OR_SHALLOW, 1),
        (AldreteRespiration.APNOEA, 0),
        (AldreteCirculation.WITHIN_20_MMHG, 2),
        (AldreteCirculation.WITHIN_20_TO_50_MMHG, 1),
        (AldreteCirculation.BEYOND_50_MMHG, 0),
        (AldreteConsciousness.FULLY_AWAKE, 2),
        (AldreteConsciousness.ROUSES_WHEN_CALLED, 1),
        (AldreteConsciousness.NO_RESPONSE, 0),
        (AldreteSpO2.ABOVE_92_ON_ROOM_AIR, 2),
        (AldreteSpO2.NEEDS_OXYGEN_TO_STAY_ABOVE_90, 1),
        (AldreteSpO2.BELOW_90_EVEN_WITH_OXYGEN, 0),
        (PadssVitalSigns.WITHIN_20_PERCENT, 2),
        (PadssVitalSigns.WITHIN_20_TO_40_PERCENT, 1),
        (PadssVitalSigns.BEYOND_40_PERCENT, 0),
        (PadssActivityMentalStatus.ORIENTED_AND_STEADY_GAIT, 2),
        (PadssActivityMentalStatus.ONE_OF_THE_TWO, 1),
        (PadssActivityMentalStatus.NEITHER, 0),
        (PadssPain.MINIMAL, 2),
        (PadssPain.MODERATE_NEEDS_TREATMENT, 1),
        (PadssPain.SEVERE, 0),
        (PadssNauseaVomiting.MINIMAL, 2),
        (PadssNauseaVomiting.MODERATE_NEEDS_TREATMENT, 1),
        (PadssNauseaVomiting.SEVERE, 0),
    ],
)
def test_each_choice_scores_its_published_points(choice: AldreteActivity, expected: int) -> None:
    assert choice.points == expected


# --- modified Aldrete -------------------------------------------------------------------------


def test_a_fully_recovered_patient_scores_10_and_passes() -> None:
    score = modified_aldrete(
        activity=AldreteActivity.MOVES_FOUR_LIMBS,
        respiration=AldreteRespiration.BREATHES_DEEPLY_AND_COUGHS,
        circulation=AldreteCirculation.WITHIN_20_MMHG,
        consciousness=AldreteConsciousness.FULLY_AWAKE,
        spo2=AldreteSpO2.ABOVE_92_ON_ROOM_AIR,
    )
    assert (score.scale, score.total, score.maximum) == (Scale.MODIFIED_ALDRETE, 10, 10)
    assert score.threshold == 9
    assert score.passed
    assert score.points("spo2") == 2
    assert "[S17, S17a]" in score.source


def test_default_threshold_is_9_one_below_at_and_above() -> None:
    assert ALDRETE_PASS_THRESHOLD == 9
    below = aldrete(activity=1, consciousness=1)  # 8
    at = aldrete(consciousness=1)  # 9
    above = aldrete()  # 10
    assert (below.total, below.passed) == (8, False)
    assert (at.total, at.passed) == (9, True)
    assert (above.total, above.passed) == (10, True)


def test_a_failing_score_says_why_and_names_each_item_that_lost_points() -> None:
    score = modified_aldrete(
        activity=AldreteActivity.MOVES_TWO_LIMBS,
        respiration=2,
        circulation=2,
        consciousness=AldreteConsciousness.ROUSES_WHEN_CALLED,
        spo2=2,
    )
    assert not score.passed
    text = " ".join(score.reasons)
    assert "8/10 is below the threshold of 9" in text
    assert "activity scored 1 (moves two limbs)" in text
    assert "consciousness scored 1 (rouses when called)" in text
    assert "respiration scored" not in text


def test_the_threshold_can_be_overridden() -> None:
    assert aldrete(activity=1, consciousness=1, threshold=8).passed
    assert not aldrete(consciousness=1, threshold=10).passed


@pytest.mark.parametrize("threshold", [0, 11, -1])
def test_an_impossible_threshold_is_refused(threshold: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        aldrete(threshold=threshold)


def test_strict_variant_needs_respiration_and_spo2_at_full_marks() -> None:
    strict = {
        "threshold": ALDRETE_STRICT_VARIANT_THRESHOLD,
        "full_marks_required": ALDRETE_STRICT_VARIANT_FULL_MARKS,
    }
    assert ALDRETE_STRICT_VARIANT_THRESHOLD == 8
    assert aldrete(activity=1, consciousness=1, **strict).passed
    low_spo2 = aldrete(spo2=1, **strict)
    assert low_spo2.total == 9
    assert not low_spo2.passed
    assert "[S17b]" in " ".join(low_spo2.reasons)
    assert not aldrete(respiration=1, **strict).passed
    assert not aldrete(activity=0, consciousness=1, **strict).passed


def test_full_marks_items_accept_plain_names() -> None:
    assert not aldrete(respiration=1, full_marks_required=["respiration"]).passed
    with pytest.raises(ValueError):
        aldrete(full_marks_required=["bleeding"])


@pytest.mark.parametrize("bad", [3, -1, True, "moves_three_limbs", 1.5])
def test_an_answer_that_is_not_a_score_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="activity"):
        aldrete(activity=bad)


def test_an_answer_from_another_item_is_refused() -> None:
    with pytest.raises(ValueError, match="another item"):
        aldrete(activity=AldreteRespiration.APNOEA)


def test_answers_may_be_given_as_their_stored_value() -> None:
    score = aldrete(spo2="needs_oxygen_to_stay_above_90")
    assert score.points(AldreteItem.SPO2) == 1


def test_points_of_an_unknown_item_raise_key_error() -> None:
    with pytest.raises(KeyError):
        aldrete().points("bleeding")


@settings(deadline=None, max_examples=200)
@given(points, points, points, points, points, st.integers(1, 10))
def test_aldrete_total_is_the_sum_within_0_to_10(
    a: int, r: int, c: int, co: int, s: int, threshold: int
) -> None:
    score = modified_aldrete(
        activity=a, respiration=r, circulation=c, consciousness=co, spo2=s, threshold=threshold
    )
    assert 0 <= score.total <= ALDRETE_MAXIMUM
    assert score.total == a + r + c + co + s
    assert score.passed == (score.total >= threshold)
    assert len(score.items) == 5


# --- circulation from blood pressure ---------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (120, AldreteCirculation.WITHIN_20_MMHG),
        (139, AldreteCirculation.WITHIN_20_MMHG),
        (140, AldreteCirculation.WITHIN_20_MMHG),  # exactly +20: within
        (100, AldreteCirculation.WITHIN_20_MMHG),  # exactly -20
        (141, AldreteCirculation.WITHIN_20_TO_50_MMHG),
        (99, AldreteCirculation.WITHIN_20_TO_50_MMHG),
        (169, AldreteCirculation.WITHIN_20_TO_50_MMHG),
        (170, AldreteCirculation.WITHIN_20_TO_50_MMHG),  # exactly +50
        (70, AldreteCirculation.WITHIN_20_TO_50_MMHG),  # exactly -50
        (171, AldreteCirculation.BEYOND_50_MMHG),
        (69, AldreteCirculation.BEYOND_50_MMHG),
    ],
)
def test_circulation_from_the_change_against_pre_dose(
    now: int, expected: AldreteCirculation
) -> None:
    assert aldrete_circulation(120, now) is expected


def test_circulation_refuses_non_positive_pressures() -> None:
    with pytest.raises(ValueError):
        aldrete_circulation(0, 120)


# --- adapted PADSS ---------------------------------------------------------------------------


def padss(**overrides: Any) -> RecoveryScore:
    answers: dict[str, Any] = {
        "vital_signs": 2,
        "activity_mental_status": 2,
        "pain": 2,
        "nausea_vomiting": 2,
        "threshold": 7,
    }
    answers.update(overrides)
    return adapted_padss(**answers)


def test_adapted_padss_has_four_items_and_a_maximum_of_8() -> None:
    score = adapted_padss(
        vital_signs=PadssVitalSigns.WITHIN_20_PERCENT,
        activity_mental_status=PadssActivityMentalStatus.ORIENTED_AND_STEADY_GAIT,
        pain=PadssPain.MINIMAL,
        nausea_vomiting=PadssNauseaVomiting.MINIMAL,
        threshold=8,
    )
    assert (score.scale, score.total, score.maximum) == (Scale.ADAPTED_PADSS, 8, 8)
    assert ADAPTED_PADSS_MAXIMUM == 8
    assert [item.item for item in score.items] == [
        "vital_signs",
        "activity_mental_status",
        "pain",
        "nausea_vomiting",
    ]
    assert set(PADSS_DROPPED_ITEMS) == {"surgical_bleeding", "intake_output"}
    assert "[S18a]" in score.source


def test_adapted_padss_threshold_is_required() -> None:
    with pytest.raises(TypeError):
        adapted_padss(  # type: ignore[call-arg]
            vital_signs=2, activity_mental_status=2, pain=2, nausea_vomiting=2
        )


def test_the_surgical_threshold_of_9_cannot_be_used_on_the_8_point_form() -> None:
    with pytest.raises(ValueError, match="between 1 and 8"):
        padss(threshold=9)


def test_adapted_padss_threshold_one_below_at_and_above() -> None:
    assert not padss(pain=1, nausea_vomiting=1, threshold=7).passed
    assert padss(pain=1, threshold=7).passed
    assert padss(threshold=7).passed


def test_adapted_padss_says_its_threshold_is_the_organisations() -> None:
    score = padss()
    assert "organisation" in score.reasons[-1]


def test_pain_and_nausea_are_scored_separately() -> None:
    score = padss(pain=PadssPain.SEVERE, nausea_vomiting=PadssNauseaVomiting.MINIMAL)
    assert score.points("pain") == 0
    assert score.points("nausea_vomiting") == 2
    with pytest.raises(ValueError, match="another item"):
        padss(pain=PadssNauseaVomiting.SEVERE)


@settings(deadline=None, max_examples=200)
@given(points, points, points, points, st.integers(1, 8))
def test_padss_total_is_the_sum_within_0_to_8(
    v: int, a: int, p: int, n: int, threshold: int
) -> None:
    score = adapted_padss(
        vital_signs=v, activity_mental_status=a, pain=p, nausea_vomiting=n, threshold=threshold
    )
    assert 0 <= score.total <= ADAPTED_PADSS_MAXIMUM
    assert score.total == v + a + p + n
    assert score.passed == (score.total >= threshold)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (119, PadssVitalSigns.WITHIN_20_PERCENT),
        (120, PadssVitalSigns.WITHIN_20_PERCENT),  # exactly +20 %
        (80, PadssVitalSigns.WITHIN_20_PERCENT),  # exactly -20 %
        (121, PadssVitalSigns.WITHIN_20_TO_40_PERCENT),
        (79, PadssVitalSigns.WITHIN_20_TO_40_PERCENT),
        (140, PadssVitalSigns.WITHIN_20_TO_40_PERCENT),  # exactly +40 %
        (60, PadssVitalSigns.WITHIN_20_TO_40_PERCENT),  # exactly -40 %
        (141, PadssVitalSigns.BEYOND_40_PERCENT),
        (59, PadssVitalSigns.BEYOND_40_PERCENT),
    ],
)
def test_padss_vital_signs_from_the_percentage_change(
    current: int, expected: PadssVitalSigns
) -> None:
    assert padss_vital_signs(pre_dose={"systolic": 100}, current={"systolic": current}) is expected


def test_padss_vital_signs_takes_the_worst_shared_value() -> None:
    item = padss_vital_signs(
        pre_dose={"systolic": 100, "heart_rate": 60, "spo2": 98},
        current={"systolic": 105, "heart_rate": 90},  # heart rate +50 %
    )
    assert item is PadssVitalSigns.BEYOND_40_PERCENT
    item = padss_vital_signs(
        pre_dose={"systolic": 100, "heart_rate": 60},
        current={"systolic": 125, "heart_rate": 60},
    )
    assert item is PadssVitalSigns.WITHIN_20_TO_40_PERCENT


def test_padss_vital_signs_needs_a_shared_positive_value() -> None:
    with pytest.raises(ValueError, match="No vital sign"):
        padss_vital_signs(pre_dose={"systolic": 100}, current={"heart_rate": 70})
    with pytest.raises(ValueError):
        padss_vital_signs(pre_dose={"systolic": 0}, current={"systolic": 70})


@pytest.mark.parametrize(
    ("oriented", "steady", "expected"),
    [
        (True, True, PadssActivityMentalStatus.ORIENTED_AND_STEADY_GAIT),
        (True, False, PadssActivityMentalStatus.ONE_OF_THE_TWO),
        (False, True, PadssActivityMentalStatus.ONE_OF_THE_TWO),
        (False, False, PadssActivityMentalStatus.NEITHER),
    ],
)
def test_activity_and_mental_status_needs_both_for_2(
    oriented: bool, steady: bool, expected: PadssActivityMentalStatus
) -> None:
    assert padss_activity_mental_status(oriented_x3=oriented, steady_gait=steady) is expected


# --- reassessment ----------------------------------------------------------------------------


def test_a_passing_score_needs_no_reassessment() -> None:
    due = reassessment_due(T0, T0 + timedelta(hours=2), passed=True)
    assert not due.needed
    assert due.due_at is None
    assert not due.overdue


def test_a_failing_score_is_rescored_30_minutes_later() -> None:
    before = reassessment_due(T0, T0 + timedelta(minutes=29), passed=False)
    at = reassessment_due(T0, T0 + timedelta(minutes=30), passed=False)
    after = reassessment_due(T0, T0 + timedelta(minutes=31), passed=False)
    for due in (before, at, after):
        assert due.needed
        assert due.due_at == T0 + timedelta(minutes=30)
    assert not before.overdue
    assert not at.overdue
    assert after.overdue
    assert after.overdue_by == timedelta(minutes=1)
    assert "overdue by 1 min" in after.reason
    assert "[S18b" in before.reason


def test_the_reassessment_interval_is_a_parameter() -> None:
    due = reassessment_due(T0, T0, passed=False, interval=timedelta(minutes=15))
    assert due.due_at == T0 + timedelta(minutes=15)
    with pytest.raises(ValueError):
        reassessment_due(T0, T0, passed=False, interval=timedelta(0))


def test_reassessment_refuses_naive_or_future_times() -> None:
    naive = datetime(2025, 3, 4, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone"):
        reassessment_due(naive, T0, passed=False)
    with pytest.raises(ValueError, match="timezone"):
        reassessment_due(T0, naive, passed=False)
    with pytest.raises(ValueError, match="after now"):
        reassessment_due(T0 + timedelta(minutes=1), T0, passed=False)
