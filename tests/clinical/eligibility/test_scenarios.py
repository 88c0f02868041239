"""Whole assessments, read the way a prescriber would read the report."""

from __future__ import annotations

from decimal import Decimal

from ketacare.clinical.eligibility import (
    Condition,
    DrugClass,
    Finding,
    Medication,
    Route,
    Severity,
    Thresholds,
    TrdLabel,
    Verdict,
    evaluate,
    verdict_for,
    worst,
)
from tests.clinical.eligibility.builders import TWO_FAILED_TRIALS, clean, findings


def test_lorazepam_and_an_avm_after_two_failed_trials() -> None:
    assessment = clean(
        trials=TWO_FAILED_TRIALS,
        medications=(Medication("lorazepam", DrugClass.BENZODIAZEPINE, daily_dose_mg=Decimal(6)),),
        conditions=frozenset({Condition.ARTERIOVENOUS_MALFORMATION}),
    )
    report = evaluate(assessment, Thresholds())

    assert report.trd.meets_trd
    assert report.trd.label is TrdLabel.TRD

    iv = report.for_route(Route.IV)
    assert iv.verdict is Verdict.ELIGIBLE_WITH_CAUTIONS
    assert iv.verdict.label == "eligible with cautions"
    benzo = findings(report, Route.IV, "interaction.benzodiazepine_reduced_effect")[0]
    assert benzo.severity is Severity.CAUTION
    assert "60 mg/day" in benzo.message
    assert "Andrashko 2020" in benzo.source and "[S16a]" in benzo.source
    assert not iv.with_severity(Severity.CONTRAINDICATION)

    esketamine = report.for_route("esketamine")
    assert esketamine.verdict is Verdict.NOT_ELIGIBLE
    assert esketamine.verdict.label == "not eligible"
    (block,) = esketamine.with_severity(Severity.CONTRAINDICATION)
    assert block.rule_id == "condition.arteriovenous_malformation"
    assert "[S3f]" in block.source


def test_findings_are_listed_worst_first() -> None:
    assessment = clean(
        conditions=frozenset({Condition.ARTERIOVENOUS_MALFORMATION, Condition.CARDIOVASCULAR_RISK}),
        medications=(Medication("oxycodone", DrugClass.OPIOID),),
    )
    severities = [
        f.severity for f in evaluate(assessment, Thresholds()).for_route("esketamine").findings
    ]
    order = list(Severity)
    assert severities == sorted(severities, key=order.index)
    assert severities[0] is Severity.CONTRAINDICATION


def test_every_route_is_judged_once() -> None:
    report = evaluate(clean(), Thresholds())
    assert [rv.route for rv in report.routes] == list(Route)


def test_the_report_keeps_the_thresholds_it_was_judged_with() -> None:
    thresholds = Thresholds().with_overrides({"bmi_caution_above": 40})
    assert evaluate(clean(), thresholds).thresholds is thresholds


def test_the_same_assessment_gives_the_same_report() -> None:
    assessment = clean(conditions=frozenset({Condition.ACTIVE_PSYCHOSIS}))
    assert evaluate(assessment, Thresholds()) == evaluate(assessment, Thresholds())


def test_verdict_derivation() -> None:
    def finding(severity: Severity) -> Finding:
        return Finding("x", severity, "m", "s")

    assert verdict_for([]) is Verdict.ELIGIBLE
    assert verdict_for([finding(Severity.INFO)]) is Verdict.ELIGIBLE
    assert verdict_for([finding(Severity.CAUTION)]) is Verdict.ELIGIBLE_WITH_CAUTIONS
    assert verdict_for([finding(Severity.WORKUP_REQUIRED)]) is Verdict.ELIGIBLE_WITH_CAUTIONS
    assert verdict_for([finding(Severity.CAUTION), finding(Severity.CONTRAINDICATION)]) is (
        Verdict.NOT_ELIGIBLE
    )
    assert worst([Verdict.ELIGIBLE, Verdict.NOT_ELIGIBLE]) is Verdict.NOT_ELIGIBLE
    assert worst([]) is Verdict.ELIGIBLE
