"""C-SSRS screener: no total, a risk level from endorsed items, skip logic, high-risk alerts."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import SafetyLevel, compare_to_baseline, get_instrument, score

CSSRS = get_instrument("cssrs_screener")
NO = 0
YES = 1


def _flags(answers: dict[str, int | None]) -> list[str]:
    return [flag.rule_id for flag in score(CSSRS, answers).safety_flags]


# source: Blueprint C-SSRS (Screen) article, via instruments.md section 6
@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"1": NO, "2": NO, "6": NO}, "none_endorsed"),
        ({"1": YES, "2": NO, "6": NO}, "low"),
        ({"1": YES, "2": YES, "3": NO, "4": NO, "5": NO, "6": NO}, "low"),
        ({"1": YES, "2": YES, "3": YES, "4": NO, "5": NO, "6": NO}, "moderate"),
        ({"1": NO, "2": NO, "6": YES, "6a": NO}, "moderate"),
        ({"1": YES, "2": YES, "3": YES, "4": YES, "5": NO, "6": NO}, "high"),
        ({"1": YES, "2": YES, "3": NO, "4": NO, "5": YES, "6": NO}, "high"),
        ({"1": NO, "2": NO, "6": YES, "6a": YES}, "high"),
    ],
)
def test_it_reads_the_risk_level_from_the_endorsed_items(
    answers: dict[str, int | None], level: str
) -> None:
    result = score(CSSRS, answers)
    assert result.complete
    assert result.risk_level == level


def test_it_has_no_total() -> None:
    result = score(CSSRS, {"1": YES, "2": NO, "6": NO})
    assert result.total is None
    assert result.band is None


@pytest.mark.parametrize("item", ["4", "5"])
def test_it_raises_a_high_risk_alert_on_item_4_or_5(item: str) -> None:
    answers = {"1": YES, "2": YES, "3": NO, "4": NO, "5": NO, "6": NO, item: YES}
    result = score(CSSRS, answers)
    assert [flag.rule_id for flag in result.safety_flags] == [f"cssrs_{item}"]
    assert result.safety_flags[0].level is SafetyLevel.HIGH_RISK
    assert "mental-health services" in result.safety_flags[0].action


def test_it_raises_a_high_risk_alert_on_behaviour_in_the_past_three_months() -> None:
    assert _flags({"1": NO, "2": NO, "6": YES, "6a": YES}) == ["cssrs_6a"]


def test_lifetime_behaviour_older_than_three_months_is_moderate_without_an_alert() -> None:
    result = score(CSSRS, {"1": NO, "2": NO, "6": YES, "6a": NO})
    assert result.risk_level == "moderate"
    assert result.safety_flags == ()


def test_items_1_to_3_alone_raise_no_alert() -> None:
    assert _flags({"1": YES, "2": YES, "3": YES, "4": NO, "5": NO, "6": NO}) == []


def test_items_3_to_5_are_not_needed_after_a_no_to_item_2() -> None:
    result = score(CSSRS, {"1": YES, "2": NO, "6": NO})
    assert result.complete
    assert result.unanswered_safety_items == ()


def test_items_3_to_5_are_needed_after_a_yes_to_item_2() -> None:
    result = score(CSSRS, {"1": YES, "2": YES, "6": NO})
    assert not result.complete
    assert result.missing_items == ("3", "4", "5")
    assert result.risk_level is None
    assert result.unanswered_safety_items == ("4", "5")


def test_item_6a_is_needed_after_a_yes_to_item_6() -> None:
    result = score(CSSRS, {"1": NO, "2": NO, "6": YES})
    assert result.missing_items == ("6a",)
    assert result.unanswered_safety_items == ("6a",)


def test_it_alerts_on_item_4_even_when_the_form_is_unfinished() -> None:
    result = score(CSSRS, {"1": YES, "2": YES, "4": YES})
    assert not result.complete
    assert result.risk_level is None
    assert [flag.rule_id for flag in result.safety_flags] == ["cssrs_4"]


def test_it_cannot_be_compared_to_a_baseline_total() -> None:
    with pytest.raises(ValueError, match="has no total"):
        compare_to_baseline(CSSRS, 1, 0)
