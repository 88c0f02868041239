"""A licensed clinic fills the empty wording slots; scoring is unchanged."""

from __future__ import annotations

import pytest

from ketacare.clinical.measures import get_instrument, score, with_licensed_text
from tests.clinical.measures.forms import filled

# Synthetic placeholders, not the licensed wording.
CLINIC_TEXT = {str(n): f"Clinic-licensed wording for slot {n}" for n in range(1, 11)}


def test_it_fills_every_empty_slot_with_the_clinic_text() -> None:
    madrs = with_licensed_text(get_instrument("madrs"), item_text=CLINIC_TEXT)
    assert [item.text for item in madrs.items] == list(CLINIC_TEXT.values())


def test_filled_text_does_not_change_the_score() -> None:
    shipped = get_instrument("madrs")
    licensed = with_licensed_text(shipped, item_text=CLINIC_TEXT)
    answers = filled("madrs", 3, item_10=1)
    assert score(licensed, answers) == score(shipped, answers)


def test_it_leaves_the_shipped_definition_untouched() -> None:
    with_licensed_text(get_instrument("madrs"), item_text=CLINIC_TEXT)
    assert all(item.text is None for item in get_instrument("madrs").items)


def test_it_fills_option_labels() -> None:
    qids = with_licensed_text(
        get_instrument("qids_sr16"), item_text={}, option_labels={"1": {0: "anchor zero"}}
    )
    assert qids.item("1").options[0].label == "anchor zero"


def test_it_refuses_to_overwrite_shipped_wording() -> None:
    with pytest.raises(ValueError, match="already has its wording"):
        with_licensed_text(get_instrument("phq9"), item_text={"1": "Something else"})


def test_it_refuses_an_unknown_item() -> None:
    with pytest.raises(KeyError, match="no item '11'"):
        with_licensed_text(get_instrument("madrs"), item_text={"11": "extra"})


def test_it_refuses_a_label_for_an_answer_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="no answer option with value"):
        with_licensed_text(get_instrument("madrs"), item_text={}, option_labels={"1": {7: "x"}})
