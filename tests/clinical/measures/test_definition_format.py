"""A definition that contradicts itself is refused before it can score anyone."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ketacare.clinical.measures import DefinitionError, ScoringMethod, parse_definition, score

MINIMAL: dict[str, Any] = {
    "code": "demo",
    "version": "1.0.0",
    "short_name": "DEMO",
    "name": "A made-up two-item scale for format tests",
    "rater": "self",
    "answer_sets": {"zero_to_two": [{"value": 0}, {"value": 1}, {"value": 2}]},
    "items": [
        {"id": "a", "construct": "first", "answers": "zero_to_two"},
        {"id": "b", "construct": "second", "answers": "zero_to_two"},
    ],
    "scoring_method": "sum_of_items",
    "total_range": [0, 4],
    "severity_bands": {
        "source": "test fixture",
        "bands": [
            {"min": 0, "max": 1, "code": "low", "label": "Low"},
            {"min": 2, "max": 4, "code": "high", "label": "High"},
        ],
    },
    "licence": {"status": "unconfirmed", "note": "synthetic"},
    "sources": ["test fixture"],
}


def _changed(**changes: Any) -> dict[str, Any]:
    definition = copy.deepcopy(MINIMAL)
    definition.update(changes)
    return definition


def test_it_builds_an_instrument_from_a_valid_definition() -> None:
    instrument = parse_definition(MINIMAL)
    assert instrument.scoring_method is ScoringMethod.SUM_OF_ITEMS
    assert score(instrument, {"a": 1, "b": 2}).total == 3


def test_it_refuses_an_unknown_key() -> None:
    with pytest.raises(DefinitionError, match="unknown keys"):
        parse_definition(_changed(severity="high"))


def test_it_refuses_a_stated_range_the_items_cannot_produce() -> None:
    with pytest.raises(DefinitionError, match="total range"):
        parse_definition(_changed(total_range=[0, 6]))


def test_it_refuses_a_gap_between_bands() -> None:
    bands = {
        "source": "x",
        "bands": [
            {"min": 0, "max": 1, "code": "low", "label": "Low"},
            {"min": 3, "max": 4, "code": "high", "label": "High"},
        ],
    }
    with pytest.raises(DefinitionError, match="without gaps"):
        parse_definition(_changed(severity_bands=bands))


def test_it_refuses_bands_that_stop_short_of_the_maximum() -> None:
    bands = {"source": "x", "bands": [{"min": 0, "max": 3, "code": "low", "label": "Low"}]}
    with pytest.raises(DefinitionError, match="stop short"):
        parse_definition(_changed(severity_bands=bands))


def test_it_refuses_shipped_wording_for_a_licensed_instrument() -> None:
    definition = _changed(licence={"status": "licensed", "item_text_included": True, "note": "x"})
    for entry in definition["items"]:
        entry["text"] = "some wording"
    with pytest.raises(DefinitionError, match="licensed wording"):
        parse_definition(definition)


def test_it_refuses_item_text_when_the_licence_says_none_is_shipped() -> None:
    definition = _changed()
    definition["items"][0]["text"] = "some wording"
    with pytest.raises(DefinitionError, match="carry text"):
        parse_definition(definition)


def test_it_refuses_a_safety_rule_on_a_missing_item() -> None:
    rule = {
        "id": "r",
        "item": "z",
        "at_least": 1,
        "level": "alert",
        "message": "m",
        "action": "a",
        "source": "s",
    }
    with pytest.raises(DefinitionError, match="no such item"):
        parse_definition(_changed(safety_rules=[rule]))


def test_it_refuses_a_subscale_naming_an_unknown_item() -> None:
    subscale = {"id": "s", "name": "S", "items": ["a", "z"], "method": "sum", "range": [0, 4]}
    with pytest.raises(DefinitionError, match="unknown item 'z'"):
        parse_definition(_changed(subscales=[subscale]))


def test_it_refuses_partial_response_at_or_above_response() -> None:
    outcomes = {
        "response_min_fall_percent": 50,
        "partial_response_min_fall_percent": 50,
        "sources": ["s"],
    }
    with pytest.raises(DefinitionError, match="partial response"):
        parse_definition(_changed(outcomes=outcomes))


def test_it_refuses_change_rules_without_sources() -> None:
    with pytest.raises(DefinitionError, match="cite"):
        parse_definition(_changed(outcomes={"response_min_fall_percent": 50}))


def test_it_refuses_skip_logic_that_points_forward() -> None:
    definition = _changed()
    definition["items"][0]["enabled_when"] = {"item": "b", "equals": 1}
    with pytest.raises(DefinitionError, match="must come before"):
        parse_definition(definition)


def test_it_refuses_a_default_cut_off_outside_the_allowed_ones() -> None:
    cutoff = {"allowed": [2, 3], "default": 4, "positive_label": "p", "source": "s"}
    with pytest.raises(DefinitionError, match="default cut-off"):
        parse_definition(_changed(screen_cutoff=cutoff))


def test_it_refuses_a_definition_without_sources() -> None:
    with pytest.raises(DefinitionError, match="sources"):
        parse_definition(_changed(sources=[]))
