"""Patient cautions (age, hypertension, baseline blood pressure, BMI) and route notes.

Blood pressure rises more with age >= 50 and with known hypertension [S25a, S25c]; both are
cautions on every route (the studies are of IV infusions; applied everywhere as the cautious
default). The esketamine label's baseline guide is SBP > 140 or DBP > 90 [S3, S3c]. For the
racemic routes and for BMI the reference gives no number: those rules run only once the
organisation has set its thresholds, and until then say that they could not judge.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ketacare.clinical.eligibility import sources
from ketacare.clinical.eligibility.assessment import Assessment, Condition, Route
from ketacare.clinical.eligibility.report import Finding, Severity
from ketacare.clinical.eligibility.thresholds import Thresholds

CAUTION = Severity.CAUTION
INFO = Severity.INFO
_BP_RISE_SOURCE = sources.cite(sources.BP_741_INFUSIONS, sources.YALE_BP_2024)


def _age(assessment: Assessment, thresholds: Thresholds) -> list[Finding]:
    limit = thresholds.bp_rise_caution_age_years
    if assessment.age_years < limit:
        return []
    return [
        Finding(
            "caution.age_bp_rise",
            CAUTION,
            f"Age {assessment.age_years} (from {limit}): expect a larger rise in blood pressure; "
            "monitor it closely.",
            _BP_RISE_SOURCE,
        )
    ]


def _hypertension(assessment: Assessment) -> list[Finding]:
    if not assessment.has(Condition.KNOWN_HYPERTENSION, Condition.UNCONTROLLED_HYPERTENSION):
        return []
    return [
        Finding(
            "caution.hypertension_bp_rise",
            CAUTION,
            "Known hypertension: expect a larger rise in blood pressure, and severe rises are "
            "more common; monitor it closely.",
            _BP_RISE_SOURCE,
        )
    ]


def _above(
    reading: int, limit: int | None, label: str, setting: str, unset: list[str]
) -> str | None:
    if limit is None:
        unset.append(setting)
        return None
    return f"{label} {reading} is above {limit}" if reading > limit else None


def _baseline_bp(assessment: Assessment, thresholds: Thresholds, route: Route) -> list[Finding]:
    bp = assessment.blood_pressure
    if bp is None:
        return []  # the missing reading is a work-up item
    t = thresholds
    unset: list[str] = []
    if route.is_racemic:
        rule_id, source = "bp.racemic_baseline", sources.ORGANISATION_SETTING
        limits = (t.racemic_bp_review_systolic_above_mmhg, t.racemic_bp_review_diastolic_above_mmhg)
        names = ("racemic_bp_review_systolic_above_mmhg", "racemic_bp_review_diastolic_above_mmhg")
    else:
        rule_id, source = "bp.esketamine_baseline", sources.SPRAVATO_BP
        limits = (
            t.esketamine_bp_review_systolic_above_mmhg,
            t.esketamine_bp_review_diastolic_above_mmhg,
        )
        names = ("", "")
    over = [
        text
        for text in (
            _above(bp.systolic_mmhg, limits[0], "systolic", names[0], unset),
            _above(bp.diastolic_mmhg, limits[1], "diastolic", names[1], unset),
        )
        if text is not None
    ]
    found: list[Finding] = []
    if over:
        action = (
            "document a risk-benefit judgement before dosing"
            if route is Route.ESKETAMINE
            else "review before treatment (organisation threshold)"
        )
        found.append(
            Finding(
                rule_id,
                CAUTION,
                f"Baseline blood pressure {bp}: {' and '.join(over)} mmHg; {action}.",
                source,
            )
        )
    if unset:
        found.append(
            Finding(
                rule_id,
                INFO,
                f"Baseline blood pressure {bp} not judged for racemic ketamine: the "
                f"organisation has not set {' or '.join(unset)} (the reference has no confirmed "
                "figure).",
                source,
            )
        )
    return found


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _bmi_text(bmi: Decimal, limit: Decimal, *, below: bool) -> str:
    """BMI rounded for reading, with more places only when rounding would blur the limit."""
    for places in ("0.1", "0.01", "0.0001"):
        shown = bmi.quantize(Decimal(places), rounding=ROUND_HALF_UP)
        if (shown < limit) if below else (shown > limit):
            return _number(shown)
    return _number(bmi)


def _bmi(assessment: Assessment, thresholds: Thresholds) -> list[Finding]:
    bmi = assessment.body_mass_index
    if bmi is None:
        return []
    low, high = thresholds.bmi_caution_below, thresholds.bmi_caution_above
    source = sources.ORGANISATION_SETTING
    found: list[Finding] = []
    if low is not None and bmi < low:
        found.append(
            Finding(
                "caution.bmi",
                CAUTION,
                f"BMI {_bmi_text(bmi, low, below=True)} is below the organisation's limit of "
                f"{_number(low)} kg/m².",
                source,
            )
        )
    if high is not None and bmi > high:
        found.append(
            Finding(
                "caution.bmi",
                CAUTION,
                f"BMI {_bmi_text(bmi, high, below=False)} is above the organisation's limit of "
                f"{_number(high)} kg/m².",
                source,
            )
        )
    unset = [
        name
        for name, value in (("bmi_caution_below", low), ("bmi_caution_above", high))
        if value is None
    ]
    if unset:
        found.append(
            Finding(
                "caution.bmi",
                INFO,
                f"BMI not fully judged: the organisation has not set {' or '.join(unset)} (the "
                "reference gives no BMI limits).",
                source,
            )
        )
    return found


_ROUTE_NOTES = {
    Route.TOPICAL: (
        "Topical cream: in a controlled trial it showed no significant absorption into the "
        "blood. The racemic rules still apply in full; a prescriber may override them with a "
        "recorded reason.",
        sources.TOPICAL_RCT,
    ),
    Route.INTRANASAL_COMPOUNDED: (
        "Compounded ketamine nasal spray is not FDA-approved and has no approved dosing regimen.",
        sources.FDA_COMPOUNDED,
    ),
    Route.SUBLINGUAL_ORAL: (
        "Oral and sublingual ketamine for depression is still experimental, and the FDA has "
        "warned about compounded ketamine taken at home.",
        sources.cite(sources.ANDRADE_ORAL, sources.FDA_COMPOUNDED),
    ),
}


def _route_note(route: Route) -> list[Finding]:
    note = _ROUTE_NOTES.get(route)
    if note is None:
        return []
    return [Finding(f"route.{route.value}", INFO, note[0], note[1])]


def caution_findings(assessment: Assessment, thresholds: Thresholds, route: Route) -> list[Finding]:
    """Age, hypertension, baseline blood pressure and BMI cautions, and the route's note."""
    return (
        _age(assessment, thresholds)
        + _hypertension(assessment)
        + _baseline_bp(assessment, thresholds, route)
        + _bmi(assessment, thresholds)
        + _route_note(route)
    )
