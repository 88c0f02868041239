"""Controlled-substance accounting: the pump's volume from its charted events, and the balance of
prepared, given and wasted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.dosing.accounting import PumpEvent, PumpStep, balance, infused_volume
from ketacare.clinical.dosing.quantities import Milligrams, Millilitres, MlPerHour

T0 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _rate(ml_per_h: int) -> MlPerHour:
    return MlPerHour(Decimal(ml_per_h))


def test_a_whole_infusion_runs_its_rate_over_its_length() -> None:
    steps = [PumpStep(PumpEvent.START, _at(0), _rate(150)), PumpStep(PumpEvent.STOP, _at(40))]
    assert infused_volume(steps, until=_at(90)) == Millilitres(Decimal(100))


def test_a_pause_stops_the_count_and_a_rate_change_changes_it() -> None:
    steps = [
        PumpStep(PumpEvent.START, _at(0), _rate(150)),  # 10 min: 25 mL
        PumpStep(PumpEvent.PAUSE, _at(10)),  # paused 5 min: nothing
        PumpStep(PumpEvent.RESUME, _at(15), _rate(150)),  # 10 min: 25 mL
        PumpStep(PumpEvent.RATE, _at(25), _rate(60)),  # 10 min: 10 mL
        PumpStep(PumpEvent.STOP, _at(35)),
    ]
    assert infused_volume(steps, until=_at(90)) == Millilitres(Decimal(60))


def test_a_running_infusion_counts_to_now_and_never_past_the_bag() -> None:
    running = [PumpStep(PumpEvent.START, _at(0), _rate(150))]
    assert infused_volume(running, until=_at(20)) == Millilitres(Decimal(50))
    bag = Millilitres(Decimal(100))
    assert infused_volume(running, until=_at(60), bag=bag) == bag


def test_events_charted_out_of_order_are_read_in_time_order() -> None:
    steps = [PumpStep(PumpEvent.STOP, _at(20)), PumpStep(PumpEvent.START, _at(0), _rate(30))]
    assert infused_volume(steps, until=_at(90)) == Millilitres(Decimal(10))


def test_nothing_charted_is_nothing_infused() -> None:
    assert infused_volume([], until=_at(10)) == Millilitres(Decimal(0))


def _mg(value: str) -> Milligrams:
    return Milligrams(Decimal(value))


def test_prepared_given_and_wasted_that_add_up_balance() -> None:
    result = balance(prepared=_mg("40"), given=_mg("32"), wasted=_mg("8"))
    assert result.balanced and result.unaccounted_mg == 0
    assert result.message == "Accounted for: 40 mg prepared = 32 mg given + 8 mg wasted."


def test_what_is_left_is_named_and_asks_for_a_witnessed_waste() -> None:
    result = balance(prepared=_mg("40"), given=_mg("32"), wasted=_mg("0"))
    assert not result.balanced and result.unaccounted_mg == Decimal("8.0")
    assert result.message.startswith("8 mg not accounted for")
    assert "with a witness" in result.message


def test_more_given_and_wasted_than_prepared_is_flagged() -> None:
    result = balance(prepared=_mg("40"), given=_mg("40"), wasted=_mg("2"))
    assert result.unaccounted_mg == Decimal("-2.0")
    assert result.message.startswith("2 mg more given and wasted than prepared")


def test_the_balance_is_kept_to_a_tenth_of_a_milligram() -> None:
    # 0.4 mg/mL x 79.99 mL given = 31.996 mg: charted as 32.0 mg
    assert balance(prepared=_mg("40"), given=_mg("31.996"), wasted=_mg("8")).balanced
    assert not balance(prepared=_mg("40"), given=_mg("31.9"), wasted=_mg("8")).balanced


@given(
    prepared=st.decimals(min_value=0, max_value=1000, places=1),
    share=st.decimals(min_value=0, max_value=1, places=2),
)
def test_whatever_is_not_given_and_is_wasted_balances(prepared: Decimal, share: Decimal) -> None:
    given_mg = (prepared * share).quantize(Decimal("0.1"))
    result = balance(
        prepared=Milligrams(prepared),
        given=Milligrams(given_mg),
        wasted=Milligrams(prepared - given_mg),
    )
    assert result.balanced
