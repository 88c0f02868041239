"""Diazepam equivalents from the Ashton Manual's table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.eligibility import (
    DOSE_EQUIVALENT_TO_DIAZEPAM_10_MG,
    DrugClass,
    Medication,
    benzodiazepine_load,
    diazepam_equivalent_mg,
    known_benzodiazepines,
)


# source: Ashton Manual 2002, approximate equivalents to diazepam 10 mg
@pytest.mark.parametrize(
    ("drug", "dose_like_10_mg_diazepam"),
    [
        ("diazepam", "10"),
        ("lorazepam", "1"),
        ("clonazepam", "0.5"),
        ("alprazolam", "0.5"),
        ("temazepam", "20"),
        ("chlordiazepoxide", "25"),
        ("oxazepam", "20"),
    ],
)
def test_the_table_holds_the_ashton_equivalents(drug: str, dose_like_10_mg_diazepam: str) -> None:
    assert DOSE_EQUIVALENT_TO_DIAZEPAM_10_MG[drug] == Decimal(dose_like_10_mg_diazepam)
    assert diazepam_equivalent_mg(drug, Decimal(dose_like_10_mg_diazepam)) == Decimal(10)


def test_lorazepam_6_mg_is_60_mg_diazepam() -> None:
    assert diazepam_equivalent_mg("lorazepam", Decimal(6)) == Decimal(60)


def test_names_are_matched_without_case_or_spaces() -> None:
    assert diazepam_equivalent_mg("  Alprazolam ", Decimal("1.5")) == Decimal(30)


def test_chlordiazepoxide_converts_exactly() -> None:
    assert diazepam_equivalent_mg("chlordiazepoxide", Decimal(30)) == Decimal(12)


def test_an_unknown_drug_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the diazepam-equivalence table"):
        diazepam_equivalent_mg("bromazepam", Decimal(3))


@pytest.mark.parametrize("dose", [Decimal(-1), Decimal("NaN"), 1.5])
def test_a_bad_dose_is_refused(dose: object) -> None:
    with pytest.raises(ValueError):
        diazepam_equivalent_mg("diazepam", dose)  # type: ignore[arg-type]


def test_the_table_has_seven_drugs() -> None:
    assert len(known_benzodiazepines()) == 7


def test_the_load_adds_entered_and_converted_doses_and_lists_the_rest() -> None:
    load = benzodiazepine_load(
        (
            Medication(
                "diazepam", DrugClass.BENZODIAZEPINE, diazepam_equivalent_mg_per_day=Decimal(5)
            ),
            Medication("clonazepam", DrugClass.BENZODIAZEPINE, daily_dose_mg=Decimal(1)),
            Medication("bromazepam", DrugClass.BENZODIAZEPINE, daily_dose_mg=Decimal(3)),
        )
    )
    assert load.total_mg == Decimal(25)
    assert [m.name for m in load.unconverted] == ["bromazepam"]
