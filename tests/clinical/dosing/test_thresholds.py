"""Every warn/block threshold just below, at and just above (100 kg so mg/kg = mg ÷ 100)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketacare.clinical.dosing import (
    IM_DEPRESSION,
    IV_PAIN_BOLUS,
    IV_PAIN_INFUSION,
    SC_DEPRESSION,
    FindingCode,
    MgPerKg,
    MgPerKgPerHour,
    Milligrams,
    Minutes,
    Override,
    SaltForm,
    calculate,
)

from .builders import TODAY, d, iv_depression, kg

SOFT, HARD = FindingCode.ABOVE_SOFT_MAX, FindingCode.AT_OR_ABOVE_HARD_LIMIT


def _codes(result: object) -> set[FindingCode]:
    found = result.warnings + result.blocks  # type: ignore[attr-defined]
    return {f.code for f in found}


def _depression(mg_per_kg: str, **kwargs: object) -> object:
    return calculate(
        iv_depression(),
        kg("100"),
        TODAY,
        MgPerKg(d(mg_per_kg)),
        None,
        None,
        max_weight_age_days=30,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("mg_per_kg", "expected"),
    [
        ("0.74", set()),
        ("0.75", set()),  # warn is "above 0.75"
        ("0.76", {SOFT}),
        ("0.99", {SOFT}),
        ("1.0", {HARD}),  # block is "at or above 1.0"
        ("1.01", {HARD}),
    ],
)
def test_iv_depression_warns_above_0_75_and_blocks_at_1_0(
    mg_per_kg: str, expected: set[FindingCode]
) -> None:
    assert _codes(_depression(mg_per_kg)) == expected


def test_iv_depression_block_stands_until_overridden_and_the_override_is_recorded() -> None:
    blocked = _depression("1.0")
    assert blocked.blocked  # type: ignore[attr-defined]
    allowed = _depression("1.0", override=Override("anaesthetist present"))
    assert allowed.orderable  # type: ignore[attr-defined]
    assert allowed.override == Override("anaesthetist present")  # type: ignore[attr-defined]
    assert ("override", "anaesthetist present") in allowed.inputs  # type: ignore[attr-defined]


def test_an_override_needs_a_reason() -> None:
    with pytest.raises(ValueError):
        Override("  ")


def test_rounding_up_into_the_block_is_still_blocked() -> None:
    # 0.999 mg/kg × 100 kg = 99.9 mg -> 100 mg (1 mg step) = 1.0 mg/kg delivered: block.
    r = calculate(
        iv_depression(Milligrams(d("1"))),
        kg("100"),
        TODAY,
        MgPerKg(d("0.999")),
        None,
        None,
        max_weight_age_days=30,
    )
    assert HARD in _codes(r)


@pytest.mark.parametrize(("minutes", "warned"), [("39", True), ("40", False), ("41", False)])
def test_iv_depression_warns_when_shorter_than_40_minutes(minutes: str, warned: bool) -> None:
    r = _depression("0.5", duration=Minutes(d(minutes)))
    assert (FindingCode.SHORTER_THAN_MINIMUM_DURATION in _codes(r)) is warned


@pytest.mark.parametrize(
    ("age_days", "blocked"), [(29, False), (30, False), (31, True), (-1, True)]
)
def test_a_weight_older_than_the_limit_is_blocked_re_weigh(age_days: int, blocked: bool) -> None:
    r = calculate(
        iv_depression(),
        kg("100", TODAY - timedelta(days=age_days)),
        TODAY,
        MgPerKg(d("0.5")),
        None,
        None,
        max_weight_age_days=30,
    )
    stale = {FindingCode.WEIGHT_STALE, FindingCode.WEIGHT_IN_FUTURE} & _codes(r)
    assert bool(stale) is blocked
    if age_days == 31:
        assert "re-weigh" in r.blocks[0].message


@pytest.mark.parametrize(
    ("mg_per_kg", "warned"), [("0.34", False), ("0.35", False), ("0.36", True)]
)
def test_pain_bolus_warns_above_0_35(mg_per_kg: str, warned: bool) -> None:
    protocol = IV_PAIN_BOLUS.configure(
        rounding_step=Milligrams(d("1")),
        hard_limit=MgPerKg(d("1")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(
        protocol, kg("100"), TODAY, MgPerKg(d(mg_per_kg)), None, None, max_weight_age_days=30
    )
    assert (SOFT in _codes(r)) is warned


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("0.49", {FindingCode.BELOW_SOFT_MIN}),
        ("0.5", set()),
        ("2", set()),
        ("2.01", {SOFT}),
        ("7", {SOFT}),
        ("7.01", {HARD}),
    ],
)
def test_pain_infusion_warns_outside_0_5_to_2_and_blocks_above_the_clinic_limit(
    rate: str, expected: set[FindingCode]
) -> None:
    protocol = IV_PAIN_INFUSION.configure(
        rounding_step=Milligrams(d("0.01")),
        hard_limit=MgPerKgPerHour(d("7")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(
        protocol,
        kg("100"),
        TODAY,
        MgPerKgPerHour(d(rate)),
        None,
        None,
        max_weight_age_days=30,
        duration=Minutes(d("240")),
    )
    assert _codes(r) == expected


@pytest.mark.parametrize("protocol", [IM_DEPRESSION, SC_DEPRESSION])
def test_im_and_sc_follow_the_0_1_mg_per_kg_titration_ladder(protocol: object) -> None:
    configured = protocol.configure(  # type: ignore[attr-defined]
        rounding_step=Milligrams(d("1")),
        hard_limit=MgPerKg(d("1")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )

    def codes(dose: str) -> set[FindingCode]:
        return _codes(
            calculate(
                configured, kg("100"), TODAY, MgPerKg(d(dose)), None, None, max_weight_age_days=30
            )
        )

    assert codes("0.3") == set()
    assert codes("0.5") == set()
    assert codes("0.35") == {FindingCode.OFF_TITRATION_STEP}
    assert FindingCode.OFF_TITRATION_STEP in codes("0.6")


def test_sc_studied_range_reaches_0_9_but_im_stops_at_0_5() -> None:
    def codes(protocol: object, dose: str) -> set[FindingCode]:
        configured = protocol.configure(  # type: ignore[attr-defined]
            rounding_step=Milligrams(d("1")),
            hard_limit=MgPerKg(d("1")),
            salt_form=SaltForm.HYDROCHLORIDE,
        )
        return _codes(
            calculate(
                configured, kg("100"), TODAY, MgPerKg(d(dose)), None, None, max_weight_age_days=30
            )
        )

    assert FindingCode.OUTSIDE_REPORTED_RANGE not in codes(SC_DEPRESSION, "0.9")
    assert FindingCode.OUTSIDE_REPORTED_RANGE in codes(SC_DEPRESSION, "0.91")
    assert FindingCode.OUTSIDE_REPORTED_RANGE in codes(IM_DEPRESSION, "0.6")
    assert HARD in codes(IM_DEPRESSION, "1.01")
