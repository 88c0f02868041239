"""The interaction screen: each class flag, and the benzodiazepine dose at 8 mg/day exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.eligibility import (
    AlcoholUse,
    CypEffect,
    DrugClass,
    Indication,
    Medication,
    Route,
    Severity,
    Thresholds,
    Verdict,
)
from tests.clinical.eligibility.builders import (
    ALL_ROUTES,
    RACEMIC,
    clean,
    findings,
    judge,
    severities,
    verdict,
)

REDUCED = "interaction.benzodiazepine_reduced_effect"
SEDATION = "interaction.benzodiazepine_sedation"


def _benzo(equivalent: str, name: str = "diazepam") -> Medication:
    return Medication(
        name, DrugClass.BENZODIAZEPINE, diazepam_equivalent_mg_per_day=Decimal(equivalent)
    )


@pytest.mark.parametrize(
    ("equivalent", "reduced"),
    [
        ("7.9", Severity.INFO),
        ("8", Severity.INFO),
        ("8.01", Severity.CAUTION),
        ("8.5", Severity.CAUTION),
    ],
)
def test_the_reduced_effect_flag_starts_above_8_mg_diazepam_equivalent(
    equivalent: str, reduced: Severity
) -> None:
    report = judge(clean(medications=(_benzo(equivalent),)))
    for route in ALL_ROUTES:
        assert severities(report, route, REDUCED) == {reduced}
        assert severities(report, route, SEDATION) == {Severity.CAUTION}
    if reduced is Severity.CAUTION:
        assert "S16a" in findings(report, Route.IV, REDUCED)[0].source


def test_benzodiazepine_doses_are_added_up() -> None:
    report = judge(clean(medications=(_benzo("4"), _benzo("4.5", "clonazepam"))))
    assert severities(report, Route.IV, REDUCED) == {Severity.CAUTION}
    assert "8.5 mg/day" in findings(report, Route.IV, REDUCED)[0].message


def test_a_named_dose_is_converted_with_the_ashton_table() -> None:
    lorazepam = Medication("Lorazepam", DrugClass.BENZODIAZEPINE, daily_dose_mg=Decimal(6))
    report = judge(clean(medications=(lorazepam,)))
    finding = findings(report, Route.IV, REDUCED)[0]
    assert finding.severity is Severity.CAUTION
    assert "60 mg/day" in finding.message
    assert "Ashton" in finding.source


def test_an_entered_equivalent_wins_over_conversion() -> None:
    both = Medication(
        "lorazepam",
        DrugClass.BENZODIAZEPINE,
        daily_dose_mg=Decimal(6),
        diazepam_equivalent_mg_per_day=Decimal(5),
    )
    report = judge(clean(medications=(both,)))
    assert severities(report, Route.IV, REDUCED) == {Severity.INFO}


@pytest.mark.parametrize(
    "medication",
    [
        Medication("bromazepam", DrugClass.BENZODIAZEPINE, daily_dose_mg=Decimal(3)),
        Medication("lorazepam", DrugClass.BENZODIAZEPINE),
    ],
)
def test_an_unknown_benzodiazepine_dose_cannot_be_ruled_out(medication: Medication) -> None:
    report = judge(clean(medications=(medication,)))
    finding = findings(report, Route.IV, REDUCED)[0]
    assert finding.severity is Severity.CAUTION
    assert "unknown" in finding.message


def test_the_reduced_effect_flag_is_skipped_for_a_pain_only_plan() -> None:
    pain = clean(indications=frozenset({Indication.CHRONIC_PAIN}), medications=(_benzo("30"),))
    report = judge(pain)
    assert not findings(report, Route.IV, REDUCED)
    assert severities(report, Route.IV, SEDATION) == {Severity.CAUTION}


def test_an_organisation_can_move_the_benzodiazepine_threshold() -> None:
    raised = Thresholds().with_overrides({"benzodiazepine_reduced_effect_above_mg": "10"})
    assert severities(judge(clean(medications=(_benzo("10"),)), raised), Route.IV, REDUCED) == {
        Severity.INFO
    }
    assert severities(judge(clean(medications=(_benzo("10.5"),)), raised), Route.IV, REDUCED) == {
        Severity.CAUTION
    }


@pytest.mark.parametrize(
    ("drug_class", "rule_id", "words", "cited"),
    [
        (DrugClass.NONBENZO_HYPNOTIC, "interaction.nonbenzo_hypnotic", "sedation", "S3e"),
        (DrugClass.OPIOID, "interaction.opioid", "sedation", "S3e"),
        (DrugClass.STIMULANT, "interaction.stimulant", "blood pressure", "S3e"),
        (DrugClass.MAOI, "interaction.maoi", "blood pressure", "S3e"),
        (DrugClass.LAMOTRIGINE, "interaction.lamotrigine", "weaken", "S16"),
    ],
)
def test_each_class_is_a_caution_on_every_route(
    drug_class: DrugClass, rule_id: str, words: str, cited: str
) -> None:
    report = judge(clean(medications=(Medication("drug x", drug_class),)))
    for route in ALL_ROUTES:
        found = findings(report, route, rule_id)
        assert [f.severity for f in found] == [Severity.CAUTION]
        assert words in found[0].message
        assert "drug x" in found[0].message
        assert cited in found[0].source
        assert verdict(report, route) is Verdict.ELIGIBLE_WITH_CAUTIONS


@pytest.mark.parametrize("effect", list(CypEffect))
def test_each_strong_cyp_effect_is_a_caution(effect: CypEffect) -> None:
    medication = Medication("drug y", DrugClass.OTHER, cyp=frozenset({effect}))
    report = judge(clean(medications=(medication,)))
    for route in ALL_ROUTES:
        found = findings(report, route, f"interaction.{effect.value}")
        assert [f.severity for f in found] == [Severity.CAUTION]
        assert "S7" in found[0].source
    inducer = "inducer" in effect.value
    assert ("lower" if inducer else "higher") in findings(
        report, Route.IV, f"interaction.{effect.value}"
    )[0].message


def test_theophylline_is_flagged_on_racemic_routes_only() -> None:
    report = judge(clean(medications=(Medication("theophylline", DrugClass.THEOPHYLLINE),)))
    for route in RACEMIC:
        assert severities(report, route, "interaction.theophylline") == {Severity.CAUTION}
    assert not findings(report, Route.ESKETAMINE, "interaction.theophylline")


def test_other_medicines_raise_no_flag() -> None:
    report = judge(clean(medications=(Medication("lithium", DrugClass.OTHER),)))
    assert verdict(report, Route.IV) is Verdict.ELIGIBLE


@pytest.mark.parametrize(
    ("use", "severity"),
    [
        (AlcoholUse.NONE, None),
        (AlcoholUse.OCCASIONAL, Severity.INFO),
        (AlcoholUse.UNKNOWN, Severity.INFO),
        (AlcoholUse.REGULAR, Severity.CAUTION),
        (AlcoholUse.MISUSE, Severity.CAUTION),
    ],
)
def test_alcohol_use(use: AlcoholUse, severity: Severity | None) -> None:
    report = judge(clean(alcohol_use=use))
    expected = set() if severity is None else {severity}
    assert severities(report, Route.ESKETAMINE, "interaction.alcohol") == expected


def test_a_diazepam_equivalent_on_a_non_benzodiazepine_is_refused() -> None:
    with pytest.raises(ValueError, match="only applies to a benzodiazepine"):
        Medication(
            "zolpidem", DrugClass.NONBENZO_HYPNOTIC, diazepam_equivalent_mg_per_day=Decimal(5)
        )
