"""MADRS: structure without wording, Snaith bands, item 10, and configurable remission."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import ResponseStatus, compare_to_baseline, get_instrument, score
from tests.clinical.measures.forms import filled, with_total

MADRS = get_instrument("madrs")


# source: Snaith (0-6 normal, 7-19 mild, 20-34 moderate, 35-60 severe)
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "normal"),
        (6, "normal"),
        (7, "mild"),
        (19, "mild"),
        (20, "moderate"),
        (34, "moderate"),
        (35, "severe"),
        (60, "severe"),
    ],
)
def test_it_places_each_band_boundary_in_the_right_band(total: int, band: str) -> None:
    result = score(MADRS, with_total("madrs", total))
    assert result.total == total
    assert result.band is not None
    assert result.band.code == band


def test_it_has_ten_items_rated_zero_to_six() -> None:
    assert [item.values for item in MADRS.items] == [tuple(range(7))] * 10


def test_it_scores_the_anhedonia_subscale_from_items_1_2_6_7_8() -> None:
    answers = filled("madrs", 0, item_1=6, item_2=5, item_6=4, item_7=3, item_8=2, item_9=6)
    assert score(MADRS, answers).subscales["anhedonia"].value == 20


@pytest.mark.parametrize(("value", "flagged"), [(0, False), (1, False), (2, True), (6, True)])
def test_it_flags_item_10_at_two_or_more(value: int, flagged: bool) -> None:
    result = score(MADRS, filled("madrs", 0, item_10=value))
    assert bool(result.safety_flags) is flagged


# source: TRANSFORM-3 (remission <= 12, esketamine programme)
@pytest.mark.parametrize(("current", "remitted"), [(12, True), (13, False)])
def test_it_calls_remission_at_twelve_or_less_by_default(current: int, remitted: bool) -> None:
    outcome = compare_to_baseline(MADRS, 34, current)
    assert outcome.remission is remitted
    assert outcome.remission_threshold == 12


@pytest.mark.parametrize(("current", "remitted"), [(10, True), (11, False)])
def test_an_organisation_may_choose_remission_at_ten(current: int, remitted: bool) -> None:
    outcome = compare_to_baseline(MADRS, 34, current, remission_threshold_override=10)
    assert outcome.remission is remitted
    assert outcome.remission_threshold == 10
    assert any("a documented threshold" in reason for reason in outcome.reasons)


def test_an_undocumented_remission_threshold_is_named_as_such() -> None:
    outcome = compare_to_baseline(MADRS, 34, 11, remission_threshold_override=11)
    assert outcome.remission is True
    assert any("not documented" in reason for reason in outcome.reasons)


def test_it_documents_the_alternative_remission_thresholds() -> None:
    assert MADRS.outcomes is not None
    assert {alt.max for alt in MADRS.outcomes.remission_alternatives} == {7, 9, 10}


def test_it_refuses_a_remission_threshold_outside_the_scale() -> None:
    with pytest.raises(ValueError, match="outside the range 0 to 60"):
        compare_to_baseline(MADRS, 34, 10, remission_threshold_override=61)


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (15, ResponseStatus.RESPONSE),
        (16, ResponseStatus.PARTIAL_RESPONSE),
        (22, ResponseStatus.PARTIAL_RESPONSE),
        (23, ResponseStatus.NO_RESPONSE),
    ],
)
def test_it_classifies_response_from_a_baseline_of_30(current: int, status: ResponseStatus) -> None:
    assert compare_to_baseline(MADRS, 30, current).response is status
