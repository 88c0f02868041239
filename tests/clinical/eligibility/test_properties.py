"""Properties over any assessment (hypothesis): more risk never makes a verdict better."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical.eligibility import (
    AlcoholUse,
    AntidepressantTrial,
    Assessment,
    BloodPressure,
    Condition,
    CypEffect,
    DrugClass,
    EligibilityReport,
    Finding,
    Indication,
    Medication,
    PlannedTreatment,
    PregnancyStatus,
    PregnancyTestResult,
    Route,
    Severity,
    Thresholds,
    TrialOutcome,
    Verdict,
    WorkupResult,
    WorkupResults,
    evaluate,
    verdict_for,
)

relaxed = settings(deadline=None, max_examples=150)

decimals = st.decimals(min_value=Decimal(0), max_value=Decimal(60), places=2)
medications = st.builds(
    Medication,
    name=st.sampled_from(["lorazepam", "diazepam", "bromazepam", "drug x"]),
    drug_class=st.sampled_from(DrugClass),
    daily_dose_mg=st.none() | decimals,
    cyp=st.frozensets(st.sampled_from(CypEffect), max_size=2),
)
trials = st.builds(
    AntidepressantTrial,
    drug=st.sampled_from(["sertraline", "venlafaxine", "bupropion"]),
    adequate_dose=st.booleans(),
    outcome=st.sampled_from(TrialOutcome),
    current_episode=st.booleans(),
    duration_weeks=st.none() | st.decimals(min_value=0, max_value=20, places=1),
)
pressures = st.integers(90, 200).flatmap(
    lambda systolic: st.builds(BloodPressure, st.just(systolic), st.integers(50, systolic - 1))
)
workups = st.builds(
    WorkupResults,
    ecg=st.sampled_from(WorkupResult),
    liver_function_tests=st.sampled_from(WorkupResult),
    pregnancy_test=st.sampled_from(PregnancyTestResult),
    baseline_depression_scale_recorded=st.booleans(),
)
assessments = st.builds(
    Assessment,
    age_years=st.integers(18, 95),
    pregnancy=st.sampled_from(PregnancyStatus),
    alcohol_use=st.sampled_from(AlcoholUse),
    plan=st.builds(PlannedTreatment, serial=st.booleans(), frequent_high_dose=st.booleans()),
    indications=st.frozensets(st.sampled_from(Indication), max_size=3),
    conditions=st.frozensets(st.sampled_from(Condition), max_size=4),
    medications=st.lists(medications, max_size=4).map(tuple),
    trials=st.lists(trials, max_size=4).map(tuple),
    blood_pressure=st.none() | pressures,
    bmi=st.none() | st.decimals(min_value=Decimal(14), max_value=Decimal(50), places=2),
    workup=workups,
)
thresholds = st.sampled_from(
    [
        Thresholds(),
        Thresholds().with_overrides(
            {
                "bmi_caution_below": "18.5",
                "bmi_caution_above": "35",
                "racemic_bp_review_systolic_above_mmhg": 160,
                "racemic_bp_review_diastolic_above_mmhg": 100,
            }
        ),
    ]
)


def _ranks(report: EligibilityReport) -> dict[Route, int]:
    return {rv.route: rv.verdict.rank for rv in report.routes}


def _never_better(before: EligibilityReport, after: EligibilityReport) -> None:
    old, new = _ranks(before), _ranks(after)
    for route in Route:
        assert new[route] >= old[route], route


def _pairs(report: EligibilityReport, route: Route) -> set[tuple[str, Severity]]:
    return {(f.rule_id, f.severity) for f in report.for_route(route).findings}


@relaxed
@given(assessments, st.sampled_from(Condition), thresholds)
def test_adding_a_condition_never_improves_any_verdict(
    assessment: Assessment, condition: Condition, t: Thresholds
) -> None:
    more = replace(assessment, conditions=assessment.conditions | {condition})
    before, after = evaluate(assessment, t), evaluate(more, t)
    _never_better(before, after)
    for route in Route:
        assert _pairs(before, route) <= _pairs(after, route)


@relaxed
@given(assessments, st.sampled_from(Condition), thresholds)
def test_a_route_a_condition_contraindicates_is_never_eligible(
    assessment: Assessment, condition: Condition, t: Thresholds
) -> None:
    report = evaluate(replace(assessment, conditions=assessment.conditions | {condition}), t)
    for rv in report.routes:
        if rv.with_severity(Severity.CONTRAINDICATION):
            assert rv.verdict is Verdict.NOT_ELIGIBLE


@relaxed
@given(assessments, thresholds)
def test_pregnancy_makes_every_route_not_eligible(assessment: Assessment, t: Thresholds) -> None:
    report = evaluate(replace(assessment, pregnancy=PregnancyStatus.PREGNANT), t)
    assert {rv.verdict for rv in report.routes} == {Verdict.NOT_ELIGIBLE}


@relaxed
@given(assessments, medications, thresholds)
def test_adding_a_medication_never_improves_any_verdict(
    assessment: Assessment, medication: Medication, t: Thresholds
) -> None:
    more = replace(assessment, medications=(*assessment.medications, medication))
    _never_better(evaluate(assessment, t), evaluate(more, t))


@relaxed
@given(assessments, st.integers(0, 40), thresholds)
def test_growing_older_never_improves_any_verdict(
    assessment: Assessment, years: int, t: Thresholds
) -> None:
    older = replace(assessment, age_years=min(assessment.age_years + years, 125))
    _never_better(evaluate(assessment, t), evaluate(older, t))


@relaxed
@given(assessments, thresholds)
def test_adding_a_caution_never_improves_any_verdict(assessment: Assessment, t: Thresholds) -> None:
    hypertensive = replace(
        assessment, conditions=assessment.conditions | {Condition.KNOWN_HYPERTENSION}
    )
    before, after = evaluate(assessment, t), evaluate(hypertensive, t)
    _never_better(before, after)
    for rv in after.routes:
        assert rv.verdict is not Verdict.ELIGIBLE


@relaxed
@given(assessments, thresholds)
def test_completing_the_work_up_normally_never_worsens_any_verdict(
    assessment: Assessment, t: Thresholds
) -> None:
    done = replace(
        assessment,
        workup=replace(
            assessment.workup,
            ecg=WorkupResult.NORMAL,
            liver_function_tests=WorkupResult.NORMAL,
            baseline_depression_scale_recorded=True,
        ),
        blood_pressure=assessment.blood_pressure or BloodPressure(120, 80),
    )
    _never_better(evaluate(done, t), evaluate(assessment, t))


findings = st.builds(
    Finding,
    rule_id=st.sampled_from(["a", "b", "c"]),
    severity=st.sampled_from(Severity),
    message=st.just("m"),
    source=st.just("s"),
)


@given(st.lists(findings), st.lists(findings))
def test_the_verdict_is_monotone_in_the_findings(first: list[Finding], more: list[Finding]) -> None:
    assert verdict_for(first + more).rank >= verdict_for(first).rank


@given(st.lists(findings), st.sampled_from([Severity.CAUTION, Severity.WORKUP_REQUIRED]))
def test_a_caution_or_missing_work_up_is_never_eligible(
    given_findings: list[Finding], severity: Severity
) -> None:
    assert verdict_for([*given_findings, Finding("x", severity, "m", "s")]) is not Verdict.ELIGIBLE


@given(st.lists(findings))
def test_a_contraindication_is_always_not_eligible(given_findings: list[Finding]) -> None:
    extra = Finding("x", Severity.CONTRAINDICATION, "m", "s")
    assert verdict_for([*given_findings, extra]) is Verdict.NOT_ELIGIBLE


def test_verdicts_are_ranked_eligible_then_cautions_then_not_eligible() -> None:
    assert [v.rank for v in Verdict] == [0, 1, 2]


@relaxed
@given(assessments, thresholds)
def test_every_finding_names_its_rule_and_source(assessment: Assessment, t: Thresholds) -> None:
    report = evaluate(assessment, t)
    assert [rv.route for rv in report.routes] == list(Route)
    for rv in report.routes:
        assert rv.verdict is verdict_for(rv.findings)
        for finding in rv.findings:
            assert finding.rule_id and finding.message and finding.source
    missing = {
        f.rule_id for rv in report.routes for f in rv.with_severity(Severity.WORKUP_REQUIRED)
    }
    assert missing == {f"workup.{item.value}" for item in report.workup_required}


@relaxed
@given(
    st.dictionaries(
        st.sampled_from([s.name for s in Thresholds.settings()]), st.integers(-500, 500)
    )
)
def test_an_override_is_either_applied_in_range_or_refused(values: dict[str, int]) -> None:
    try:
        t = Thresholds().with_overrides(values)
    except ValueError:
        return
    for setting in Thresholds.settings():
        value = getattr(t, setting.name)
        if setting.name in values:
            assert value == values[setting.name]
        if value is not None:
            assert setting.minimum <= value <= setting.maximum
