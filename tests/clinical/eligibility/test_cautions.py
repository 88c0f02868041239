"""Age, hypertension, baseline blood pressure and BMI, each just below, at and above."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.eligibility import (
    BloodPressure,
    Condition,
    Route,
    Severity,
    Thresholds,
    Verdict,
)
from tests.clinical.eligibility.builders import (
    ALL_ROUTES,
    RACEMIC,
    clean,
    findings,
    judge,
    severities,
    verdict,
    with_conditions,
)

CAUTION, INFO = Severity.CAUTION, Severity.INFO


@pytest.mark.parametrize(("age", "flagged"), [(49, False), (50, True), (51, True)])
def test_age_from_50_is_a_blood_pressure_caution(age: int, flagged: bool) -> None:
    report = judge(clean(age_years=age))
    for route in ALL_ROUTES:
        assert severities(report, route, "caution.age_bp_rise") == ({CAUTION} if flagged else set())
        expected = Verdict.ELIGIBLE_WITH_CAUTIONS if flagged else Verdict.ELIGIBLE
        assert verdict(report, route) is expected
    if flagged:
        assert "S25c" in findings(report, Route.IV, "caution.age_bp_rise")[0].source


def test_the_age_threshold_is_an_organisation_setting() -> None:
    sixty = Thresholds().with_overrides({"bp_rise_caution_age_years": 60})
    assert not findings(judge(clean(age_years=59), sixty), Route.IV, "caution.age_bp_rise")
    assert findings(judge(clean(age_years=60), sixty), Route.IV, "caution.age_bp_rise")


@pytest.mark.parametrize(
    "condition", [Condition.KNOWN_HYPERTENSION, Condition.UNCONTROLLED_HYPERTENSION]
)
def test_known_hypertension_is_a_blood_pressure_caution(condition: Condition) -> None:
    report = judge(with_conditions(condition))
    for route in ALL_ROUTES:
        assert severities(report, route, "caution.hypertension_bp_rise") == {CAUTION}


def test_controlled_hypertension_is_eligible_with_cautions_everywhere() -> None:
    report = judge(with_conditions(Condition.KNOWN_HYPERTENSION))
    assert {rv.verdict for rv in report.routes} == {Verdict.ELIGIBLE_WITH_CAUTIONS}


@pytest.mark.parametrize(
    ("systolic", "diastolic", "flagged"),
    [(140, 90, False), (141, 90, True), (140, 91, True), (139, 89, False)],
)
def test_esketamine_baseline_above_140_over_90_needs_a_risk_benefit_review(
    systolic: int, diastolic: int, flagged: bool
) -> None:
    report = judge(clean(blood_pressure=BloodPressure(systolic, diastolic)))
    found = findings(report, Route.ESKETAMINE, "bp.esketamine_baseline")
    assert {f.severity for f in found} == ({CAUTION} if flagged else set())
    if flagged:
        assert "S3c" in found[0].source
        assert "risk-benefit" in found[0].message


def test_the_esketamine_guide_does_not_apply_to_racemic_routes() -> None:
    report = judge(clean(blood_pressure=BloodPressure(150, 95)))
    for route in RACEMIC:
        assert not findings(report, route, "bp.esketamine_baseline")
        assert severities(report, route, "bp.racemic_baseline") == {INFO}
        assert verdict(report, route) is Verdict.ELIGIBLE


def test_an_unset_racemic_threshold_says_it_could_not_judge() -> None:
    report = judge(clean(blood_pressure=BloodPressure(200, 120)))
    finding = findings(report, Route.IV, "bp.racemic_baseline")[0]
    assert finding.severity is INFO
    assert "not judged" in finding.message
    assert "racemic_bp_review_systolic_above_mmhg" in finding.message


@pytest.mark.parametrize(
    ("systolic", "diastolic", "flagged"),
    [(150, 95, False), (151, 95, True), (150, 96, True)],
)
def test_a_configured_racemic_threshold_is_applied(
    systolic: int, diastolic: int, flagged: bool
) -> None:
    configured = Thresholds().with_overrides(
        {"racemic_bp_review_systolic_above_mmhg": 150, "racemic_bp_review_diastolic_above_mmhg": 95}
    )
    report = judge(clean(blood_pressure=BloodPressure(systolic, diastolic)), configured)
    assert severities(report, Route.IV, "bp.racemic_baseline") == ({CAUTION} if flagged else set())


def test_bmi_is_not_judged_until_the_organisation_sets_limits() -> None:
    report = judge(clean(bmi=Decimal(45)))
    assert severities(report, Route.IV, "caution.bmi") == {INFO}
    assert verdict(report, Route.IV) is Verdict.ELIGIBLE


BMI_LIMITS = Thresholds().with_overrides({"bmi_caution_below": "18.5", "bmi_caution_above": "35"})


@pytest.mark.parametrize(
    ("bmi", "flagged"),
    [("18.49", True), ("18.5", False), ("35", False), ("35.01", True)],
)
def test_bmi_outside_the_organisation_limits_is_a_caution(bmi: str, flagged: bool) -> None:
    report = judge(clean(bmi=Decimal(bmi)), BMI_LIMITS)
    assert severities(report, Route.IV, "caution.bmi") == ({CAUTION} if flagged else set())
    if flagged:
        assert "organisation" in findings(report, Route.IV, "caution.bmi")[0].source


def test_bmi_is_computed_from_weight_and_height() -> None:
    # 100 kg at 165 cm is 36.73 kg/m²; 60 kg at 180 cm is 18.52.
    heavy = judge(clean(weight_kg=Decimal(100), height_cm=Decimal(165)), BMI_LIMITS)
    assert "BMI 36.7 is above" in findings(heavy, Route.IV, "caution.bmi")[0].message
    light = judge(clean(weight_kg=Decimal(60), height_cm=Decimal(180)), BMI_LIMITS)
    assert not findings(light, Route.IV, "caution.bmi")


@pytest.mark.parametrize(("bmi", "shown"), [("35.04", "35.04"), ("35.00004", "35.00004")])
def test_a_bmi_just_above_the_limit_is_never_shown_as_the_limit(bmi: str, shown: str) -> None:
    report = judge(clean(bmi=Decimal(bmi)), BMI_LIMITS)
    assert f"BMI {shown} is above the organisation's limit of 35" in (
        findings(report, Route.IV, "caution.bmi")[0].message
    )


def test_one_unset_bmi_limit_is_reported_while_the_other_is_applied() -> None:
    low_only = Thresholds().with_overrides({"bmi_caution_below": "18.5"})
    report = judge(clean(bmi=Decimal(17)), low_only)
    assert severities(report, Route.IV, "caution.bmi") == {CAUTION, INFO}


@pytest.mark.parametrize(
    ("route", "rule_id"),
    [
        (Route.TOPICAL, "route.topical"),
        (Route.INTRANASAL_COMPOUNDED, "route.intranasal_compounded"),
        (Route.SUBLINGUAL_ORAL, "route.sublingual_oral"),
    ],
)
def test_route_notes_are_information_only(route: Route, rule_id: str) -> None:
    report = judge(clean())
    assert severities(report, route, rule_id) == {INFO}
    assert verdict(report, route) is Verdict.ELIGIBLE
