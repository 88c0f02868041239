"""What the eligibility rules return: per route a verdict and the findings behind it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ketacare.clinical.eligibility.assessment import Route
from ketacare.clinical.eligibility.thresholds import Thresholds


class Severity(StrEnum):
    CONTRAINDICATION = "contraindication"
    WORKUP_REQUIRED = "workup_required"
    CAUTION = "caution"
    INFO = "info"


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    ELIGIBLE_WITH_CAUTIONS = "eligible_with_cautions"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def rank(self) -> int:
        """0 for eligible, 1 with cautions, 2 not eligible: a higher rank is a worse verdict."""
        return _VERDICT_RANK[self]

    @property
    def label(self) -> str:
        return _VERDICT_LABEL[self]


_VERDICT_RANK = {Verdict.ELIGIBLE: 0, Verdict.ELIGIBLE_WITH_CAUTIONS: 1, Verdict.NOT_ELIGIBLE: 2}
_VERDICT_LABEL = {
    Verdict.ELIGIBLE: "eligible",
    Verdict.ELIGIBLE_WITH_CAUTIONS: "eligible with cautions",
    Verdict.NOT_ELIGIBLE: "not eligible",
}
_SEVERITY_ORDER = {
    Severity.CONTRAINDICATION: 0,
    Severity.WORKUP_REQUIRED: 1,
    Severity.CAUTION: 2,
    Severity.INFO: 3,
}


class WorkupItem(StrEnum):
    ECG = "ecg"
    LIVER_FUNCTION_TESTS = "liver_function_tests"
    PREGNANCY_TEST = "pregnancy_test"
    BASELINE_BLOOD_PRESSURE = "baseline_blood_pressure"
    BASELINE_DEPRESSION_SCALE = "baseline_depression_scale"  # a baseline MADRS or PHQ-9


class TrdLabel(StrEnum):
    TRD = "TRD"
    OFF_LABEL_NON_TRD = "off-label / non-TRD"


@dataclass(frozen=True)
class Finding:
    """One rule's conclusion for one route: what it found, how much it matters, and why."""

    rule_id: str
    severity: Severity
    message: str
    source: str


def verdict_for(findings: Iterable[Finding]) -> Verdict:
    """Any contraindication: not eligible; else any caution or missing work-up: eligible with
    cautions; else eligible. Information findings never change the verdict."""
    severities = {finding.severity for finding in findings}
    if Severity.CONTRAINDICATION in severities:
        return Verdict.NOT_ELIGIBLE
    if severities & {Severity.CAUTION, Severity.WORKUP_REQUIRED}:
        return Verdict.ELIGIBLE_WITH_CAUTIONS
    return Verdict.ELIGIBLE


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The worst of `verdicts` (eligible when there are none)."""
    return max(verdicts, key=lambda verdict: verdict.rank, default=Verdict.ELIGIBLE)


def in_display_order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Contraindications first, then work-up, cautions and information; by rule id within."""
    return tuple(sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity], f.rule_id)))


@dataclass(frozen=True)
class RouteVerdict:
    route: Route
    verdict: Verdict
    findings: tuple[Finding, ...]

    def with_severity(self, severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is severity)

    def rule_ids(self, severity: Severity | None = None) -> frozenset[str]:
        return frozenset(
            f.rule_id for f in self.findings if severity is None or f.severity is severity
        )


@dataclass(frozen=True)
class TrdAssessment:
    """Whether the depression evidence meets the TRD definition, and how the plan is labelled."""

    meets_trd: bool
    label: TrdLabel
    adequate_trials: int  # failed trials that count (adequate dose and length, current episode)
    required_trials: int
    borderline_trials: int  # counted, but shorter than the upper end of the 4-6-week range
    baseline_scale_recorded: bool
    reasons: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class EligibilityReport:
    routes: tuple[RouteVerdict, ...]
    trd: TrdAssessment
    workup_required: tuple[WorkupItem, ...]
    thresholds: Thresholds  # the settings this report was judged with (for the audit trail)

    def for_route(self, route: Route | str) -> RouteVerdict:
        wanted = Route(route)
        for verdict in self.routes:
            if verdict.route is wanted:
                return verdict
        raise KeyError(wanted)  # unreachable: evaluate() judges every route
