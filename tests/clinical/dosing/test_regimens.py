"""Esketamine suicidal-ideation regimen, IV pain evidence grades, IM/SC titration step."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ketacare.clinical.dosing import (
    ESKETAMINE_SUICIDAL_IDEATION,
    ESKETAMINE_TRD,
    IM_DEPRESSION,
    IV_PAIN_INFUSION,
    SC_DEPRESSION,
    SHIPPED_PROTOCOLS,
    EsketamineRegimen,
    FindingCode,
    GivenDose,
    MgPerKg,
    MgPerKgPerHour,
    Milligrams,
    Millilitres,
    Minutes,
    PainIndication,
    SaltForm,
    Severity,
    calculate,
    check_esketamine_session,
    evidence_grade,
    pain_indication,
    sources,
)
from tests.clinical.dosing.builders import TODAY, d, hcl, kg

SI = EsketamineRegimen.SUICIDAL_IDEATION
MG56, MG84, MG28 = (Milligrams(Decimal(v)) for v in (56, 84, 28))
DAY1 = TODAY


def on(day: int, dose: Milligrams = MG84) -> GivenDose:
    return GivenDose(DAY1 + timedelta(days=day - 1), dose)


def codes(findings: tuple[object, ...]) -> set[FindingCode]:
    return {f.code for f in findings}  # type: ignore[attr-defined]


# --- esketamine, MDD with acute suicidal ideation or behaviour [S3a, S3d] -----------------


def test_the_suicidal_ideation_regimen_is_its_own_shipped_protocol() -> None:
    p = SHIPPED_PROTOCOLS["intranasal_esketamine_mdd_si"]
    assert p is ESKETAMINE_SUICIDAL_IDEATION
    assert p.default_dose == MG84 and p.esketamine_regimen is SI
    assert ESKETAMINE_TRD.esketamine_regimen is EsketamineRegimen.TRD
    assert "[S3a, S3d]" in p.source and p.missing_settings() == ()


def test_si_day_one_is_84_mg_with_no_56_mg_first() -> None:
    assert check_esketamine_session([], DAY1, MG84, regimen=SI) == ()
    # The TRD rules do not apply: 84 mg on day 1 and without an earlier 56 mg is the label dose.
    assert check_esketamine_session([on(1)], on(4).on, MG84, regimen=SI) == ()


def test_si_56_mg_is_the_reduction_when_84_is_not_tolerated_a_warning() -> None:
    (finding,) = check_esketamine_session([on(1)], on(4).on, MG56, regimen=SI)
    assert finding.code is FindingCode.ESKETAMINE_REDUCED_DOSE
    assert finding.severity is Severity.WARNING
    assert finding.source == sources.SPRAVATO_SUICIDAL_IDEATION


@pytest.mark.parametrize("dose", [MG28, Milligrams(Decimal(112)), Milligrams(Decimal(70))])
def test_si_refuses_a_dose_outside_56_or_84(dose: Milligrams) -> None:
    found = check_esketamine_session([], DAY1, dose, regimen=SI)
    assert FindingCode.ESKETAMINE_DOSE_NOT_ALLOWED in codes(found)
    assert all(f.severity is Severity.BLOCK for f in found)


def test_si_blocks_a_third_session_in_a_treatment_week_and_a_second_on_one_day() -> None:
    twice = [on(1), on(4)]
    found = check_esketamine_session(twice, on(6).on, MG84, regimen=SI)
    assert codes(found) == {FindingCode.ESKETAMINE_TOO_FREQUENT}
    assert check_esketamine_session(twice, on(8).on, MG84, regimen=SI) == ()  # week 2
    found = check_esketamine_session([on(1)], on(1).on, MG84, regimen=SI)
    assert codes(found) == {FindingCode.ESKETAMINE_SAME_DAY}


def test_si_beyond_four_weeks_is_warned_as_not_systematically_studied() -> None:
    course = [on(day) for day in (1, 4, 8, 11, 15, 18, 22, 25)]
    assert check_esketamine_session(course[:-1], on(25).on, MG84, regimen=SI) == ()
    (finding,) = check_esketamine_session(course, on(29).on, MG84, regimen=SI)
    assert finding.code is FindingCode.ESKETAMINE_BEYOND_STUDIED
    assert finding.severity is Severity.WARNING


def test_calculate_uses_the_protocols_regimen() -> None:
    r = calculate(
        ESKETAMINE_SUICIDAL_IDEATION, None, TODAY, MG84, None, None,
        max_weight_age_days=30, esketamine_history=[],
    )  # fmt: skip
    assert r.blocks == () and r.devices == 3
    trd = calculate(
        ESKETAMINE_TRD, None, TODAY, MG84, None, None,
        max_weight_age_days=30, esketamine_history=[],
    )  # fmt: skip
    assert codes(trd.blocks) == {FindingCode.ESKETAMINE_DAY_ONE}


# --- IV chronic pain: evidence grade per indication [S2a, S2b], rule 2 ------------------


@pytest.mark.parametrize(
    ("indication", "grade"),
    [("CRPS", "B"), ("Complex regional pain syndrome", "B"), ("spinal cord injury pain", "C"),
     ("SCI", "C"), ("fibromyalgia", "D"), ("phantom limb pain", "D"), ("migraine", "D")],
)  # fmt: skip
def test_each_graded_indication_has_its_grade_and_source(indication: str, grade: str) -> None:
    assert evidence_grade(indication) == (grade, sources.COHEN_2018_GRADES)


def test_an_indication_cohen_does_not_name_is_d_by_rule_2_and_never_matched_by_substring() -> None:
    assert pain_indication("not CRPS") is None
    assert evidence_grade("not CRPS") == ("D", sources.RULE_2)
    assert evidence_grade(PainIndication.CRPS) == ("B", sources.COHEN_2018_GRADES)


def _pain(indication: str | None) -> tuple[object, ...]:
    protocol = IV_PAIN_INFUSION.configure(
        rounding_step=Milligrams(d("1")),
        hard_limit=MgPerKgPerHour(d("7")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    r = calculate(
        protocol, kg("70"), TODAY, MgPerKgPerHour(d("1")), hcl("1"), Millilitres(d("500")),
        max_weight_age_days=30, duration=Minutes(d("240")), indication=indication,
    )  # fmt: skip
    assert r.blocks == ()
    return r.warnings


def test_the_pain_calculation_shows_the_grade_as_an_info_finding() -> None:
    (finding,) = _pain("CRPS")
    assert finding.code is FindingCode.EVIDENCE_GRADE  # type: ignore[attr-defined]
    assert finding.severity is Severity.INFO  # type: ignore[attr-defined]
    assert finding.message.endswith(": B.")  # type: ignore[attr-defined]
    assert _pain(None) == ()


# --- IM/SC titration: one 0.1 mg/kg step up at a time [S11] ----------------------------


def _im(requested: str, previous: str | None, protocol=IM_DEPRESSION):  # type: ignore[no-untyped-def]
    configured = protocol.configure(
        rounding_step=Milligrams(d("0.5")),
        hard_limit=MgPerKg(d("1.0")),
        salt_form=SaltForm.HYDROCHLORIDE,
    )
    return calculate(
        configured, kg("80"), TODAY, MgPerKg(d(requested)), hcl("50"), None,
        max_weight_age_days=30,
        previous_dose=MgPerKg(d(previous)) if previous is not None else None,
    )  # fmt: skip


@pytest.mark.parametrize(("previous", "requested"), [("0.1", "0.2"), ("0.3", "0.4"),
                                                     ("0.4", "0.2"), ("0.2", "0.2")])  # fmt: skip
def test_one_step_up_a_reduction_or_the_same_dose_is_not_a_jump(previous: str, requested: str):  # type: ignore[no-untyped-def]
    assert FindingCode.TITRATION_JUMP not in codes(_im(requested, previous).warnings)


@pytest.mark.parametrize(("previous", "requested"), [("0.1", "0.3"), ("0.2", "0.5")])
def test_more_than_one_step_up_is_warned_with_its_source(previous: str, requested: str):  # type: ignore[no-untyped-def]
    r = _im(requested, previous)
    (jump,) = [f for f in r.warnings if f.code is FindingCode.TITRATION_JUMP]
    assert jump.severity is Severity.WARNING and jump.source == sources.LOO_2016_TITRATION
    assert r.blocks == ()


def test_without_a_previous_dose_or_above_the_last_step_there_is_no_step_check() -> None:
    assert FindingCode.TITRATION_JUMP not in codes(_im("0.5", None).warnings)
    # SC above 0.5 mg/kg is KADS's flexible 0.5-0.9 mg/kg: no step is given there [S11a].
    r = _im("0.8", "0.5", SC_DEPRESSION)
    assert FindingCode.TITRATION_JUMP not in codes(r.warnings)
    r = _im("0.8", "0.3", SC_DEPRESSION)
    assert FindingCode.TITRATION_JUMP in codes(r.warnings)


def test_a_previous_dose_in_another_unit_is_refused() -> None:
    with pytest.raises(TypeError):
        calculate(
            IM_DEPRESSION.configure(
                rounding_step=Milligrams(d("0.5")), hard_limit=MgPerKg(d("1.0")),
                salt_form=SaltForm.HYDROCHLORIDE,
            ),
            kg("80"), TODAY, MgPerKg(d("0.2")), hcl("50"), None,
            max_weight_age_days=30, previous_dose=Milligrams(d("8")),
        )  # fmt: skip
