"""Judge one assessment for every route."""

from __future__ import annotations

from ketacare.clinical.eligibility import sources
from ketacare.clinical.eligibility.assessment import (
    DEPRESSIVE_INDICATIONS,
    Assessment,
    Indication,
    Route,
)
from ketacare.clinical.eligibility.cautions import caution_findings
from ketacare.clinical.eligibility.conditions import condition_findings
from ketacare.clinical.eligibility.interactions import interaction_findings
from ketacare.clinical.eligibility.report import (
    EligibilityReport,
    Finding,
    RouteVerdict,
    Severity,
    TrdAssessment,
    in_display_order,
    verdict_for,
)
from ketacare.clinical.eligibility.thresholds import Thresholds
from ketacare.clinical.eligibility.trd import TRD_SOURCE, assess_trd
from ketacare.clinical.eligibility.workup import workup_checks


def _trd_finding(assessment: Assessment, trd: TrdAssessment) -> list[Finding]:
    if not assessment.indications & DEPRESSIVE_INDICATIONS:
        return []
    if trd.meets_trd:
        message = (
            f"TRD evidence met ({trd.adequate_trials} failed adequate trials, "
            f"{trd.required_trials} needed): the plan is labelled {trd.label.value}."
        )
    else:
        message = (
            f"TRD evidence not met ({trd.adequate_trials} of {trd.required_trials} failed "
            "adequate trials"
            + ("" if trd.baseline_scale_recorded else ", no baseline MADRS or PHQ-9")
            + f"): the plan is labelled {trd.label.value}."
        )
    return [Finding("trd.evidence", Severity.INFO, message, TRD_SOURCE)]


def _esketamine_indication(assessment: Assessment, trd: TrdAssessment) -> Finding:
    indications = assessment.indications
    suicidal = Indication.MDD_WITH_ACUTE_SUICIDAL_IDEATION in indications
    mdd_trd = Indication.MAJOR_DEPRESSIVE_DISORDER in indications and trd.meets_trd
    if suicidal or mdd_trd:
        which = "treatment-resistant depression" if mdd_trd else "MDD with acute suicidality"
        return Finding(
            "indication.esketamine_label",
            Severity.INFO,
            f"Within the esketamine label's indications ({which}).",
            sources.SPRAVATO_DOSING,
        )
    return Finding(
        "indication.esketamine_label",
        Severity.CAUTION,
        "Outside the esketamine label's indications (treatment-resistant major depression, or "
        "MDD with acute suicidal ideation or behaviour): off-label use.",
        sources.SPRAVATO_DOSING,
    )


def evaluate(assessment: Assessment, thresholds: Thresholds) -> EligibilityReport:
    """Judge every route for `assessment` with the organisation's `thresholds`.

    Each route's verdict follows from its findings (see `verdict_for`); each finding names its
    rule and source. The work-up and TRD judgement belong to the patient and are reported once.
    """
    trd = assess_trd(assessment, thresholds)
    checks = workup_checks(assessment)
    workup = [check.finding for check in checks]
    routes: list[RouteVerdict] = []
    for route in Route:
        findings = (
            condition_findings(assessment, route)
            + workup
            + interaction_findings(assessment, thresholds, route)
            + caution_findings(assessment, thresholds, route)
            + _trd_finding(assessment, trd)
        )
        if route is Route.ESKETAMINE:
            findings.append(_esketamine_indication(assessment, trd))
        ordered = in_display_order(findings)
        routes.append(RouteVerdict(route=route, verdict=verdict_for(ordered), findings=ordered))
    return EligibilityReport(
        routes=tuple(routes),
        trd=trd,
        workup_required=tuple(check.item for check in checks if check.missing),
        thresholds=thresholds,
    )
