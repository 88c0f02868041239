"""PHQ-9 and PHQ-2: totals, bands, item 9, missing items, response and remission."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.measures import (
    SCORING_VERSION,
    ResponseStatus,
    SafetyLevel,
    compare_to_baseline,
    get_instrument,
    score,
)
from tests.clinical.measures.forms import filled, with_total

PHQ9 = get_instrument("phq9")
PHQ2 = get_instrument("phq2")


# source: Kroenke 2001 (0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27)
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_it_places_each_band_boundary_in_the_right_band(total: int, band: str) -> None:
    result = score(PHQ9, with_total("phq9", total))
    assert result.total == total
    assert result.band is not None
    assert result.band.code == band


def test_it_sums_items_one_to_nine() -> None:
    answers = {"1": 3, "2": 2, "3": 1, "4": 0, "5": 3, "6": 2, "7": 1, "8": 0, "9": 0}
    assert score(PHQ9, answers).total == 12


def test_it_never_adds_item_10_to_the_total() -> None:
    assert score(PHQ9, filled("phq9", 1, item_10=3)).total == 9


def test_item_10_may_be_left_blank_without_making_the_form_incomplete() -> None:
    result = score(PHQ9, filled("phq9", 1))
    assert result.complete
    assert "10" not in result.answers


def test_it_gives_no_total_and_no_band_when_an_item_is_missing() -> None:
    result = score(PHQ9, filled("phq9", 3, item_4=None))
    assert not result.complete
    assert result.total is None
    assert result.band is None
    assert result.missing_items == ("4",)
    assert any("no rule that allows scoring with missing items" in r for r in result.reasons)


def test_it_does_not_pro_rate_even_with_a_single_missing_item() -> None:
    answers = filled("phq9", 2)
    del answers["1"]
    assert score(PHQ9, answers).total is None


def test_it_flags_item_9_at_one() -> None:
    result = score(PHQ9, filled("phq9", 0, item_9=1))
    assert [flag.rule_id for flag in result.safety_flags] == ["phq9_item9"]
    flag = result.safety_flags[0]
    assert flag.level is SafetyLevel.ALERT
    assert flag.item == "9"
    assert "C-SSRS" in flag.action
    assert result.needs_safety_review


@pytest.mark.parametrize("value", [1, 2, 3])
def test_it_flags_every_answer_above_not_at_all_on_item_9(value: int) -> None:
    assert score(PHQ9, filled("phq9", 0, item_9=value)).safety_flags


def test_it_does_not_flag_item_9_at_zero_even_with_a_severe_total() -> None:
    result = score(PHQ9, filled("phq9", 3, item_9=0))
    assert result.band is not None and result.band.code == "severe"
    assert result.safety_flags == ()


def test_it_flags_item_9_on_an_incomplete_form() -> None:
    result = score(PHQ9, {"9": 2})
    assert result.total is None
    assert [flag.rule_id for flag in result.safety_flags] == ["phq9_item9"]


def test_it_reports_an_unanswered_item_9_as_unassessed_risk() -> None:
    result = score(PHQ9, filled("phq9", 0, item_9=None))
    assert result.unanswered_safety_items == ("9",)
    assert result.safety_flags == ()
    assert any("has not been assessed" in reason for reason in result.reasons)


def test_it_records_instrument_and_scoring_versions() -> None:
    result = score(PHQ9, filled("phq9", 1))
    assert result.instrument_code == "phq9"
    assert result.instrument_version == "1.0.0"
    assert result.scoring_version == SCORING_VERSION


def test_it_cites_the_band_source_in_its_reasons() -> None:
    result = score(PHQ9, with_total("phq9", 12))
    assert any("Kroenke" in reason and "Moderate" in reason for reason in result.reasons)


# source: response >= 50% fall; partial 25-49% (ICSI, reference.md S22); remission < 5 (CMS159)
@pytest.mark.parametrize(
    ("baseline", "current", "status"),
    [
        (20, 10, ResponseStatus.RESPONSE),
        (20, 0, ResponseStatus.RESPONSE),
        (20, 11, ResponseStatus.PARTIAL_RESPONSE),
        (20, 15, ResponseStatus.PARTIAL_RESPONSE),
        (20, 16, ResponseStatus.NO_RESPONSE),
        (20, 20, ResponseStatus.NO_RESPONSE),
        (12, 27, ResponseStatus.NO_RESPONSE),
        (27, 14, ResponseStatus.PARTIAL_RESPONSE),
        (27, 13, ResponseStatus.RESPONSE),
    ],
)
def test_it_classifies_response_at_its_thresholds(
    baseline: int, current: int, status: ResponseStatus
) -> None:
    assert compare_to_baseline(PHQ9, baseline, current).response is status


def test_it_does_not_round_a_48_percent_fall_up_to_response() -> None:
    outcome = compare_to_baseline(PHQ9, 27, 14)
    assert outcome.percent_change == Decimal("-48.1")
    assert outcome.response is ResponseStatus.PARTIAL_RESPONSE


@pytest.mark.parametrize(("current", "remitted"), [(0, True), (4, True), (5, False)])
def test_it_calls_remission_below_five(current: int, remitted: bool) -> None:
    outcome = compare_to_baseline(PHQ9, 18, current)
    assert outcome.remission is remitted
    assert outcome.remission_threshold == 4


def test_it_defines_no_meaningful_change_for_phq9() -> None:
    outcome = compare_to_baseline(PHQ9, 18, 10)
    assert outcome.meaningful_change is None
    assert outcome.reliable_change is None


# source: Arroll 2010 (3 or more positive; 2 or more the sensitive alternative)
@pytest.mark.parametrize(("total", "positive"), [(0, False), (2, False), (3, True), (6, True)])
def test_phq2_screens_positive_at_three_or_more(total: int, positive: bool) -> None:
    result = score(PHQ2, with_total("phq2", total))
    assert result.screen_positive is positive
    assert result.screen_cutoff == 3
    assert result.band is None


def test_phq2_accepts_the_more_sensitive_cut_off_of_two() -> None:
    assert score(PHQ2, with_total("phq2", 2), screen_cutoff=2).screen_positive is True


def test_phq2_refuses_a_cut_off_the_reference_does_not_give() -> None:
    with pytest.raises(ValueError, match="cut-off 4"):
        score(PHQ2, with_total("phq2", 2), screen_cutoff=4)


def test_phq2_has_no_safety_item_and_no_change_rules() -> None:
    assert PHQ2.safety_rules == ()
    assert compare_to_baseline(PHQ2, 6, 0).response is ResponseStatus.NOT_DEFINED


def test_phq2_shares_the_wording_of_phq9_items_one_and_two() -> None:
    assert [item.text for item in PHQ2.items] == [item.text for item in PHQ9.items[:2]]


def test_a_screen_cut_off_cannot_be_set_on_an_instrument_without_one() -> None:
    with pytest.raises(ValueError, match="no screening cut-off"):
        score(PHQ9, filled("phq9", 0), screen_cutoff=10)
