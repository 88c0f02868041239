"""A clean assessment to start from, and small helpers to read a report."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from ketacare.clinical.eligibility import (
    AlcoholUse,
    AntidepressantTrial,
    Assessment,
    BloodPressure,
    Condition,
    EligibilityReport,
    Finding,
    Indication,
    PlannedTreatment,
    PregnancyStatus,
    Route,
    Severity,
    Thresholds,
    TrialOutcome,
    Verdict,
    WorkupResults,
    evaluate,
)

RACEMIC = tuple(route for route in Route if route.is_racemic)
ALL_ROUTES = tuple(Route)


def failed_trial(drug: str = "sertraline", weeks: str = "8", **changes: Any) -> AntidepressantTrial:
    values: dict[str, Any] = {
        "drug": drug,
        "adequate_dose": True,
        "outcome": TrialOutcome.NO_RESPONSE,
        "duration_weeks": Decimal(weeks),
    }
    values.update(changes)
    return AntidepressantTrial(**values)


TWO_FAILED_TRIALS = (failed_trial("sertraline"), failed_trial("venlafaxine"))


def clean(**changes: Any) -> Assessment:
    """An adult with TRD, normal blood pressure and nothing else: eligible on every route."""
    base = Assessment(
        age_years=35,
        pregnancy=PregnancyStatus.NOT_APPLICABLE,
        alcohol_use=AlcoholUse.NONE,
        plan=PlannedTreatment(serial=True, frequent_high_dose=False),
        indications=frozenset({Indication.MAJOR_DEPRESSIVE_DISORDER}),
        trials=TWO_FAILED_TRIALS,
        blood_pressure=BloodPressure(120, 80),
        workup=WorkupResults(baseline_depression_scale_recorded=True),
    )
    return replace(base, **changes)


def with_conditions(*conditions: Condition, **changes: Any) -> Assessment:
    return clean(conditions=frozenset(conditions), **changes)


def judge(assessment: Assessment, thresholds: Thresholds | None = None) -> EligibilityReport:
    return evaluate(assessment, thresholds if thresholds is not None else Thresholds())


def findings(report: EligibilityReport, route: Route, rule_id: str) -> tuple[Finding, ...]:
    return tuple(f for f in report.for_route(route).findings if f.rule_id == rule_id)


def severities(report: EligibilityReport, route: Route, rule_id: str) -> set[Severity]:
    return {f.severity for f in findings(report, route, rule_id)}


def verdict(report: EligibilityReport, route: Route) -> Verdict:
    return report.for_route(route).verdict
