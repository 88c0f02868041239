"""QIDS-SR16: nine domain scores (highest item in sleep, appetite/weight, psychomotor)."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import ResponseStatus, compare_to_baseline, get_instrument, score
from tests.clinical.measures.forms import filled

QIDS = get_instrument("qids_sr16")
DOMAIN_FIRST_ITEM = {
    "sleep": "1",
    "mood": "5",
    "appetite_weight": "6",
    "concentration": "10",
    "self_view": "11",
    "suicidal_ideation": "12",
    "interest": "13",
    "energy": "14",
    "psychomotor": "15",
}


def _with_total(total: int) -> dict[str, int | None]:
    """A complete form reaching `total` by raising one item per domain."""
    answers = filled("qids_sr16", 0)
    for item_id in DOMAIN_FIRST_ITEM.values():
        step = min(total, 3)
        answers[item_id] = step
        total -= step
    assert total == 0
    return answers


def test_it_takes_the_highest_sleep_item_not_the_sum() -> None:
    result = score(QIDS, filled("qids_sr16", 0, item_1=1, item_2=3, item_3=0, item_4=2))
    assert result.subscales["sleep"].value == 3
    assert result.total == 3


def test_all_sixteen_items_at_three_total_27_not_48() -> None:
    result = score(QIDS, filled("qids_sr16", 3))
    assert result.total == 27
    assert all(sub.value == 3 for sub in result.subscales.values())


def test_it_takes_the_highest_psychomotor_item() -> None:
    result = score(QIDS, filled("qids_sr16", 0, item_15=1, item_16=2))
    assert result.subscales["psychomotor"].value == 2


def test_the_total_is_the_sum_of_the_nine_domains() -> None:
    answers = filled("qids_sr16", 1, item_2=2, item_7=3, item_9=0, item_12=0, item_16=3, item_13=2)
    result = score(QIDS, answers)
    domains = {key: sub.value for key, sub in result.subscales.items()}
    assert domains == {
        "sleep": 2,
        "mood": 1,
        "appetite_weight": 3,
        "concentration": 1,
        "self_view": 1,
        "suicidal_ideation": 0,
        "interest": 2,
        "energy": 1,
        "psychomotor": 3,
    }
    assert result.total == 14


def test_one_appetite_item_and_one_weight_item_are_enough() -> None:
    answers = filled("qids_sr16", 1, item_7=None, item_8=None, item_6=2, item_9=3)
    result = score(QIDS, answers)
    assert result.complete
    assert result.subscales["appetite_weight"].value == 3


def test_it_needs_a_weight_item_as_well_as_an_appetite_item() -> None:
    answers = filled("qids_sr16", 1, item_8=None, item_9=None)
    result = score(QIDS, answers)
    assert not result.complete
    assert result.total is None
    assert result.missing_items == ("8", "9")


def test_it_needs_every_sleep_item() -> None:
    result = score(QIDS, filled("qids_sr16", 1, item_3=None))
    assert result.total is None
    assert result.subscales["sleep"].value is None
    assert result.missing_items == ("3",)


# source: Millisecond QIDS-SR16 manual (0-5 none, 6-10 mild, 11-15, 16-20, 21-27)
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (5, "none"),
        (6, "mild"),
        (10, "mild"),
        (11, "moderate"),
        (15, "moderate"),
        (16, "severe"),
        (20, "severe"),
        (21, "very_severe"),
        (27, "very_severe"),
    ],
)
def test_it_places_each_band_boundary_in_the_right_band(total: int, band: str) -> None:
    result = score(QIDS, _with_total(total))
    assert result.total == total
    assert result.band is not None
    assert result.band.code == band


def test_it_flags_item_12_at_one() -> None:
    result = score(QIDS, filled("qids_sr16", 0, item_12=1))
    assert [flag.rule_id for flag in result.safety_flags] == ["qids_item12"]


def test_it_does_not_flag_item_12_at_zero() -> None:
    assert score(QIDS, filled("qids_sr16", 3, item_12=0)).safety_flags == ()


def test_it_reports_an_unanswered_item_12() -> None:
    assert score(QIDS, {"1": 0}).unanswered_safety_items == ("12",)


# source: STAR*D, Trivedi 2006 (response >= 50% fall, remission <= 5)
@pytest.mark.parametrize(("current", "remitted"), [(5, True), (6, False)])
def test_it_calls_remission_at_five_or_less(current: int, remitted: bool) -> None:
    assert compare_to_baseline(QIDS, 16, current).remission is remitted


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (8, ResponseStatus.RESPONSE),
        (9, ResponseStatus.PARTIAL_RESPONSE),
        (12, ResponseStatus.PARTIAL_RESPONSE),
        (13, ResponseStatus.NO_RESPONSE),
    ],
)
def test_it_classifies_response_from_a_baseline_of_16(current: int, status: ResponseStatus) -> None:
    assert compare_to_baseline(QIDS, 16, current).response is status
