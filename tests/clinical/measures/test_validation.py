"""Answers that cannot be right are refused with the item named, never scored."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import get_instrument, score
from tests.clinical.measures.forms import filled


def test_it_refuses_an_unknown_item_and_names_it() -> None:
    with pytest.raises(ValueError, match="unknown item '10a'"):
        score(get_instrument("phq9"), {**filled("phq9", 0), "10a": 1})


def test_it_refuses_a_value_above_the_scale_and_names_the_item() -> None:
    with pytest.raises(ValueError, match="item '3': 4 is not an allowed answer"):
        score(get_instrument("phq9"), filled("phq9", 0, item_3=4))


def test_it_refuses_a_negative_value_and_names_the_item() -> None:
    with pytest.raises(ValueError, match="item '7'"):
        score(get_instrument("madrs"), filled("madrs", 0, item_7=-1))


def test_it_refuses_zero_on_a_scale_that_starts_at_one() -> None:
    with pytest.raises(ValueError, match="item '1': 0 is not an allowed answer"):
        score(get_instrument("cgi_s"), {"1": 0})


def test_it_refuses_true_or_false_as_an_answer() -> None:
    with pytest.raises(ValueError, match="item '1': the answer must be a whole number"):
        score(get_instrument("cssrs_screener"), {"1": True})


def test_it_refuses_text_as_an_answer() -> None:
    answers: dict[str, object] = {**filled("gad7", 1), "2": "2"}
    with pytest.raises(ValueError, match="item '2'"):
        score(get_instrument("gad7"), answers)  # type: ignore[arg-type]


def test_it_refuses_an_answer_to_an_item_the_skip_logic_did_not_ask() -> None:
    answers = {"1": 0, "2": 0, "4": 1, "6": 0}
    with pytest.raises(ValueError, match="item '4' is asked only when item '2'"):
        score(get_instrument("cssrs_screener"), answers)


def test_it_treats_none_as_unanswered() -> None:
    result = score(get_instrument("phq9"), filled("phq9", 1, item_5=None))
    assert result.missing_items == ("5",)
