"""Pain NRS, CGI-S, CGI-I and MOAA/S: one rating each, read through its anchors or bands."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import (
    ChangeStatus,
    ResponseStatus,
    SafetyLevel,
    compare_to_baseline,
    get_instrument,
    score,
)

NRS = get_instrument("pain_nrs")
CGI_S = get_instrument("cgi_s")
CGI_I = get_instrument("cgi_i")
MOAAS = get_instrument("moaas")


# source: Physiotherapy Canada (0 none, 1-3 mild, 4-6 moderate, 7-10 severe)
@pytest.mark.parametrize(
    ("value", "band"),
    [(0, "none"), (1, "mild"), (3, "mild"), (4, "moderate"), (6, "moderate"), (7, "severe")]
    + [(10, "severe")],
)
def test_pain_nrs_places_each_band_boundary_in_the_right_band(value: int, band: str) -> None:
    result = score(NRS, {"1": value})
    assert result.band is not None
    assert result.band.code == band


def test_pain_nrs_anchors_its_ends() -> None:
    labels = {option.value: option.label for option in NRS.items[0].options}
    assert labels[0] == "No pain"
    assert labels[10] == "Worst imaginable pain"


# source: Farrar 2001 (about 2 points or about 30%)
@pytest.mark.parametrize(
    ("baseline", "current", "status"),
    [
        (8, 6, ChangeStatus.IMPROVED),
        (8, 7, ChangeStatus.UNCHANGED),
        (3, 2, ChangeStatus.IMPROVED),
        (4, 6, ChangeStatus.WORSENED),
    ],
)
def test_pain_nrs_calls_two_points_or_thirty_percent_meaningful(
    baseline: int, current: int, status: ChangeStatus
) -> None:
    assert compare_to_baseline(NRS, baseline, current).meaningful_change is status


def test_pain_nrs_defines_no_response_threshold() -> None:
    assert compare_to_baseline(NRS, 8, 2).response is ResponseStatus.NOT_DEFINED


@pytest.mark.parametrize(
    ("current", "grade"), [(10, None), (9, "minimal"), (7, "moderate"), (5, "substantial")]
)
def test_pain_nrs_grades_improvement_from_a_baseline_of_10(current: int, grade: str | None) -> None:
    assert compare_to_baseline(NRS, 10, current).improvement_grade == grade


# source: Guy 1976 (CGI-S anchors 1-7)
@pytest.mark.parametrize(
    ("value", "label"),
    [
        (1, "Normal, not at all ill"),
        (4, "Moderately ill"),
        (7, "Among the most extremely ill patients"),
    ],
)
def test_cgi_s_reads_each_rating_through_its_anchor(value: int, label: str) -> None:
    result = score(CGI_S, {"1": value})
    assert result.total == value
    assert result.band is not None
    assert result.band.label == label


def test_cgi_s_has_no_not_assessed_zero() -> None:
    assert CGI_S.items[0].values == (1, 2, 3, 4, 5, 6, 7)


def test_cgi_s_reports_no_percent_change_on_a_scale_starting_at_one() -> None:
    outcome = compare_to_baseline(CGI_S, 6, 3)
    assert outcome.change == -3
    assert outcome.percent_change is None
    assert outcome.response is ResponseStatus.NOT_DEFINED


@pytest.mark.parametrize(
    ("value", "code"), [(1, "very_much_improved"), (2, "much_improved"), (4, "no_change")]
)
def test_cgi_i_reads_each_rating_through_its_anchor(value: int, code: str) -> None:
    result = score(CGI_I, {"1": value})
    assert result.band is not None
    assert result.band.code == code


def test_cgi_i_sets_no_response_rule() -> None:
    assert CGI_I.outcomes is None


# source: J&J phase 3 definitions (4 mild, 3 or less moderate or greater)
@pytest.mark.parametrize(
    ("value", "band", "flagged"),
    [
        (5, "alert", False),
        (4, "mild", False),
        (3, "moderate_or_deeper", True),
        (1, "moderate_or_deeper", True),
        (0, "unresponsive", True),
    ],
)
def test_moaas_flags_sedation_at_three_or_less(value: int, band: str, flagged: bool) -> None:
    result = score(MOAAS, {"1": value})
    assert result.band is not None
    assert result.band.code == band
    assert bool(result.safety_flags) is flagged
    if flagged:
        assert result.safety_flags[0].level is SafetyLevel.SEDATION


def test_moaas_ships_no_level_descriptors() -> None:
    assert all(option.label is None for option in MOAAS.items[0].options)
    assert MOAAS.items[0].text is None


def test_an_unanswered_single_item_gives_no_band() -> None:
    result = score(NRS, {"1": None})
    assert result.total is None
    assert result.band is None
