"""PCL-5: cluster scores, the DSM-5 provisional-diagnosis rule, the chosen cut-off, no bands."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import (
    ChangeStatus,
    ResponseStatus,
    compare_to_baseline,
    get_instrument,
    score,
)
from tests.clinical.measures.forms import filled, with_total

PCL5 = get_instrument("pcl5")
CLUSTERS = {
    "B": ["1", "2", "3", "4", "5"],
    "C": ["6", "7"],
    "D": ["8", "9", "10", "11", "12", "13", "14"],
    "E": ["15", "16", "17", "18", "19", "20"],
}


def _endorsing(value: int, **per_cluster: int) -> dict[str, int | None]:
    """Rate the first n items of each cluster at `value`, everything else 0."""
    answers = filled("pcl5", 0)
    for cluster, count in per_cluster.items():
        for item_id in CLUSTERS[cluster][:count]:
            answers[item_id] = value
    return answers


def test_it_sums_twenty_items_to_a_total_of_up_to_80() -> None:
    assert score(PCL5, filled("pcl5", 4)).total == 80


# source: awell-score README (B 0-20, C 0-8, D 0-28, E 0-24)
def test_it_scores_each_cluster_from_its_own_items() -> None:
    result = score(PCL5, filled("pcl5", 4))
    assert {key: sub.value for key, sub in result.subscales.items()} == {
        "B": 20,
        "C": 8,
        "D": 28,
        "E": 24,
    }


def test_cluster_scores_add_up_to_the_total() -> None:
    result = score(PCL5, with_total("pcl5", 47))
    assert sum(int(sub.value or 0) for sub in result.subscales.values()) == 47


# source: Comorbidity Guidelines (item endorsed at 2+; 1 B, 1 C, 2 D, 2 E)
def test_it_meets_the_provisional_diagnosis_at_the_minimum_pattern() -> None:
    result = score(PCL5, _endorsing(2, B=1, C=1, D=2, E=2))
    assert result.provisional_diagnosis is True
    assert result.total == 12


@pytest.mark.parametrize(
    "short",
    [
        {"B": 0, "C": 1, "D": 2, "E": 2},
        {"B": 1, "C": 0, "D": 2, "E": 2},
        {"B": 1, "C": 1, "D": 1, "E": 2},
        {"B": 1, "C": 1, "D": 2, "E": 1},
    ],
)
def test_it_does_not_meet_the_diagnosis_when_one_cluster_falls_short(short: dict[str, int]) -> None:
    result = score(PCL5, _endorsing(2, **short))
    assert result.provisional_diagnosis is False
    assert any("needed" in reason for reason in result.reasons)


def test_items_rated_one_do_not_count_as_endorsed() -> None:
    result = score(PCL5, filled("pcl5", 1))
    assert result.total == 20
    assert result.provisional_diagnosis is False


def test_a_high_total_alone_does_not_meet_the_diagnosis() -> None:
    answers = filled("pcl5", 0)
    for item_id in CLUSTERS["B"] + CLUSTERS["D"] + CLUSTERS["E"]:
        answers[item_id] = 4
    result = score(PCL5, answers)
    assert result.total == 72
    assert result.provisional_diagnosis is False


def test_it_gives_no_diagnosis_on_an_incomplete_form() -> None:
    answers = _endorsing(4, B=5, C=2, D=7, E=6)
    answers["20"] = None
    result = score(PCL5, answers)
    assert result.provisional_diagnosis is None
    assert result.total is None


def test_it_shows_no_severity_band() -> None:
    assert score(PCL5, filled("pcl5", 3)).band is None


def test_it_does_not_screen_until_the_organisation_chooses_a_cut_off() -> None:
    result = score(PCL5, with_total("pcl5", 50))
    assert result.screen_positive is None
    assert any("must choose one of 31, 32, 33" in reason for reason in result.reasons)


@pytest.mark.parametrize("cutoff", [31, 32, 33])
def test_it_screens_at_the_chosen_cut_off(cutoff: int) -> None:
    assert score(PCL5, with_total("pcl5", cutoff), screen_cutoff=cutoff).screen_positive is True
    below = score(PCL5, with_total("pcl5", cutoff - 1), screen_cutoff=cutoff)
    assert below.screen_positive is False


def test_it_refuses_a_cut_off_outside_31_to_33() -> None:
    with pytest.raises(ValueError, match="cut-off 30"):
        score(PCL5, with_total("pcl5", 40), screen_cutoff=30)


def test_it_raises_no_safety_flag_even_on_item_16() -> None:
    assert score(PCL5, filled("pcl5", 4)).safety_flags == ()


# source: TherapistAssist (secondary): 5 points reliable, 10 points meaningful
@pytest.mark.parametrize(
    ("current", "reliable", "meaningful"),
    [
        (46, ChangeStatus.UNCHANGED, ChangeStatus.UNCHANGED),
        (45, ChangeStatus.IMPROVED, ChangeStatus.UNCHANGED),
        (41, ChangeStatus.IMPROVED, ChangeStatus.UNCHANGED),
        (40, ChangeStatus.IMPROVED, ChangeStatus.IMPROVED),
        (60, ChangeStatus.WORSENED, ChangeStatus.WORSENED),
    ],
)
def test_it_grades_change_by_five_and_ten_points(
    current: int, reliable: ChangeStatus, meaningful: ChangeStatus
) -> None:
    outcome = compare_to_baseline(PCL5, 50, current)
    assert outcome.reliable_change is reliable
    assert outcome.meaningful_change is meaningful
    assert outcome.response is ResponseStatus.NOT_DEFINED
