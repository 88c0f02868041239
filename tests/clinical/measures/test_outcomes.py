"""Change from baseline, whatever the instrument: inputs, rounding and the reasons given."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.measures import (
    SCORING_VERSION,
    ResponseStatus,
    compare_to_baseline,
    get_instrument,
)

PHQ9 = get_instrument("phq9")


def test_it_reports_percent_change_to_one_decimal_place() -> None:
    assert compare_to_baseline(PHQ9, 21, 13).percent_change == Decimal("-38.1")


def test_a_rise_is_a_positive_percent_change() -> None:
    outcome = compare_to_baseline(PHQ9, 10, 15)
    assert outcome.change == 5
    assert outcome.percent_change == Decimal("50.0")
    assert outcome.response is ResponseStatus.NO_RESPONSE


def test_it_cannot_judge_response_from_a_baseline_of_zero() -> None:
    outcome = compare_to_baseline(PHQ9, 0, 3)
    assert outcome.percent_change is None
    assert outcome.response is ResponseStatus.NOT_ASSESSABLE
    assert outcome.remission is True


def test_it_refuses_a_score_outside_the_instrument_range() -> None:
    with pytest.raises(ValueError, match="baseline 28 is outside"):
        compare_to_baseline(PHQ9, 28, 3)
    with pytest.raises(ValueError, match="current score -1 is outside"):
        compare_to_baseline(PHQ9, 10, -1)


def test_it_refuses_a_float() -> None:
    with pytest.raises(ValueError, match="whole number or a Decimal"):
        compare_to_baseline(PHQ9, 10.0, 3)  # type: ignore[arg-type]


def test_it_refuses_a_remission_threshold_that_is_not_a_whole_number() -> None:
    with pytest.raises(ValueError, match="whole number"):
        compare_to_baseline(PHQ9, 10, 3, remission_threshold_override=True)


def test_it_records_instrument_and_scoring_versions() -> None:
    outcome = compare_to_baseline(PHQ9, 20, 8)
    assert (outcome.instrument_code, outcome.instrument_version) == ("phq9", "1.0.0")
    assert outcome.scoring_version == SCORING_VERSION


def test_its_reasons_name_the_sources_of_the_rules() -> None:
    reasons = " ".join(compare_to_baseline(PHQ9, 20, 8).reasons)
    assert "CMS159" in reasons
    assert "ICSI" in reasons
    assert "response" in reasons


def test_an_instrument_without_change_rules_still_reports_the_change() -> None:
    outcome = compare_to_baseline(get_instrument("cadss"), 20, 5)
    assert outcome.change == -15
    assert outcome.response is ResponseStatus.NOT_DEFINED
    assert outcome.remission is None
    assert outcome.reliable_change is None
    assert any("gives no change rules" in reason for reason in outcome.reasons)
