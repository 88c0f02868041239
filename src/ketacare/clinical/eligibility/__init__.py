"""Eligibility rules: one assessment in, a verdict per route out, every finding with its source.

    from ketacare.clinical.eligibility import Assessment, Thresholds, evaluate

    thresholds = Thresholds().with_overrides(organisation_settings)
    report = evaluate(assessment, thresholds)
    report.for_route("esketamine").verdict      # Verdict.NOT_ELIGIBLE
    report.for_route("esketamine").findings     # (Finding(rule_id, severity, message, source),)
    report.trd.label                            # TrdLabel.TRD or OFF_LABEL_NON_TRD
    report.workup_required                      # (WorkupItem.ECG, ...)

Verdict: any contraindication -> not eligible; else any caution or missing work-up -> eligible
with cautions; else eligible. The rules follow ../shared/clinical/reference.md (sections 1-4, 6,
9 and its rules 4, 7, 8, 9, 12); each threshold is a `Thresholds` setting with its source, and
those the reference gives no number for have no default.
"""

from ketacare.clinical.eligibility.assessment import (
    DEPRESSIVE_INDICATIONS,
    AlcoholUse,
    AntidepressantTrial,
    Assessment,
    BloodPressure,
    Condition,
    CypEffect,
    DrugClass,
    Indication,
    Medication,
    PlannedTreatment,
    PregnancyStatus,
    PregnancyTestResult,
    Route,
    TrialOutcome,
    WorkupResult,
    WorkupResults,
)
from ketacare.clinical.eligibility.benzodiazepines import (
    DOSE_EQUIVALENT_TO_DIAZEPAM_10_MG,
    diazepam_equivalent_mg,
    known_benzodiazepines,
)
from ketacare.clinical.eligibility.evaluate import evaluate
from ketacare.clinical.eligibility.interactions import BenzodiazepineLoad, benzodiazepine_load
from ketacare.clinical.eligibility.report import (
    EligibilityReport,
    Finding,
    RouteVerdict,
    Severity,
    TrdAssessment,
    TrdLabel,
    Verdict,
    WorkupItem,
    verdict_for,
    worst,
)
from ketacare.clinical.eligibility.thresholds import ThresholdError, Thresholds, ThresholdSetting
from ketacare.clinical.eligibility.trd import assess_trd

__all__ = [
    "DEPRESSIVE_INDICATIONS",
    "DOSE_EQUIVALENT_TO_DIAZEPAM_10_MG",
    "AlcoholUse",
    "AntidepressantTrial",
    "Assessment",
    "BenzodiazepineLoad",
    "BloodPressure",
    "Condition",
    "CypEffect",
    "DrugClass",
    "EligibilityReport",
    "Finding",
    "Indication",
    "Medication",
    "PlannedTreatment",
    "PregnancyStatus",
    "PregnancyTestResult",
    "Route",
    "RouteVerdict",
    "Severity",
    "ThresholdError",
    "ThresholdSetting",
    "Thresholds",
    "TrdAssessment",
    "TrdLabel",
    "TrialOutcome",
    "Verdict",
    "WorkupItem",
    "WorkupResult",
    "WorkupResults",
    "assess_trd",
    "benzodiazepine_load",
    "diazepam_equivalent_mg",
    "evaluate",
    "known_benzodiazepines",
    "verdict_for",
    "worst",
]
