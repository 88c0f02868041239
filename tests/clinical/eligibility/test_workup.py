"""Work-up before treatment: ECG, liver tests, pregnancy test, baseline BP and scale."""

from __future__ import annotations

import pytest

from ketacare.clinical.eligibility import (
    AlcoholUse,
    Condition,
    Indication,
    PlannedTreatment,
    PregnancyStatus,
    PregnancyTestResult,
    Route,
    Severity,
    Verdict,
    WorkupItem,
    WorkupResult,
    WorkupResults,
)
from tests.clinical.eligibility.builders import (
    ALL_ROUTES,
    clean,
    findings,
    judge,
    severities,
    verdict,
    with_conditions,
)

SCALE = {"baseline_depression_scale_recorded": True}


def _results(**changes: object) -> WorkupResults:
    return WorkupResults(**(SCALE | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "condition",
    [
        Condition.CARDIOVASCULAR_RISK,
        Condition.UNCONTROLLED_CARDIOVASCULAR_DISEASE,
        Condition.SEVERE_CORONARY_OR_MYOCARDIAL_DISEASE,
    ],
)
def test_cardiovascular_risk_requires_an_ecg(condition: Condition) -> None:
    report = judge(with_conditions(condition))
    assert WorkupItem.ECG in report.workup_required
    for route in ALL_ROUTES:
        assert severities(report, route, "workup.ecg") == {Severity.WORKUP_REQUIRED}
    assert "S2a" in findings(report, Route.IV, "workup.ecg")[0].source


def test_a_missing_ecg_alone_makes_a_route_eligible_with_cautions() -> None:
    report = judge(with_conditions(Condition.CARDIOVASCULAR_RISK))
    assert verdict(report, Route.ESKETAMINE) is Verdict.ELIGIBLE_WITH_CAUTIONS


def test_a_normal_ecg_satisfies_the_requirement() -> None:
    report = judge(
        with_conditions(Condition.CARDIOVASCULAR_RISK, workup=_results(ecg=WorkupResult.NORMAL))
    )
    assert WorkupItem.ECG not in report.workup_required
    assert severities(report, Route.IV, "workup.ecg") == {Severity.INFO}
    assert verdict(report, Route.IV) is Verdict.ELIGIBLE


def test_an_abnormal_ecg_is_a_caution_even_without_a_trigger() -> None:
    report = judge(clean(workup=_results(ecg=WorkupResult.ABNORMAL)))
    assert severities(report, Route.IV, "workup.ecg") == {Severity.CAUTION}


def test_no_ecg_is_needed_without_cardiovascular_risk() -> None:
    report = judge(clean())
    assert report.workup_required == ()
    assert not findings(report, Route.IV, "workup.ecg")


@pytest.mark.parametrize(
    "changes",
    [
        {"conditions": frozenset({Condition.LIVER_RISK})},
        {"conditions": frozenset({Condition.MODERATE_HEPATIC_DISEASE})},
        {"conditions": frozenset({Condition.SEVERE_HEPATIC_DISEASE})},
        {"alcohol_use": AlcoholUse.MISUSE},
        {"plan": PlannedTreatment(serial=True, frequent_high_dose=True)},
    ],
)
def test_liver_risk_or_frequent_high_dose_treatment_requires_liver_tests(
    changes: dict[str, object],
) -> None:
    report = judge(clean(**changes))
    assert WorkupItem.LIVER_FUNCTION_TESTS in report.workup_required
    assert severities(report, Route.IV, "workup.liver_function_tests") == {Severity.WORKUP_REQUIRED}


@pytest.mark.parametrize("use", [AlcoholUse.NONE, AlcoholUse.OCCASIONAL, AlcoholUse.REGULAR])
def test_alcohol_short_of_misuse_does_not_require_liver_tests(use: AlcoholUse) -> None:
    assert WorkupItem.LIVER_FUNCTION_TESTS not in judge(clean(alcohol_use=use)).workup_required


def test_normal_liver_tests_satisfy_the_requirement_and_abnormal_ones_are_a_caution() -> None:
    plan = PlannedTreatment(serial=True, frequent_high_dose=True)
    normal = judge(clean(plan=plan, workup=_results(liver_function_tests=WorkupResult.NORMAL)))
    assert normal.workup_required == ()
    assert verdict(normal, Route.IV) is Verdict.ELIGIBLE
    abnormal = judge(clean(plan=plan, workup=_results(liver_function_tests=WorkupResult.ABNORMAL)))
    assert severities(abnormal, Route.IV, "workup.liver_function_tests") == {Severity.CAUTION}


def test_an_unknown_pregnancy_status_requires_a_test() -> None:
    report = judge(clean(pregnancy=PregnancyStatus.UNKNOWN))
    assert WorkupItem.PREGNANCY_TEST in report.workup_required
    for route in ALL_ROUTES:
        assert severities(report, route, "workup.pregnancy_test") == {Severity.WORKUP_REQUIRED}
        assert verdict(report, route) is Verdict.ELIGIBLE_WITH_CAUTIONS


def test_a_negative_test_settles_an_unknown_status() -> None:
    report = judge(
        clean(
            pregnancy=PregnancyStatus.UNKNOWN,
            workup=_results(pregnancy_test=PregnancyTestResult.NEGATIVE),
        )
    )
    assert report.workup_required == ()
    assert verdict(report, Route.IV) is Verdict.ELIGIBLE


@pytest.mark.parametrize("status", [PregnancyStatus.NOT_PREGNANT, PregnancyStatus.NOT_APPLICABLE])
def test_no_pregnancy_test_is_needed_when_pregnancy_is_ruled_out(status: PregnancyStatus) -> None:
    assert WorkupItem.PREGNANCY_TEST not in judge(clean(pregnancy=status)).workup_required


def test_a_baseline_blood_pressure_is_required() -> None:
    report = judge(clean(blood_pressure=None))
    assert report.workup_required == (WorkupItem.BASELINE_BLOOD_PRESSURE,)
    assert verdict(report, Route.TOPICAL) is Verdict.ELIGIBLE_WITH_CAUTIONS


def test_a_depression_plan_requires_a_baseline_scale() -> None:
    report = judge(clean(workup=WorkupResults()))
    assert WorkupItem.BASELINE_DEPRESSION_SCALE in report.workup_required


def test_a_pain_plan_does_not_require_a_depression_scale() -> None:
    pain = clean(indications=frozenset({Indication.CHRONIC_PAIN}), workup=WorkupResults())
    assert WorkupItem.BASELINE_DEPRESSION_SCALE not in judge(pain).workup_required
