"""Building answer sets for tests: fixed ones by hand, random ones for hypothesis."""

from __future__ import annotations

from hypothesis import strategies as st

from ketacare.clinical.measures import Instrument, get_instrument


def filled(code: str, value: int, **by_item: int | None) -> dict[str, int | None]:
    """Every scored item of `code` answered `value`, except those named (item_<id>=...)."""
    instrument = get_instrument(code)
    answers: dict[str, int | None] = {
        item.id: value for item in instrument.items if item.scored and item.enabled_when is None
    }
    for key, answer in by_item.items():
        answers[key.removeprefix("item_")] = answer
    return answers


def with_total(code: str, total: int) -> dict[str, int | None]:
    """A complete form for a summed instrument whose items add up to `total` (filled in order)."""
    instrument = get_instrument(code)
    scored = [item for item in instrument.items if item.scored]
    left = total - sum(item.min_value for item in scored)
    answers: dict[str, int | None] = {}
    for item in scored:
        step = min(left, item.max_value - item.min_value)
        answers[item.id] = item.min_value + step
        left -= step
    assert left == 0, f"{code} cannot reach {total}"
    return answers


@st.composite
def complete_answers(draw: st.DrawFn, instrument: Instrument) -> dict[str, int | None]:
    """Any complete, valid answer set: every scored item that the skip logic asks is answered."""
    given: dict[str, int | None] = {}
    for item in instrument.items:
        condition = item.enabled_when
        if condition is not None and given.get(condition.item) != condition.equals:
            continue
        if item.scored or draw(st.booleans()):
            given[item.id] = draw(st.sampled_from(item.values))
    return given


@st.composite
def partial_answers(draw: st.DrawFn, instrument: Instrument) -> dict[str, int | None]:
    """Any valid answer set with some items possibly left unanswered (None or absent)."""
    given: dict[str, int | None] = {}
    for item in instrument.items:
        condition = item.enabled_when
        if condition is not None and given.get(condition.item) != condition.equals:
            continue
        choice = draw(st.one_of(st.none(), st.just("absent"), st.sampled_from(item.values)))
        if choice == "absent":
            continue
        given[item.id] = None if choice is None else int(choice)
    return given
