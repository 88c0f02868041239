"""Properties (hypothesis): no order above a hard limit without a recorded override, mg <-> mL
<-> mL/h round trips, lb -> kg conversion, and the esketamine schedule rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical.dosing import (
    SHIPPED_PROTOCOLS,
    DoseBasis,
    FindingCode,
    GivenDose,
    MgPerKg,
    MgPerKgPerHour,
    MgPerMl,
    Milligrams,
    Minutes,
    Override,
    Protocol,
    SaltForm,
    calculate,
    check_esketamine_session,
    treatment_week,
)
from ketacare.clinical.dosing.protocols import magnitude
from ketacare.clinical.units import KG_PER_LB, WeightUnit, weight_in_kg

from .builders import TODAY, kg

relaxed = settings(deadline=None, max_examples=300)

DOSED = [p for p in SHIPPED_PROTOCOLS.values() if p.dose_basis is not DoseBasis.STRENGTH]


def amounts(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places)


def dose_for(basis: DoseBasis) -> st.SearchStrategy[object]:
    if basis is DoseBasis.PER_KG:
        return amounts("0.01", "3", 3).map(MgPerKg)
    if basis is DoseBasis.PER_KG_PER_HOUR:
        return amounts("0.01", "10", 3).map(MgPerKgPerHour)
    if basis is DoseBasis.DEVICES:
        return st.sampled_from([28, 56, 84, 112, 140]).map(lambda n: Milligrams(Decimal(n)))
    return amounts("1", "1000", 1).map(Milligrams)


@st.composite
def configured(draw: st.DrawFn) -> Protocol:
    """Any shipped protocol, with any values for the settings the reference leaves to the clinic."""
    protocol = draw(st.sampled_from(DOSED))
    basis = protocol.dose_basis
    hard = draw(dose_for(basis)) if "hard_limit" in protocol.required else None
    soft = draw(dose_for(basis)) if "soft_max" in protocol.required else None
    return protocol.configure(
        rounding_step=Milligrams(Decimal(draw(st.sampled_from(["0.1", "0.5", "1", "5", "25"]))))
        if "rounding_step" in protocol.required
        else None,
        hard_limit=hard,  # type: ignore[arg-type]
        soft_max=soft,  # type: ignore[arg-type]
        salt_form=draw(st.sampled_from(SaltForm)) if "salt_form" in protocol.required else None,
    )


@relaxed
@given(
    protocol=configured(),
    weight=amounts("30", "250", 1),
    data=st.data(),
    overridden=st.booleans(),
    first_session=st.booleans(),
)
def test_no_order_above_a_hard_limit_exists_without_a_recorded_override(
    protocol: Protocol, weight: Decimal, data: st.DataObject, overridden: bool, first_session: bool
) -> None:
    requested = data.draw(dose_for(protocol.dose_basis))
    override = Override("prescriber's reason") if overridden else None
    history = (
        [] if first_session else [GivenDose(TODAY - timedelta(days=7), Milligrams(Decimal(56)))]
    )
    result = calculate(
        protocol,
        kg(str(weight)),
        TODAY,
        requested,  # type: ignore[arg-type]
        None,
        None,
        override,
        max_weight_age_days=30,
        duration=Minutes(Decimal(240)) if protocol.duration is None else None,
        esketamine_history=history,
    )
    hard = protocol.hard_limit
    assert hard is not None
    kg_ = result.weight.kg if result.weight is not None else None
    if protocol.dose_basis is DoseBasis.PER_KG:
        assert kg_ is not None
        delivered = result.total.mg / kg_
    elif protocol.dose_basis is DoseBasis.PER_KG_PER_HOUR:
        assert kg_ is not None and result.duration is not None
        delivered = result.total.mg / kg_ / result.duration.hours
    else:
        delivered = result.total.mg
    worst = max(delivered, magnitude(requested))  # type: ignore[arg-type]
    if hard.exceeded_by(worst):
        assert FindingCode.AT_OR_ABOVE_HARD_LIMIT in {b.code for b in result.blocks}
        assert result.orderable is (override is not None)
        if result.orderable:
            assert result.override == override
    if result.orderable:
        assert not result.blocks or result.override is not None


@relaxed
@given(
    mg=amounts("0.1", "2000", 2),
    concentration=amounts("0.1", "100", 2),
    minutes=st.integers(min_value=1, max_value=24 * 60),
)
def test_mg_to_ml_to_ml_per_hour_and_back(
    mg: Decimal, concentration: Decimal, minutes: int
) -> None:
    dose, conc, duration = Milligrams(mg), MgPerMl(concentration), Minutes(Decimal(minutes))
    volume = dose.volume_at(conc)
    rate = volume.rate_over(duration)
    back = rate.volume_over(duration).amount_at(conc)
    assert abs(back.mg - mg) <= Decimal("1e-20") * max(mg, Decimal(1))
    assert abs(volume.amount_at(conc).mg - mg) <= Decimal("1e-20") * max(mg, Decimal(1))


@relaxed
@given(mg_per_kg=amounts("0.01", "3", 3), weight=amounts("30", "250", 1))
def test_mg_per_kg_to_mg_and_back(mg_per_kg: Decimal, weight: Decimal) -> None:
    total = MgPerKg(mg_per_kg).for_weight(weight)
    assert total.per_kg(weight) == MgPerKg(mg_per_kg)


@relaxed
@given(pounds=amounts("66", "551", 1))
def test_pounds_are_converted_once_to_the_nearest_0_1_kg(pounds: Decimal) -> None:
    converted = weight_in_kg(pounds, WeightUnit.LB)
    assert abs(converted.kg - pounds * KG_PER_LB) <= Decimal("0.05")
    assert converted.kg == converted.kg.quantize(Decimal("0.1"))


sessions = st.lists(
    st.tuples(st.integers(min_value=0, max_value=120), st.sampled_from([56, 84])),
    min_size=0,
    max_size=30,
)


@relaxed
@given(raw=sessions, gap=st.integers(min_value=0, max_value=14), dose=st.sampled_from([56, 84]))
def test_no_third_induction_session_in_a_week_and_no_84_mg_on_day_1(
    raw: list[tuple[int, int]], gap: int, dose: int
) -> None:
    start = date(2025, 1, 6)
    history = [GivenDose(start + timedelta(days=d), Milligrams(Decimal(mg))) for d, mg in raw]
    last = max((g.on for g in history), default=start)
    proposed = last + timedelta(days=gap)
    findings = check_esketamine_session(history, proposed, Milligrams(Decimal(dose)))
    blocked = {f.code for f in findings if f.severity == "block"}
    if not history:
        assert (FindingCode.ESKETAMINE_DAY_ONE in blocked) is (dose == 84)
        return
    first = min(g.on for g in history)
    week = treatment_week(first, proposed)
    in_week = sum(1 for g in history if treatment_week(first, g.on) == week)
    limit = 2 if week <= 4 else 1
    if in_week >= limit:
        assert FindingCode.ESKETAMINE_TOO_FREQUENT in blocked
    else:
        assert FindingCode.ESKETAMINE_TOO_FREQUENT not in blocked
    if dose == 84 and all(g.dose.mg != 56 for g in history):
        assert FindingCode.ESKETAMINE_84_BEFORE_56 in blocked
