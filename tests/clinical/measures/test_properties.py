"""Properties that hold for every instrument and any answers (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketacare.clinical.measures import (
    Instrument,
    ResponseStatus,
    ScoringMethod,
    all_instruments,
    compare_to_baseline,
    get_instrument,
    score,
)
from tests.clinical.measures.forms import complete_answers, partial_answers

ALL = all_instruments()
WITH_TOTAL = [instrument for instrument in ALL if instrument.has_total]
WITHOUT_SKIP_LOGIC = [
    instrument for instrument in ALL if all(item.enabled_when is None for item in instrument.items)
]
SUMMED = [i for i in ALL if i.scoring_method is ScoringMethod.SUM_OF_ITEMS]
DEPRESSION = [get_instrument(code) for code in ("phq9", "qids_sr16", "madrs")]

relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def instrument_and_complete_answers(
    draw: st.DrawFn, pool: list[Instrument]
) -> tuple[Instrument, dict[str, int | None]]:
    instrument = draw(st.sampled_from(pool))
    return instrument, draw(complete_answers(instrument))


@st.composite
def instrument_and_partial_answers(
    draw: st.DrawFn, pool: tuple[Instrument, ...]
) -> tuple[Instrument, dict[str, int | None]]:
    instrument = draw(st.sampled_from(pool))
    return instrument, draw(partial_answers(instrument))


@relaxed
@given(instrument_and_complete_answers(WITH_TOTAL))
def test_a_complete_form_has_a_total_within_the_instrument_range(
    case: tuple[Instrument, dict[str, int | None]],
) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    assert result.complete
    assert instrument.total_range is not None
    assert result.total is not None
    assert instrument.total_range[0] <= result.total <= instrument.total_range[1]


@relaxed
@given(instrument_and_complete_answers(WITH_TOTAL))
def test_a_complete_form_gets_the_band_that_contains_its_total(
    case: tuple[Instrument, dict[str, int | None]],
) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    if instrument.severity_bands:
        assert result.band is not None
        assert result.total is not None
        assert result.band.min <= result.total <= result.band.max
    else:
        assert result.band is None


@relaxed
@given(instrument_and_complete_answers(WITHOUT_SKIP_LOGIC), st.data())
def test_raising_any_answer_never_lowers_the_total_or_a_subscale(
    case: tuple[Instrument, dict[str, int | None]], data: st.DataObject
) -> None:
    instrument, answers = case
    item = data.draw(st.sampled_from([item for item in instrument.items if item.scored]))
    current = answers[item.id]
    assert current is not None
    higher = data.draw(st.sampled_from([value for value in item.values if value >= current]))
    before = score(instrument, answers)
    after = score(instrument, {**answers, item.id: higher})
    if before.total is not None:
        assert after.total is not None
        assert after.total >= before.total
    for key, subscale in before.subscales.items():
        raised = after.subscales[key].value
        assert subscale.value is not None and raised is not None
        assert raised >= subscale.value


@relaxed
@given(instrument_and_partial_answers(ALL))
def test_an_incomplete_form_never_gets_a_total_band_screen_diagnosis_or_risk_level(
    case: tuple[Instrument, dict[str, int | None]],
) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    assert result.complete == (not result.missing_items)
    if not result.complete:
        assert result.total is None
        assert result.band is None
        assert result.screen_positive is None
        assert result.provisional_diagnosis is None
        assert result.risk_level is None


@relaxed
@given(instrument_and_complete_answers(SUMMED), st.data())
def test_removing_any_scored_answer_from_a_summed_form_leaves_no_total(
    case: tuple[Instrument, dict[str, int | None]], data: st.DataObject
) -> None:
    instrument, answers = case
    item_id = data.draw(st.sampled_from([item.id for item in instrument.items if item.scored]))
    result = score(instrument, {**answers, item_id: None})
    assert result.total is None
    assert item_id in result.missing_items


@relaxed
@given(instrument_and_partial_answers(ALL))
def test_an_item_safety_rule_fires_exactly_when_its_item_crosses_the_threshold(
    case: tuple[Instrument, dict[str, int | None]],
) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    fired = {flag.rule_id for flag in result.safety_flags}
    for rule in instrument.safety_rules:
        if rule.item is None:
            continue
        value = answers.get(rule.item)
        expected = value is not None and rule.is_met_by(value)
        assert (rule.id in fired) == expected
        if value is None and instrument.item(rule.item).enabled_when is None:
            assert rule.item in result.unanswered_safety_items


@relaxed
@given(instrument_and_partial_answers(ALL))
def test_every_result_names_its_instrument_version_and_gives_reasons_for_flags(
    case: tuple[Instrument, dict[str, int | None]],
) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    assert result.instrument_version == instrument.version
    assert all(flag.reason in result.reasons for flag in result.safety_flags)
    assert all(flag.source for flag in result.safety_flags)


@relaxed
@given(st.sampled_from(ALL), st.data())
def test_any_value_outside_the_answer_options_is_refused_naming_the_item(
    instrument: Instrument, data: st.DataObject
) -> None:
    item = data.draw(st.sampled_from([item for item in instrument.items if not item.enabled_when]))
    bad = data.draw(
        st.integers(min_value=-100, max_value=100).filter(lambda value: value not in item.values)
    )
    try:
        score(instrument, {item.id: bad})
    except ValueError as error:
        assert f"item '{item.id}'" in str(error)
    else:
        raise AssertionError("an impossible answer was scored")


@relaxed
@given(st.sampled_from(DEPRESSION), st.data())
def test_response_categories_follow_the_exact_fraction_of_the_fall(
    instrument: Instrument, data: st.DataObject
) -> None:
    assert instrument.total_range is not None
    low, high = instrument.total_range
    baseline = data.draw(st.integers(min_value=1, max_value=high))
    current = data.draw(st.integers(min_value=low, max_value=high))
    outcome = compare_to_baseline(instrument, baseline, current)
    fall = Fraction(baseline - current, baseline)
    if fall >= Fraction(1, 2):
        assert outcome.response is ResponseStatus.RESPONSE
    elif fall >= Fraction(1, 4):
        assert outcome.response is ResponseStatus.PARTIAL_RESPONSE
    else:
        assert outcome.response is ResponseStatus.NO_RESPONSE
    assert outcome.percent_change is not None
    # Rounded to one decimal place: never more than half a step from the exact percentage.
    assert abs(Fraction(str(outcome.percent_change)) + fall * 100) <= Fraction(1, 20)
