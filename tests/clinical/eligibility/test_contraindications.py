"""Each condition, route by route: which routes it blocks, which it only cautions."""

from __future__ import annotations

import pytest

from ketacare.clinical.eligibility import (
    Condition,
    PlannedTreatment,
    PregnancyStatus,
    PregnancyTestResult,
    Route,
    Severity,
    Verdict,
    WorkupResults,
)
from tests.clinical.eligibility.builders import (
    RACEMIC,
    clean,
    findings,
    judge,
    severities,
    verdict,
    with_conditions,
)

CI = Severity.CONTRAINDICATION
CAUTION = Severity.CAUTION

# condition: (effect on every racemic route, effect on esketamine, a word the source cites)
EXPECTED = [
    (Condition.ANEURYSMAL_VASCULAR_DISEASE, CAUTION, CI, "S3f"),
    (Condition.ARTERIOVENOUS_MALFORMATION, CAUTION, CI, "S3f"),
    (Condition.INTRACEREBRAL_HAEMORRHAGE_HISTORY, CI, CI, "S3f"),
    (Condition.ESKETAMINE_HYPERSENSITIVITY, CI, CI, "S3f"),
    (Condition.KETAMINE_HYPERSENSITIVITY, CI, CI, "S12"),
    (Condition.BP_RISE_SERIOUS_HAZARD, CI, CI, "S12"),
    (Condition.UNCONTROLLED_CARDIOVASCULAR_DISEASE, CI, CAUTION, "S2a"),
    (Condition.SEVERE_CORONARY_OR_MYOCARDIAL_DISEASE, CI, CAUTION, "SmPC"),
    (Condition.UNCONTROLLED_HYPERTENSION, CI, CAUTION, "S12"),
    (Condition.CEREBROVASCULAR_ACCIDENT, CI, CAUTION, "SmPC"),
    (Condition.CEREBRAL_TRAUMA, CI, CAUTION, "SmPC"),
    (Condition.ECLAMPSIA_OR_PRE_ECLAMPSIA, CI, CI, "S3e"),
    (Condition.ACTIVE_PSYCHOSIS, CI, CAUTION, "S2a"),
    (Condition.ACTIVE_MANIA, CI, CAUTION, "UNCONFIRMED"),
    (Condition.SEVERE_HEPATIC_DISEASE, CI, CAUTION, "S2a"),
    (Condition.MODERATE_HEPATIC_DISEASE, CAUTION, CAUTION, "S2a"),
    (Condition.RAISED_INTRACRANIAL_PRESSURE, CI, CI, "S2a"),
    (Condition.RAISED_INTRAOCULAR_PRESSURE, CI, CAUTION, "S2a"),
    (Condition.BREASTFEEDING, CAUTION, CI, "S3e"),
]


def test_a_clean_assessment_is_eligible_on_every_route() -> None:
    report = judge(clean())
    assert {rv.route: rv.verdict for rv in report.routes} == dict.fromkeys(Route, Verdict.ELIGIBLE)


@pytest.mark.parametrize(("condition", "racemic", "esketamine", "cited"), EXPECTED)
def test_each_condition_has_its_documented_effect_on_each_route(
    condition: Condition, racemic: Severity, esketamine: Severity, cited: str
) -> None:
    report = judge(with_conditions(condition))
    rule_id = f"condition.{condition.value}"
    for route in RACEMIC:
        assert severities(report, route, rule_id) == {racemic}, route
    assert severities(report, Route.ESKETAMINE, rule_id) == {esketamine}
    every = [f for route in Route for f in findings(report, route, rule_id)]
    assert any(cited in f.source for f in every)
    assert all(f.source and f.message for f in every)


@pytest.mark.parametrize(("condition", "racemic", "esketamine", "cited"), EXPECTED)
def test_a_contraindication_blocks_its_route_and_a_caution_does_not(
    condition: Condition, racemic: Severity, esketamine: Severity, cited: str
) -> None:
    report = judge(with_conditions(condition))
    expected = {CI: Verdict.NOT_ELIGIBLE, CAUTION: Verdict.ELIGIBLE_WITH_CAUTIONS}
    assert verdict(report, Route.IV) is expected[racemic]
    assert verdict(report, Route.ESKETAMINE) is expected[esketamine]


def test_the_esketamine_label_list_blocks_esketamine_only_where_racemic_has_no_source() -> None:
    report = judge(with_conditions(Condition.ARTERIOVENOUS_MALFORMATION))
    assert verdict(report, Route.ESKETAMINE) is Verdict.NOT_ELIGIBLE
    for route in RACEMIC:
        assert verdict(report, route) is Verdict.ELIGIBLE_WITH_CAUTIONS


def test_every_condition_with_a_route_rule_is_covered_by_this_table() -> None:
    tested = {row[0] for row in EXPECTED}
    handled_elsewhere = {
        Condition.ACTIVE_SUBSTANCE_USE_DISORDER,  # depends on the plan: tested below
        Condition.KNOWN_HYPERTENSION,  # a caution: test_cautions
        Condition.CARDIOVASCULAR_RISK,  # a work-up trigger: test_workup
        Condition.LIVER_RISK,  # a work-up trigger: test_workup
    }
    assert tested | handled_elsewhere == set(Condition)


def test_substance_use_blocks_a_racemic_series() -> None:
    report = judge(with_conditions(Condition.ACTIVE_SUBSTANCE_USE_DISORDER))
    rule_id = "condition.active_substance_use_disorder"
    for route in RACEMIC:
        assert severities(report, route, rule_id) == {CI}
    assert severities(report, Route.ESKETAMINE, rule_id) == {CAUTION}


def test_substance_use_is_a_caution_for_a_single_racemic_treatment() -> None:
    single = PlannedTreatment(serial=False, frequent_high_dose=False)
    report = judge(with_conditions(Condition.ACTIVE_SUBSTANCE_USE_DISORDER, plan=single))
    assert severities(report, Route.IV, "condition.active_substance_use_disorder") == {CAUTION}
    assert verdict(report, Route.IV) is Verdict.ELIGIBLE_WITH_CAUTIONS


def test_pregnancy_blocks_every_route() -> None:
    report = judge(clean(pregnancy=PregnancyStatus.PREGNANT))
    for route in Route:
        assert severities(report, route, "condition.pregnancy") == {CI}
        assert verdict(report, route) is Verdict.NOT_ELIGIBLE
    assert "S2a" in findings(report, Route.IV, "condition.pregnancy")[0].source
    assert "S3e" in findings(report, Route.ESKETAMINE, "condition.pregnancy")[0].source


def test_a_positive_pregnancy_test_counts_as_pregnancy_whatever_the_recorded_status() -> None:
    positive = WorkupResults(
        pregnancy_test=PregnancyTestResult.POSITIVE, baseline_depression_scale_recorded=True
    )
    for status in (PregnancyStatus.UNKNOWN, PregnancyStatus.NOT_PREGNANT):
        report = judge(clean(pregnancy=status, workup=positive))
        assert verdict(report, Route.IV) is Verdict.NOT_ELIGIBLE
        assert "positive" in findings(report, Route.IV, "condition.pregnancy")[0].message


@pytest.mark.parametrize("status", [PregnancyStatus.NOT_PREGNANT, PregnancyStatus.NOT_APPLICABLE])
def test_no_pregnancy_finding_when_pregnancy_is_ruled_out(status: PregnancyStatus) -> None:
    report = judge(clean(pregnancy=status))
    assert not findings(report, Route.IV, "condition.pregnancy")
    assert verdict(report, Route.IV) is Verdict.ELIGIBLE
