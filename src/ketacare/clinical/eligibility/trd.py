"""Treatment-resistant depression: do the prior trials meet the definition?

A trial counts when it is an antidepressant trial in the current episode, at an adequate dose,
at least `trd_min_trial_weeks` long (default 4, the lower end of the 4-6-week range [S21a]), and
it failed: no response, or a partial response (under a 50% fall, which the operational
definition counts as non-response [S21a]). A counted trial shorter than `trd_full_trial_weeks`
(default 6) is reported as borderline, because some definitions in the range would not accept it.
A trial stopped for intolerance, or with an unknown outcome, is not a documented failure to
respond and does not count.

A TRD-labelled plan also needs a baseline MADRS or PHQ-9 (reference.md rule 8). Otherwise the
plan is labelled "off-label / non-TRD".
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from ketacare.clinical.eligibility import sources
from ketacare.clinical.eligibility.assessment import (
    DEPRESSIVE_INDICATIONS,
    AntidepressantTrial,
    Assessment,
    Indication,
    TrialOutcome,
)
from ketacare.clinical.eligibility.report import TrdAssessment, TrdLabel
from ketacare.clinical.eligibility.thresholds import Thresholds

TRD_SOURCE = sources.cite(
    sources.GAYNES_2020, sources.TRD_OPERATIONAL, sources.CANMAT_2021, sources.REFERENCE_RULE_8
)
_FAILED = frozenset({TrialOutcome.NO_RESPONSE, TrialOutcome.PARTIAL_RESPONSE})


def weeks_text(weeks: Decimal) -> str:
    """Weeks for a message, truncated (not rounded) to 2 places so 3.999 never reads as 4."""
    shown = weeks.quantize(Decimal("0.01"), rounding=ROUND_DOWN).normalize()
    return f"{shown:f}"


def required_trials(assessment: Assessment, thresholds: Thresholds) -> int:
    """Bipolar depression alone needs fewer failures [S21]; any MDD indication needs the MDD
    number."""
    unipolar = assessment.indications & {
        Indication.MAJOR_DEPRESSIVE_DISORDER,
        Indication.MDD_WITH_ACUTE_SUICIDAL_IDEATION,
    }
    if Indication.BIPOLAR_DEPRESSION in assessment.indications and not unipolar:
        return thresholds.trd_min_adequate_trials_bipolar
    return thresholds.trd_min_adequate_trials


def _judge_trial(trial: AntidepressantTrial, thresholds: Thresholds) -> tuple[bool, bool, str]:
    """(counts, borderline, reason) for one trial."""
    name = trial.drug
    if not trial.current_episode:
        return False, False, f"{name}: not counted, it was not in the current episode."
    if not trial.adequate_dose:
        return False, False, f"{name}: not counted, the dose was not recorded as adequate."
    weeks = trial.weeks
    if weeks is None:
        return False, False, f"{name}: not counted, its length is not recorded."
    minimum = thresholds.trd_min_trial_weeks
    if weeks < minimum:
        return (
            False,
            False,
            f"{name}: not counted, {weeks_text(weeks)} weeks is shorter than the "
            f"{weeks_text(minimum)}-week minimum.",
        )
    if trial.outcome in (TrialOutcome.RESPONSE, TrialOutcome.REMISSION):
        return False, False, f"{name}: not counted, the patient responded to it."
    if trial.outcome is TrialOutcome.NOT_TOLERATED:
        return (
            False,
            False,
            f"{name}: not counted, it was stopped because it was not tolerated, which is not a "
            "documented failure to respond.",
        )
    if trial.outcome not in _FAILED:
        return False, False, f"{name}: not counted, its outcome is not recorded."
    outcome = (
        "a partial response (under a 50% fall counts as non-response)"
        if trial.outcome is TrialOutcome.PARTIAL_RESPONSE
        else "no response"
    )
    full = thresholds.trd_full_trial_weeks
    if weeks < full:
        return (
            True,
            True,
            f"{name}: counted ({outcome}, adequate dose); {weeks_text(weeks)} weeks meets the "
            f"{weeks_text(minimum)}-week minimum but is under {weeks_text(full)} weeks, the "
            "upper end of the accepted range, so stricter definitions would not count it.",
        )
    return (
        True,
        False,
        f"{name}: counted ({outcome}, adequate dose, {weeks_text(weeks)} weeks).",
    )


def assess_trd(assessment: Assessment, thresholds: Thresholds) -> TrdAssessment:
    """Judge the TRD evidence and label the plan "TRD" or "off-label / non-TRD"."""
    reasons: list[str] = []
    needed = required_trials(assessment, thresholds)
    counted = borderline = 0
    for trial in assessment.trials:
        counts, short, reason = _judge_trial(trial, thresholds)
        counted += counts
        borderline += short
        reasons.append(reason)
    depressive = bool(assessment.indications & DEPRESSIVE_INDICATIONS)
    baseline = assessment.workup.baseline_depression_scale_recorded
    if not depressive:
        reasons.append("No depressive indication is recorded, so TRD does not apply.")
    if counted >= needed:
        reasons.append(f"{counted} failed adequate trial(s) counted; {needed} needed.")
    else:
        reasons.append(f"Only {counted} failed adequate trial(s) counted; {needed} needed.")
    if not baseline:
        reasons.append("No baseline MADRS or PHQ-9 is recorded; a TRD-labelled plan needs one.")
    meets = depressive and counted >= needed and baseline
    label = TrdLabel.TRD if meets else TrdLabel.OFF_LABEL_NON_TRD
    reasons.append(f"The plan is labelled {label.value}.")
    return TrdAssessment(
        meets_trd=meets,
        label=label,
        adequate_trials=counted,
        required_trials=needed,
        borderline_trials=borderline,
        baseline_scale_recorded=baseline,
        reasons=tuple(reasons),
        source=TRD_SOURCE,
    )
