"""TRD evidence: two failed adequate trials of at least 4 weeks (the 4-6-week range handled)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ketacare.clinical.eligibility import (
    AntidepressantTrial,
    Indication,
    Route,
    Severity,
    Thresholds,
    TrdAssessment,
    TrdLabel,
    TrialOutcome,
    WorkupResults,
    assess_trd,
)
from tests.clinical.eligibility.builders import clean, failed_trial, judge, severities

DEFAULTS = Thresholds()


def _trd_with(second: AntidepressantTrial, thresholds: Thresholds = DEFAULTS) -> TrdAssessment:
    return assess_trd(clean(trials=(failed_trial("sertraline"), second)), thresholds)


def test_two_failed_adequate_trials_meet_trd() -> None:
    trd = assess_trd(clean(), DEFAULTS)
    assert trd.meets_trd
    assert trd.label is TrdLabel.TRD
    assert trd.adequate_trials == 2
    assert trd.required_trials == 2
    assert "S21a" in trd.source


def test_one_failed_trial_is_off_label_non_trd() -> None:
    trd = assess_trd(clean(trials=(failed_trial(),)), DEFAULTS)
    assert not trd.meets_trd
    assert trd.label is TrdLabel.OFF_LABEL_NON_TRD
    assert trd.label.value == "off-label / non-TRD"
    assert any("Only 1" in reason for reason in trd.reasons)


@pytest.mark.parametrize(
    ("weeks", "counts", "borderline"),
    [
        ("3.9", False, False),
        ("3.99", False, False),
        ("4", True, True),
        ("5.9", True, True),
        ("6", True, False),
        ("12", True, False),
    ],
)
def test_trial_length_against_the_4_to_6_week_range(
    weeks: str, counts: bool, borderline: bool
) -> None:
    trd = _trd_with(failed_trial("venlafaxine", weeks))
    assert trd.meets_trd is counts
    assert trd.adequate_trials == (2 if counts else 1)
    assert trd.borderline_trials == (1 if borderline else 0)
    venlafaxine = next(r for r in trd.reasons if r.startswith("venlafaxine"))
    if not counts:
        assert "shorter than the 4-week minimum" in venlafaxine
    elif borderline:
        assert "under 6 weeks" in venlafaxine


def test_3_point_99_weeks_is_never_shown_as_4() -> None:
    trd = _trd_with(failed_trial("venlafaxine", "3.999"))
    assert any("3.99 weeks is shorter" in reason for reason in trd.reasons)


@pytest.mark.parametrize(("days", "counts"), [(27, False), (28, True), (42, True)])
def test_a_dated_trial_is_measured_in_days_over_7(days: int, counts: bool) -> None:
    start = date(2026, 1, 5)
    trial = AntidepressantTrial(
        drug="escitalopram",
        adequate_dose=True,
        outcome=TrialOutcome.NO_RESPONSE,
        start_date=start,
        end_date=start + timedelta(days=days),
    )
    assert _trd_with(trial).meets_trd is counts


def test_an_organisation_can_require_the_upper_end_of_6_weeks() -> None:
    strict = Thresholds().with_overrides({"trd_min_trial_weeks": "6"})
    assert not _trd_with(failed_trial("venlafaxine", "5.9"), strict).meets_trd
    assert _trd_with(failed_trial("venlafaxine", "6"), strict).meets_trd
    assert _trd_with(failed_trial("venlafaxine", "6"), strict).borderline_trials == 0


def test_an_organisation_can_require_three_trials() -> None:
    three = Thresholds().with_overrides({"trd_min_adequate_trials": 3})
    assert not assess_trd(clean(), three).meets_trd
    trials = (failed_trial("a"), failed_trial("b"), failed_trial("c"))
    assert assess_trd(clean(trials=trials), three).meets_trd


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"adequate_dose": False}, "dose was not recorded as adequate"),
        ({"current_episode": False}, "not in the current episode"),
        ({"outcome": TrialOutcome.RESPONSE}, "responded"),
        ({"outcome": TrialOutcome.REMISSION}, "responded"),
        ({"outcome": TrialOutcome.NOT_TOLERATED}, "not tolerated"),
        ({"outcome": TrialOutcome.UNKNOWN}, "outcome is not recorded"),
        ({"duration_weeks": None}, "length is not recorded"),
    ],
)
def test_a_trial_that_is_not_a_documented_adequate_failure_does_not_count(
    changes: dict[str, Any], why: str
) -> None:
    trd = _trd_with(failed_trial("venlafaxine", **changes))
    assert not trd.meets_trd
    assert any(why in reason for reason in trd.reasons)


def test_a_partial_response_counts_as_a_failure_to_respond() -> None:
    trd = _trd_with(failed_trial("venlafaxine", outcome=TrialOutcome.PARTIAL_RESPONSE))
    assert trd.meets_trd
    assert any("partial response" in reason for reason in trd.reasons)


def test_bipolar_depression_needs_one_failed_trial() -> None:
    bipolar = clean(
        indications=frozenset({Indication.BIPOLAR_DEPRESSION}), trials=(failed_trial(),)
    )
    trd = assess_trd(bipolar, DEFAULTS)
    assert trd.required_trials == 1
    assert trd.meets_trd


def test_bipolar_with_an_mdd_indication_uses_the_mdd_number() -> None:
    both = frozenset({Indication.BIPOLAR_DEPRESSION, Indication.MAJOR_DEPRESSIVE_DISORDER})
    assert (
        assess_trd(clean(indications=both, trials=(failed_trial(),)), DEFAULTS).required_trials == 2
    )


def test_trd_needs_a_baseline_madrs_or_phq9() -> None:
    trd = assess_trd(clean(workup=WorkupResults()), DEFAULTS)
    assert not trd.meets_trd
    assert trd.adequate_trials == 2
    assert any("baseline MADRS or PHQ-9" in reason for reason in trd.reasons)


def test_without_a_depressive_indication_the_plan_is_non_trd() -> None:
    trd = assess_trd(clean(indications=frozenset({Indication.CHRONIC_PAIN})), DEFAULTS)
    assert not trd.meets_trd
    assert any("TRD does not apply" in reason for reason in trd.reasons)


def test_the_trd_label_is_information_on_the_racemic_routes() -> None:
    report = judge(clean(trials=(failed_trial(),)))
    assert severities(report, Route.IV, "trd.evidence") == {Severity.INFO}
    assert report.trd.label is TrdLabel.OFF_LABEL_NON_TRD


def test_esketamine_outside_trd_is_an_off_label_caution() -> None:
    report = judge(clean(trials=(failed_trial(),)))
    assert severities(report, Route.ESKETAMINE, "indication.esketamine_label") == {Severity.CAUTION}


def test_esketamine_for_mdd_with_suicidal_ideation_is_within_label_without_trd() -> None:
    indications = frozenset({Indication.MDD_WITH_ACUTE_SUICIDAL_IDEATION})
    report = judge(clean(indications=indications, trials=()))
    assert severities(report, Route.ESKETAMINE, "indication.esketamine_label") == {Severity.INFO}


def test_a_trial_with_both_a_length_and_dates_is_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        failed_trial(start_date=date(2026, 1, 1), end_date=date(2026, 3, 1))


def test_a_trial_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        AntidepressantTrial(
            drug="sertraline",
            adequate_dose=True,
            outcome=TrialOutcome.NO_RESPONSE,
            start_date=date(2026, 3, 1),
            end_date=date(2026, 1, 1),
        )


def test_a_negative_trial_length_is_refused() -> None:
    with pytest.raises(ValueError):
        failed_trial(weeks="-1")


def test_exact_weeks_from_dates() -> None:
    trial = AntidepressantTrial(
        "x", True, TrialOutcome.NO_RESPONSE, start_date=date(2026, 1, 1), end_date=date(2026, 1, 29)
    )
    assert trial.weeks == Decimal(4)
