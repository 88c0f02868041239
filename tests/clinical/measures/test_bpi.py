"""BPI short form: severity and interference means, the 4-of-7 rule, no single total."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical.measures import ChangeStatus, compare_to_baseline, get_instrument, score

BPI = get_instrument("bpi_sf")
SEVERITY = ["severity_worst", "severity_least", "severity_average", "severity_now"]
INTERFERENCE = [
    "interference_general_activity",
    "interference_mood",
    "interference_walking",
    "interference_normal_work",
    "interference_relations",
    "interference_sleep",
    "interference_enjoyment",
]


def _answers(severity: list[int | None], interference: list[int | None]) -> dict[str, int | None]:
    return dict(zip(SEVERITY, severity, strict=True)) | dict(
        zip(INTERFERENCE, interference, strict=True)
    )


def test_it_reports_severity_as_the_mean_of_four_items() -> None:
    result = score(BPI, _answers([8, 2, 5, 4], [0] * 7))
    assert result.subscales["severity"].value == Decimal("4.75")


def test_it_reports_interference_as_the_mean_of_seven_items_to_two_places() -> None:
    result = score(BPI, _answers([0] * 4, [1, 2, 3, 4, 5, 6, 6]))
    assert result.subscales["interference"].value == Decimal("3.86")


# source: BPI User Guide (interference valid when more than half, 4 of 7, answered)
def test_it_takes_interference_from_four_answered_items() -> None:
    result = score(BPI, _answers([1] * 4, [2, 4, 6, 8, None, None, None]))
    assert result.subscales["interference"].value == Decimal("5.00")
    assert result.complete
    assert any("at least 4" in reason for reason in result.reasons)


def test_it_gives_no_interference_score_from_three_items() -> None:
    result = score(BPI, _answers([1] * 4, [2, 4, 6, None, None, None, None]))
    assert result.subscales["interference"].value is None
    assert not result.complete
    assert set(result.missing_items) == set(INTERFERENCE[3:])


def test_it_needs_all_four_severity_items() -> None:
    result = score(BPI, _answers([8, 2, 5, None], [0] * 7))
    assert result.subscales["severity"].value is None
    assert result.missing_items == ("severity_now",)


def test_it_has_no_single_total_or_band() -> None:
    result = score(BPI, _answers([5] * 4, [5] * 7))
    assert result.total is None
    assert result.band is None
    assert result.complete


def test_the_interference_subscale_carries_its_loinc_code() -> None:
    assert BPI.subscale("interference").loinc == "77565-0"


# source: IMMPACT via ePPOC (a 1-point change in mean interference)
@pytest.mark.parametrize(
    ("current", "status"),
    [
        (Decimal("5.00"), ChangeStatus.IMPROVED),
        (Decimal("5.01"), ChangeStatus.UNCHANGED),
        (Decimal("7.00"), ChangeStatus.WORSENED),
    ],
)
def test_it_calls_a_one_point_interference_change_meaningful(
    current: Decimal, status: ChangeStatus
) -> None:
    outcome = compare_to_baseline(BPI, Decimal("6.00"), current, subscale="interference")
    assert outcome.meaningful_change is status


# source: IMMPACT via ePPOC (10% minimal, 30% moderate, 50% substantial)
@pytest.mark.parametrize(
    ("current", "grade"),
    [
        (Decimal("7.50"), None),
        (Decimal("7.20"), "minimal"),
        (Decimal("5.60"), "moderate"),
        (Decimal("4.00"), "substantial"),
    ],
)
def test_it_grades_severity_improvement_by_percent(current: Decimal, grade: str | None) -> None:
    outcome = compare_to_baseline(BPI, Decimal("8.00"), current, subscale="severity")
    assert outcome.improvement_grade == grade


def test_it_needs_a_subscale_to_compare() -> None:
    with pytest.raises(ValueError, match="name a subscale"):
        compare_to_baseline(BPI, 5, 3)


def test_it_refuses_an_unknown_subscale() -> None:
    with pytest.raises(KeyError, match="no subscale 'total'"):
        compare_to_baseline(BPI, 5, 3, subscale="total")
