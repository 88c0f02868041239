"""Every threshold: its default and source, and how an organisation's override is checked."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal

import pytest

from ketacare.clinical.eligibility import ThresholdError, Thresholds

UNSOURCED = {
    "racemic_bp_review_systolic_above_mmhg",
    "racemic_bp_review_diastolic_above_mmhg",
    "bmi_caution_below",
    "bmi_caution_above",
}


def test_the_sourced_defaults_are_those_of_the_reference() -> None:
    t = Thresholds()
    assert t.trd_min_adequate_trials == 2
    assert t.trd_min_adequate_trials_bipolar == 1
    assert t.trd_min_trial_weeks == Decimal(4)
    assert t.trd_full_trial_weeks == Decimal(6)
    assert t.benzodiazepine_reduced_effect_above_mg == Decimal(8)
    assert t.bp_rise_caution_age_years == 50
    assert t.esketamine_bp_review_systolic_above_mmhg == 140
    assert t.esketamine_bp_review_diastolic_above_mmhg == 90


def test_numbers_the_reference_lacks_have_no_default() -> None:
    required = {s.name for s in Thresholds.settings() if s.required}
    assert required == UNSOURCED
    assert all(getattr(Thresholds(), name) is None for name in UNSOURCED)


def test_every_setting_is_described_with_a_unit_a_meaning_and_a_source() -> None:
    settings = Thresholds.settings()
    assert [s.name for s in settings] == [f.name for f in fields(Thresholds)]
    for setting in settings:
        assert setting.unit and setting.meaning and setting.source
        assert setting.minimum < setting.maximum
        if setting.required:
            assert "gives no number" in setting.source
            assert "Required setting" in setting.meaning
        else:
            assert "[S" in setting.source
            assert setting.default is not None
            assert setting.minimum <= setting.default <= setting.maximum


def test_an_override_replaces_only_what_it_names() -> None:
    t = Thresholds().with_overrides(
        {"benzodiazepine_reduced_effect_above_mg": "10", "bmi_caution_above": 40}
    )
    assert t.benzodiazepine_reduced_effect_above_mg == Decimal(10)
    assert t.bmi_caution_above == Decimal(40)
    assert t.trd_min_adequate_trials == 2
    assert t.overrides() == {
        "benzodiazepine_reduced_effect_above_mg": Decimal(10),
        "bmi_caution_above": Decimal(40),
    }
    assert Thresholds().overrides() == {}


def test_whole_number_settings_accept_integral_strings_and_decimals() -> None:
    t = Thresholds().with_overrides(
        {"bp_rise_caution_age_years": " 55 ", "trd_min_adequate_trials": Decimal("3")}
    )
    assert t.bp_rise_caution_age_years == 55
    assert isinstance(t.bp_rise_caution_age_years, int)
    assert t.trd_min_adequate_trials == 3


def test_an_unknown_setting_is_refused_with_the_known_names() -> None:
    with pytest.raises(
        ThresholdError, match="no threshold called 'benzo_limit'.*trd_min_trial_weeks"
    ):
        Thresholds().with_overrides({"benzo_limit": 10})


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("trd_min_adequate_trials", 0, "outside the allowed range 1 to 10"),
        ("trd_min_adequate_trials", 11, "outside the allowed range"),
        ("trd_min_trial_weeks", "0.5", "outside the allowed range"),
        ("benzodiazepine_reduced_effect_above_mg", "-1", "outside the allowed range"),
        ("benzodiazepine_reduced_effect_above_mg", "201", "outside the allowed range"),
        ("bp_rise_caution_age_years", 126, "outside the allowed range"),
        ("esketamine_bp_review_systolic_above_mmhg", 79, "outside the allowed range"),
        ("racemic_bp_review_diastolic_above_mmhg", 151, "outside the allowed range"),
        ("bmi_caution_below", "9.9", "outside the allowed range"),
        ("bp_rise_caution_age_years", "50.5", "whole number"),
        ("bp_rise_caution_age_years", 50.0, "whole number in years"),
        ("trd_min_trial_weeks", 4.5, "decimal in weeks"),
        ("trd_min_adequate_trials", True, "whole number"),
        ("trd_min_trial_weeks", "four", "decimal in weeks"),
        ("trd_min_trial_weeks", "NaN", "finite"),
        ("trd_min_trial_weeks", "Infinity", "finite"),
        ("trd_min_trial_weeks", [4], "decimal in weeks"),
    ],
)
def test_a_bad_value_is_refused_with_a_clear_message(name: str, value: object, words: str) -> None:
    with pytest.raises(ThresholdError, match=words):
        Thresholds().with_overrides({name: value})


def test_a_sourced_default_cannot_be_cleared() -> None:
    with pytest.raises(ThresholdError, match="cannot be cleared"):
        Thresholds().with_overrides({"bp_rise_caution_age_years": None})


def test_a_required_setting_can_be_cleared_again() -> None:
    set_ = Thresholds().with_overrides({"bmi_caution_below": "18.5"})
    assert set_.with_overrides({"bmi_caution_below": None}).bmi_caution_below is None


def test_the_minimum_trial_length_cannot_exceed_the_full_length() -> None:
    with pytest.raises(ThresholdError, match="cannot be longer"):
        Thresholds().with_overrides({"trd_min_trial_weeks": 8})
    wider = Thresholds().with_overrides({"trd_min_trial_weeks": 8, "trd_full_trial_weeks": 8})
    assert wider.trd_min_trial_weeks == wider.trd_full_trial_weeks == Decimal(8)


def test_the_bmi_limits_must_be_in_order() -> None:
    with pytest.raises(ThresholdError, match="must be lower"):
        Thresholds().with_overrides({"bmi_caution_below": 30, "bmi_caution_above": 30})


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(ThresholdError):
        Thresholds(bp_rise_caution_age_years=-1)
    with pytest.raises(ThresholdError):
        Thresholds(trd_min_trial_weeks=4)  # type: ignore[arg-type]  # an int, not a Decimal


def test_a_threshold_error_is_a_value_error() -> None:
    assert issubclass(ThresholdError, ValueError)
