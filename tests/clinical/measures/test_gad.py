"""GAD-7 and GAD-2: bands, change rules, and what the reference leaves undefined."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import (
    ChangeStatus,
    ResponseStatus,
    compare_to_baseline,
    get_instrument,
    score,
)
from tests.clinical.measures.forms import with_total

GAD7 = get_instrument("gad7")
GAD2 = get_instrument("gad2")


# source: Kroenke 2007 (0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe)
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_it_places_each_band_boundary_in_the_right_band(total: int, band: str) -> None:
    result = score(GAD7, with_total("gad7", total))
    assert result.band is not None
    assert result.band.code == band


def test_it_has_no_safety_item() -> None:
    assert score(GAD7, with_total("gad7", 21)).safety_flags == ()


def test_it_leaves_an_incomplete_form_without_a_total() -> None:
    answers = with_total("gad7", 10)
    answers["7"] = None
    assert score(GAD7, answers).total is None


# source: Bischoff 2020 (reliable change index 6 points)
@pytest.mark.parametrize(
    ("baseline", "current", "status"),
    [
        (15, 9, ChangeStatus.IMPROVED),
        (15, 10, ChangeStatus.UNCHANGED),
        (9, 15, ChangeStatus.WORSENED),
        (10, 15, ChangeStatus.UNCHANGED),
    ],
)
def test_it_calls_a_change_of_six_points_reliable(
    baseline: int, current: int, status: ChangeStatus
) -> None:
    assert compare_to_baseline(GAD7, baseline, current).reliable_change is status


# source: Toussaint 2020 (minimal clinically important difference 4 points)
@pytest.mark.parametrize(
    ("current", "status"), [(8, ChangeStatus.IMPROVED), (9, ChangeStatus.UNCHANGED)]
)
def test_it_calls_a_change_of_four_points_meaningful(current: int, status: ChangeStatus) -> None:
    assert compare_to_baseline(GAD7, 12, current).meaningful_change is status


def test_it_defines_no_response_or_remission_by_default() -> None:
    outcome = compare_to_baseline(GAD7, 16, 3)
    assert outcome.response is ResponseStatus.NOT_DEFINED
    assert outcome.remission is None
    assert any("no remission threshold" in reason for reason in outcome.reasons)


def test_an_organisation_may_set_its_own_gad7_remission_threshold() -> None:
    outcome = compare_to_baseline(GAD7, 16, 4, remission_threshold_override=4)
    assert outcome.remission is True
    assert any("not documented" in reason for reason in outcome.reasons)


@pytest.mark.parametrize(("total", "positive"), [(2, False), (3, True)])
def test_gad2_screens_positive_at_three_or_more(total: int, positive: bool) -> None:
    assert score(GAD2, with_total("gad2", total)).screen_positive is positive


def test_gad2_uses_the_first_two_gad7_items() -> None:
    assert [item.loinc for item in GAD2.items] == ["69725-0", "68509-9"]
