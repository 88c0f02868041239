"""CADSS and CADSS-6: item slots only, a dissociation marker on the full form."""

from __future__ import annotations

from ketacare.clinical.measures import SafetyLevel, get_instrument, score
from tests.clinical.measures.forms import filled

CADSS = get_instrument("cadss")
CADSS6 = get_instrument("cadss6")


def test_cadss_has_23_items_rated_zero_to_four() -> None:
    assert len(CADSS.items) == 23
    assert CADSS.total_range == (0, 92)
    assert score(CADSS, filled("cadss", 4)).total == 92


# source: TRANSFORM-2 / SUSTAIN-1 post hoc (peak CADSS above 4 = dissociation present)
def test_cadss_marks_dissociation_present_above_four() -> None:
    result = score(CADSS, filled("cadss", 0, item_1=3, item_2=2))
    assert result.total == 5
    assert [flag.rule_id for flag in result.safety_flags] == ["cadss_dissociation_present"]
    assert result.safety_flags[0].level is SafetyLevel.NOTICE


def test_cadss_does_not_mark_dissociation_at_four() -> None:
    assert score(CADSS, filled("cadss", 0, item_1=4)).safety_flags == ()


def test_cadss_marks_dissociation_from_a_partial_form_already_above_four() -> None:
    result = score(CADSS, {"1": 4, "7": 1})
    assert result.total is None
    assert result.safety_flags[0].value == 5


def test_cadss_has_no_bands() -> None:
    assert score(CADSS, filled("cadss", 1)).band is None


def test_cadss6_keeps_the_full_cadss_item_numbers() -> None:
    assert [item.id for item in CADSS6.items] == ["1", "2", "6", "7", "15", "22"]
    assert score(CADSS6, filled("cadss6", 4)).total == 24


def test_cadss6_does_not_apply_the_full_form_marker() -> None:
    assert score(CADSS6, filled("cadss6", 4)).safety_flags == ()
