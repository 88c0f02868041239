"""Worked examples, each computed by hand in its comment before the engine is asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketacare.clinical.dosing import (
    BASE_PER_HYDROCHLORIDE,
    ESKETAMINE_TRD,
    INTRANASAL_COMPOUNDED,
    IV_PAIN_BOLUS,
    IV_PAIN_INFUSION,
    SUBLINGUAL,
    TOPICAL_CREAM,
    Concentration,
    CumulativeLimit,
    FindingCode,
    GivenDose,
    MgPerKg,
    MgPerKgPerHour,
    MgPerMl,
    Milligrams,
    Millilitres,
    Minutes,
    MlPerHour,
    Override,
    PercentStrength,
    ProtocolNotConfigured,
    SaltForm,
    calculate,
    check_topical_strength,
)

from .builders import HALF_MG, TODAY, d, hcl, iv_depression, kg, lb


def codes(findings: tuple[object, ...]) -> set[FindingCode]:
    return {f.code for f in findings}  # type: ignore[attr-defined]


def test_80_kg_depression_infusion_from_a_100_ml_bag_holding_40_mg() -> None:
    # 0.5 mg/kg × 80 kg = 40 mg. Bag 40 mg / 100 mL = 0.4 mg/mL -> 40 ÷ 0.4 = 100 mL.
    # 100 mL over 40 min = 100 × 60 ÷ 40 = 150 mL/h. 0.5 mg/kg over 2/3 h = 0.75 mg/kg/h.
    r = calculate(
        iv_depression(),
        kg("80"),
        TODAY,
        MgPerKg(d("0.5")),
        hcl("0.4"),
        Millilitres(d("100")),
        max_weight_age_days=30,
    )
    assert r.total == Milligrams(d("40"))
    assert r.volume == Millilitres(d("100"))
    assert r.rate == MlPerHour(d("150"))
    assert r.dose_rate == MgPerKgPerHour(d("0.75"))
    assert r.duration == Minutes(d("40"))
    assert r.blocks == () and r.warnings == ()
    assert r.orderable
    assert "hydrochloride" in r.salt_statement
    assert "rate = 100 mL × 60 min/h ÷ 40 min = 150 mL/h" in r.formula


def test_a_weight_in_pounds_is_converted_once_and_shown() -> None:
    # 154 lb × 0.45359237 = 69.853 kg -> 69.9 kg. 0.5 × 69.9 = 34.95 mg -> 35.0 mg (0.5 mg step).
    # At 0.4 mg/mL: 35 ÷ 0.4 = 87.5 mL; over 40 min: 87.5 × 60 ÷ 40 = 131.25 mL/h.
    r = calculate(
        iv_depression(),
        lb("154"),
        TODAY,
        MgPerKg(d("0.5")),
        hcl("0.4"),
        Millilitres(d("100")),
        max_weight_age_days=30,
    )
    assert r.weight is not None and r.weight.kg == d("69.9")
    assert r.total == Milligrams(d("35"))
    assert r.volume == Millilitres(d("87.5"))
    assert r.rate == MlPerHour(d("131.25"))
    assert any("154 lb × 0.45359237 kg/lb = 69.9 kg" in line for line in r.formula)
    assert codes(r.warnings) == {FindingCode.ROUNDED}


def test_a_vial_labelled_as_base_is_converted_from_the_hcl_dose() -> None:
    # 70 kg × 0.5 mg/kg = 35 mg HCl. × 237.7/274.2 = 30.341 mg base.
    # At 10 mg/mL base: 3.0341 mL.
    r = calculate(
        iv_depression(),
        kg("70"),
        TODAY,
        MgPerKg(d("0.5")),
        Concentration(MgPerMl(d("10")), SaltForm.BASE),
        None,
        max_weight_age_days=30,
    )
    assert r.total == Milligrams(d("35"))
    assert r.total_as_labelled == Milligrams(d("35") * BASE_PER_HYDROCHLORIDE)
    assert r.total_as_labelled.mg.quantize(d("0.001")) == d("30.341")
    assert r.volume is not None and r.volume.ml.quantize(d("0.0001")) == d("3.0341")
    assert FindingCode.SALT_CONVERTED in codes(r.warnings)


def test_pain_infusion_70_kg_at_1_mg_per_kg_per_hour_for_4_hours() -> None:
    # 1 mg/kg/h × 70 kg × 4 h = 280 mg. At 1 mg/mL (e.g. 280 mg in 280 mL): 280 mL.
    # 280 mL over 240 min = 70 mL/h.
    protocol = IV_PAIN_INFUSION.configure(
        rounding_step=Milligrams(d("1")),
        hard_limit=MgPerKgPerHour(d("7")),  # a clinic's own setting for this test
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(
        protocol,
        kg("70"),
        TODAY,
        MgPerKgPerHour(d("1")),
        hcl("1"),
        Millilitres(d("500")),
        max_weight_age_days=30,
        duration=Minutes(d("240")),
    )
    assert r.total == Milligrams(d("280"))
    assert r.volume == Millilitres(d("280"))
    assert r.rate == MlPerHour(d("70"))
    assert r.dose_rate == MgPerKgPerHour(d("1"))
    assert r.warnings == () and r.blocks == ()


def test_pain_infusion_below_80_mg_or_two_hours_gets_the_guideline_note() -> None:
    # 0.5 mg/kg/h × 60 kg × 2 h = 60 mg: under 80 mg and not over 2 h.
    protocol = IV_PAIN_INFUSION.configure(
        rounding_step=Milligrams(d("1")),
        hard_limit=MgPerKgPerHour(d("7")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(
        protocol,
        kg("60"),
        TODAY,
        MgPerKgPerHour(d("0.5")),
        None,
        None,
        max_weight_age_days=30,
        duration=Minutes(d("120")),
    )
    assert r.total == Milligrams(d("60"))
    assert codes(r.warnings) == {FindingCode.BELOW_GUIDELINE_RANGE}


def test_pain_bolus_is_a_volume_with_no_pump_rate() -> None:
    # 0.3 mg/kg × 90 kg = 27 mg; at 10 mg/mL: 2.7 mL, pushed (no rate).
    protocol = IV_PAIN_BOLUS.configure(
        rounding_step=Milligrams(d("1")),
        hard_limit=MgPerKg(d("1")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(
        protocol, kg("90"), TODAY, MgPerKg(d("0.3")), hcl("10"), None, max_weight_age_days=30
    )
    assert r.total == Milligrams(d("27"))
    assert r.volume == Millilitres(d("2.7"))
    assert r.rate is None


def test_esketamine_56_mg_on_day_1_is_two_devices() -> None:
    # 56 mg ÷ 28 mg per device = 2 devices, the second at least 5 min after the first.
    r = calculate(
        ESKETAMINE_TRD,
        None,
        TODAY,
        Milligrams(d("56")),
        None,
        None,
        max_weight_age_days=30,
        esketamine_history=[],
    )
    assert r.devices == 2
    assert r.salt_form is SaltForm.BASE
    assert r.blocks == ()
    assert "devices = 56 mg ÷ 28 mg = 2; start at 0 min, 5 min" in r.formula


def test_esketamine_84_mg_after_56_mg_is_three_devices() -> None:
    # Day 1 = 56 mg; day 4 (same week, second session) = 84 mg = 3 devices.
    r = calculate(
        ESKETAMINE_TRD,
        None,
        TODAY,
        Milligrams(d("84")),
        None,
        None,
        max_weight_age_days=30,
        esketamine_history=[GivenDose(TODAY - timedelta(days=3), Milligrams(d("56")))],
    )
    assert r.devices == 3
    assert r.orderable


def test_sublingual_needs_its_clinic_settings_before_it_calculates() -> None:
    with pytest.raises(ProtocolNotConfigured, match="hard_limit"):
        calculate(SUBLINGUAL, None, TODAY, Milligrams(d("100")), None, None, max_weight_age_days=30)


def test_sublingual_fixed_dose_with_clinic_limits() -> None:
    # 150 mg fixed, under the clinic's warn (200 mg) and block (300 mg); 80 kg -> 1.875 mg/kg.
    protocol = SUBLINGUAL.configure(
        rounding_step=Milligrams(d("25")),
        soft_max=Milligrams(d("200")),
        hard_limit=Milligrams(d("300")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(
        protocol, kg("80"), TODAY, Milligrams(d("150")), None, None, max_weight_age_days=30
    )
    assert r.total == Milligrams(d("150"))
    assert r.dose_per_kg == MgPerKg(d("1.875"))
    assert r.blocks == ()
    assert codes(r.warnings) == {FindingCode.UNAPPROVED_PRODUCT}


def test_compounded_intranasal_always_carries_the_fda_warning() -> None:
    protocol = INTRANASAL_COMPOUNDED.configure(
        rounding_step=Milligrams(d("5")),
        soft_max=Milligrams(d("75")),
        hard_limit=Milligrams(d("100")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(protocol, None, TODAY, Milligrams(d("50")), None, None, max_weight_age_days=30)
    assert codes(r.warnings) == {FindingCode.UNAPPROVED_PRODUCT}


def test_cumulative_limit_counts_doses_inside_the_window() -> None:
    # Window 7 days ending today: 100 mg 6 days ago counts, 100 mg 7 days ago does not.
    # 100 + 150 = 250 mg > 200 mg -> block.
    protocol = SUBLINGUAL.configure(
        rounding_step=Milligrams(d("25")),
        soft_max=Milligrams(d("200")),
        hard_limit=Milligrams(d("300")),
        salt_form=SaltForm.HYDROCHLORIDE,
        cumulative_limit=CumulativeLimit(Milligrams(d("200")), 7, "clinic setting"),
    )
    history = [
        GivenDose(TODAY - timedelta(days=7), Milligrams(d("100"))),
        GivenDose(TODAY - timedelta(days=6), Milligrams(d("100"))),
    ]
    r = calculate(
        protocol,
        None,
        TODAY,
        Milligrams(d("150")),
        None,
        None,
        max_weight_age_days=30,
        prior_doses=history,
    )
    assert codes(r.blocks) == {FindingCode.ABOVE_CUMULATIVE_LIMIT}
    assert r.blocked
    overridden = calculate(
        protocol,
        None,
        TODAY,
        Milligrams(d("150")),
        None,
        None,
        Override("prescriber reviewed the week's total"),
        max_weight_age_days=30,
        prior_doses=history,
    )
    assert overridden.orderable and overridden.override is not None
    assert overridden.blocks == r.blocks  # the block is still recorded beside the override


def test_per_session_cap_blocks_above_it() -> None:
    # 1.0 mg/kg would block anyway; 0.7 mg/kg × 120 kg = 84 mg > the clinic's 80 mg cap.
    protocol = iv_depression().configure(session_max=Milligrams(d("80")))
    r = calculate(protocol, kg("120"), TODAY, MgPerKg(d("0.7")), None, None, max_weight_age_days=30)
    assert codes(r.blocks) == {FindingCode.ABOVE_SESSION_MAX}


def test_topical_strength_is_mg_per_gram_and_checked_against_the_clinic_maximum() -> None:
    # 5 % w/w = 5 g per 100 g = 50 mg per gram.
    protocol = TOPICAL_CREAM.configure(max_strength=PercentStrength(d("10")))
    check = check_topical_strength(protocol, PercentStrength(d("5")))
    assert check.mg_per_gram == d("50") and check.findings == ()
    above = check_topical_strength(protocol, PercentStrength(d("10.5")))
    assert codes(above.findings) == {FindingCode.ABOVE_MAX_STRENGTH}
    with pytest.raises(ProtocolNotConfigured):
        check_topical_strength(TOPICAL_CREAM, PercentStrength(d("5")))


def test_a_dose_that_does_not_fit_the_bag_is_blocked() -> None:
    # 100 kg × 0.5 = 50 mg at 0.4 mg/mL = 125 mL > 100 mL bag.
    r = calculate(
        iv_depression(),
        kg("100"),
        TODAY,
        MgPerKg(d("0.5")),
        hcl("0.4"),
        Millilitres(d("100")),
        max_weight_age_days=30,
    )
    assert codes(r.blocks) == {FindingCode.BAG_TOO_SMALL}


def test_rounding_to_the_measurable_step() -> None:
    # 0.5 mg/kg × 82.3 kg = 41.15 mg; 1 mg step, half up -> 41 mg.
    r = calculate(
        iv_depression(Milligrams(d("1"))),
        kg("82.3"),
        TODAY,
        MgPerKg(d("0.5")),
        None,
        None,
        max_weight_age_days=30,
    )
    assert r.total == Milligrams(d("41"))
    assert "rounded to the 1 mg step: 41.15 mg -> 41 mg" in r.formula
    assert r.requested == MgPerKg(d("0.5"))
    assert r.total != HALF_MG
