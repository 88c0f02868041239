"""The treatment day's clinical rules: fasting, pre-dose BP gate, plausibility, alerts, cadence,
device spacing, discharge readiness, adverse-event grades, the caution banner."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical import recovery, treatment_day
from ketacare.clinical.recovery import RecoveryScore, modified_aldrete
from ketacare.clinical.treatment_day import (
    CANDIDATE_HYPERTENSION_S39,
    DISCHARGE_INSTRUCTIONS_TEXT,
    ESKETAMINE_LABEL_GATE,
    PLAUSIBLE_DIASTOLIC_MMHG,
    PLAUSIBLE_HEART_RATE_BPM,
    PLAUSIBLE_RESPIRATORY_RATE_PER_MIN,
    PLAUSIBLE_SPO2_PERCENT,
    PLAUSIBLE_SYSTOLIC_MMHG,
    AlertThresholds,
    BpGateStatus,
    CadenceSettings,
    CadenceStatus,
    CtcaeGrade,
    FastingRules,
    FastingStatus,
    Phase,
    Route,
    VitalGates,
    VitalReading,
    device_spacing_check,
    discharge_readiness,
    extra_caution_reasons,
    fasting_check,
    needs_incident_review,
    predose_bp_gate,
    reading_alerts,
    validate_reading,
    vitals_cadence,
)

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
NAIVE = datetime(2025, 3, 4, 9, 0)  # noqa: DTZ001 - naive on purpose


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def at(n: float) -> datetime:
    """T0 plus n minutes."""
    return T0 + minutes(n)


def codes(reasons: tuple[Any, ...] | list[Any]) -> set[str]:
    return {reason.code for reason in reasons}


# --- the clinical core stays pure --------------------------------------------------------------


def test_the_treatment_day_core_imports_no_django() -> None:
    files = [Path(recovery.__file__), *Path(treatment_day.__file__).parent.glob("*.py")]
    for file in files:
        tree = ast.parse(file.read_text())
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(name.split(".")[0] == "django" for name in names), file


def test_routes_match_the_apps_route_choices() -> None:
    from ketacare.tenancy.models import Route as AppRoute

    assert {route.value for route in Route} == set(AppRoute.values)


# --- fasting ---------------------------------------------------------------------------------


def esketamine_fasting(**overrides: Any) -> Any:
    args: dict[str, Any] = {
        "route": Route.ESKETAMINE,
        "last_solids_at": at(-180),
        "last_clear_liquids_at": at(-60),
        "dose_at": T0,
    }
    args.update(overrides)
    return fasting_check(**args)


def iv_fasting(**overrides: Any) -> Any:
    args: dict[str, Any] = {
        "route": Route.IV,
        "last_solids_at": at(-600),
        "last_clear_liquids_at": at(-180),
        "dose_at": T0,
    }
    args.update(overrides)
    return fasting_check(**args)


def test_esketamine_food_gap_is_2_hours() -> None:
    below = esketamine_fasting(last_solids_at=at(-119))
    assert below.status is FastingStatus.FAILED
    assert codes(below.reasons) == {"fasting.solids_too_recent"}
    assert "1 min short" in below.reasons[0].message
    assert "[S3, S3c]" in below.reasons[0].source
    assert esketamine_fasting(last_solids_at=at(-120)).passed
    assert esketamine_fasting(last_solids_at=at(-121)).passed


def test_esketamine_liquid_gap_is_30_minutes() -> None:
    below = esketamine_fasting(last_clear_liquids_at=at(-29))
    assert codes(below.reasons) == {"fasting.clear_liquids_too_recent"}
    assert "1 min short" in below.reasons[0].message
    assert esketamine_fasting(last_clear_liquids_at=at(-30)).passed
    assert esketamine_fasting(last_clear_liquids_at=at(-31)).passed


def test_esketamine_nasal_steroid_gap_is_1_hour_and_optional() -> None:
    below = esketamine_fasting(last_nasal_steroid_at=at(-59))
    assert codes(below.reasons) == {"fasting.nasal_steroid_too_recent"}
    assert "[S3]" in below.reasons[0].source
    assert esketamine_fasting(last_nasal_steroid_at=at(-60)).passed
    assert esketamine_fasting(last_nasal_steroid_at=at(-61)).passed
    assert esketamine_fasting(last_nasal_steroid_at=None).passed


def test_iv_solids_6_hours_liquids_2_hours() -> None:
    assert codes(iv_fasting(last_solids_at=at(-359)).reasons) == {"fasting.solids_too_recent"}
    assert iv_fasting(last_solids_at=at(-360)).passed
    assert iv_fasting(last_solids_at=at(-361)).passed
    short = iv_fasting(last_clear_liquids_at=at(-119))
    assert codes(short.reasons) == {"fasting.clear_liquids_too_recent"}
    assert "rule 10" in short.reasons[0].source
    assert iv_fasting(last_clear_liquids_at=at(-120)).passed
    assert iv_fasting(last_clear_liquids_at=at(-121)).passed


def test_iv_fatty_food_needs_8_hours() -> None:
    assert not iv_fasting(last_fatty_food_at=at(-479)).passed
    assert iv_fasting(last_fatty_food_at=at(-480)).passed
    assert iv_fasting(last_fatty_food_at=at(-481)).passed


def test_im_sc_uses_the_iv_defaults() -> None:
    assert not iv_fasting(route=Route.IM_SC, last_solids_at=at(-359)).passed
    assert iv_fasting(route="im_sc", last_solids_at=at(-360)).passed


def test_esketamine_defaults_do_not_apply_to_iv() -> None:
    # Three hours after food passes esketamine's 2 h but not IV's 6 h.
    assert esketamine_fasting(last_solids_at=at(-180)).passed
    assert not iv_fasting(last_solids_at=at(-180)).passed


def test_every_failure_is_reported_with_minutes_short() -> None:
    result = iv_fasting(last_solids_at=at(-60), last_clear_liquids_at=at(-10))
    assert result.status is FastingStatus.FAILED
    messages = {reason.code: reason.message for reason in result.reasons}
    assert "300 min short" in messages["fasting.solids_too_recent"]
    assert "110 min short" in messages["fasting.clear_liquids_too_recent"]


def test_seconds_short_round_up_to_a_minute() -> None:
    result = esketamine_fasting(last_clear_liquids_at=T0 - minutes(30) + timedelta(seconds=1))
    assert "1 min short" in result.reasons[0].message


def test_unrecorded_intake_times_fail() -> None:
    result = esketamine_fasting(last_solids_at=None, last_clear_liquids_at=None)
    assert codes(result.reasons) == {
        "fasting.solids_not_recorded",
        "fasting.clear_liquids_not_recorded",
    }


def test_intake_after_the_dose_time_fails() -> None:
    result = esketamine_fasting(last_clear_liquids_at=at(5))
    assert codes(result.reasons) == {"fasting.clear_liquids_too_recent"}
    assert "35 min short" in result.reasons[0].message


@pytest.mark.parametrize(
    "route", [Route.SUBLINGUAL_ORAL, Route.INTRANASAL_COMPOUNDED, Route.TOPICAL]
)
def test_routes_without_a_reference_rule_are_not_configured(route: Route) -> None:
    result = esketamine_fasting(route=route)
    assert result.status is FastingStatus.NOT_CONFIGURED
    assert not result.passed


def test_a_clinic_rule_replaces_the_default() -> None:
    heavy_meal_3h = FastingRules(solids=timedelta(hours=3), clear_liquids=None)
    result = esketamine_fasting(
        route=Route.SUBLINGUAL_ORAL,
        rules=heavy_meal_3h,
        last_solids_at=at(-179),
        last_clear_liquids_at=None,
    )
    assert codes(result.reasons) == {"fasting.solids_too_recent"}
    assert "organisation" in result.reasons[0].source
    assert esketamine_fasting(
        route=Route.SUBLINGUAL_ORAL,
        rules=heavy_meal_3h,
        last_solids_at=at(-180),
        last_clear_liquids_at=None,
    ).passed


def test_fasting_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="timezone"):
        esketamine_fasting(dose_at=NAIVE)
    with pytest.raises(ValueError, match="timezone"):
        esketamine_fasting(last_solids_at=NAIVE)
    with pytest.raises(ValueError, match="negative"):
        FastingRules(solids=minutes(-1), clear_liquids=None)
    with pytest.raises(ValueError, match="route"):
        esketamine_fasting(route="rectal")


# --- pre-dose blood-pressure gate ------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "status"),
    [
        (139, 89, BpGateStatus.CLEAR),
        (140, 90, BpGateStatus.CLEAR),
        (141, 90, BpGateStatus.NEEDS_DECISION),
        (140, 91, BpGateStatus.NEEDS_DECISION),
        (150, 95, BpGateStatus.NEEDS_DECISION),
    ],
)
def test_esketamine_gate_is_140_over_90(
    systolic: int, diastolic: int, status: BpGateStatus
) -> None:
    result = predose_bp_gate(Route.ESKETAMINE, systolic, diastolic)
    assert result.status is status
    assert all("[S3, S3c]" in reason.source for reason in result.reasons)


def test_esketamine_gate_names_each_pressure_above() -> None:
    result = predose_bp_gate("esketamine", 150, 95)
    assert codes(result.reasons) == {"bp_gate.systolic_above", "bp_gate.diastolic_above"}
    assert "document" in result.reasons[0].message


@pytest.mark.parametrize("route", [r for r in Route if r is not Route.ESKETAMINE])
def test_racemic_routes_have_no_gate_until_the_clinic_sets_one(route: Route) -> None:
    assert predose_bp_gate(route, 200, 120).status is BpGateStatus.NO_GATE_CONFIGURED
    empty = predose_bp_gate(route, 200, 120, VitalGates())
    assert empty.status is BpGateStatus.NO_GATE_CONFIGURED
    assert "no gate" in empty.status.value.replace("_", " ")


def test_a_configured_racemic_gate_applies_at_its_limits() -> None:
    gate = VitalGates(systolic_above=160, diastolic_above=100)
    assert predose_bp_gate(Route.IV, 160, 100, gate).status is BpGateStatus.CLEAR
    assert predose_bp_gate(Route.IV, 161, 100, gate).status is BpGateStatus.NEEDS_DECISION
    assert predose_bp_gate(Route.IV, 160, 101, gate).status is BpGateStatus.NEEDS_DECISION
    assert "organisation" in predose_bp_gate(Route.IV, 161, 80, gate).reasons[0].source


def test_a_partly_configured_gate_says_what_it_does_not_check() -> None:
    gate = VitalGates(systolic_above=160)
    result = predose_bp_gate(Route.IV, 150, 130, gate)
    assert result.status is BpGateStatus.CLEAR
    assert "no diastolic limit" in result.reasons[0].message


def test_the_esketamine_gate_can_be_overridden() -> None:
    stricter = VitalGates(systolic_above=130, diastolic_above=85)
    assert predose_bp_gate(Route.ESKETAMINE, 135, 80, esketamine_gate=stricter).status is (
        BpGateStatus.NEEDS_DECISION
    )
    assert ESKETAMINE_LABEL_GATE.systolic_above == 140


def test_the_gate_refuses_an_implausible_reading() -> None:
    with pytest.raises(ValueError, match="greater than diastolic"):
        predose_bp_gate(Route.ESKETAMINE, 80, 90)
    with pytest.raises(ValueError):
        predose_bp_gate(Route.ESKETAMINE, 400, 90)
    with pytest.raises(ValueError):
        VitalGates(systolic_above=1000)


# --- plausibility ----------------------------------------------------------------------------


def problems(**values: Any) -> dict[str, str]:
    return validate_reading(taken_at=values.pop("taken_at", T0), now=T0, **values)


@pytest.mark.parametrize(
    ("field", "bounds"),
    [
        ("systolic", PLAUSIBLE_SYSTOLIC_MMHG),
        ("diastolic", PLAUSIBLE_DIASTOLIC_MMHG),
        ("heart_rate", PLAUSIBLE_HEART_RATE_BPM),
        ("respiratory_rate", PLAUSIBLE_RESPIRATORY_RATE_PER_MIN),
        ("spo2", PLAUSIBLE_SPO2_PERCENT),
    ],
)
def test_each_plausibility_range_at_its_edges(field: str, bounds: tuple[int, int]) -> None:
    low, high = bounds
    assert field in problems(**{field: low - 1})
    assert problems(**{field: low}) == {}
    assert problems(**{field: low + 1}) == {}
    assert problems(**{field: high - 1}) == {}
    assert problems(**{field: high}) == {}
    assert field in problems(**{field: high + 1})
    assert "not a clinical limit" in problems(**{field: low - 1})[field]


def test_the_guards_are_the_agreed_ranges() -> None:
    assert PLAUSIBLE_HEART_RATE_BPM == (20, 300)
    assert PLAUSIBLE_SYSTOLIC_MMHG == (40, 300)
    assert PLAUSIBLE_DIASTOLIC_MMHG == (20, 200)
    assert PLAUSIBLE_RESPIRATORY_RATE_PER_MIN == (0, 80)
    assert PLAUSIBLE_SPO2_PERCENT == (1, 100)


def test_spo2_above_100_is_impossible() -> None:
    assert "impossible" in problems(spo2=140)["spo2"]
    assert "impossible" in problems(spo2=101)["spo2"]
    assert problems(spo2=100) == {}


def test_a_heart_rate_of_0_is_a_lead_off_artefact() -> None:
    assert "lead-off" in problems(heart_rate=0)["heart_rate"]


def test_systolic_must_exceed_diastolic() -> None:
    assert "greater than diastolic" in problems(systolic=80, diastolic=80)["systolic"]
    assert "systolic" in problems(systolic=79, diastolic=80)
    assert problems(systolic=81, diastolic=80) == {}


def test_a_reading_needs_at_least_one_value() -> None:
    assert problems() == {"reading": "Enter at least one value."}
    assert problems(heart_rate=72) == {}


def test_a_reading_in_the_future_beyond_clock_skew_is_refused() -> None:
    assert problems(heart_rate=72, taken_at=at(2)) == {}
    assert "taken_at" in problems(heart_rate=72, taken_at=at(2) + timedelta(seconds=1))
    assert problems(heart_rate=72, taken_at=at(-60)) == {}


def test_plausibility_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone"):
        validate_reading(heart_rate=70, taken_at=NAIVE, now=T0)


def test_a_vital_reading_checks_itself() -> None:
    assert VitalReading(T0, spo2=140).problems(now=T0).keys() == {"spo2"}
    with pytest.raises(ValueError, match="timezone"):
        VitalReading(NAIVE, spo2=98)


maybe_int = st.none() | st.integers(-1000, 1000)


@settings(deadline=None, max_examples=300)
@given(
    maybe_int,
    maybe_int,
    maybe_int,
    maybe_int,
    maybe_int,
    st.integers(-10_000, 10_000),
)
def test_plausibility_never_raises_and_only_names_known_fields(
    systolic: int | None,
    diastolic: int | None,
    heart_rate: int | None,
    spo2: int | None,
    respiratory_rate: int | None,
    offset_seconds: int,
) -> None:
    found = validate_reading(
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        respiratory_rate=respiratory_rate,
        taken_at=T0 + timedelta(seconds=offset_seconds),
        now=T0,
    )
    allowed = {"systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate", "taken_at"}
    assert set(found) <= allowed | {"reading"}
    assert all(isinstance(message, str) and message for message in found.values())
    if spo2 is not None and not 1 <= spo2 <= 100:
        assert "spo2" in found
    if heart_rate == 0:
        assert "lead-off" in found["heart_rate"]


# --- alert thresholds ------------------------------------------------------------------------


def test_no_alert_is_raised_until_the_clinic_configures_thresholds() -> None:
    reading = VitalReading(T0, systolic=220, diastolic=130, heart_rate=160, spo2=80)
    empty = AlertThresholds()
    assert reading_alerts(reading, empty) == []
    assert len(empty.unset()) == 7


def test_candidate_s39_is_180_over_110_and_offered_not_applied() -> None:
    assert CANDIDATE_HYPERTENSION_S39.systolic_above == 180
    assert CANDIDATE_HYPERTENSION_S39.diastolic_above == 110
    assert "[S39]" in CANDIDATE_HYPERTENSION_S39.source
    assert AlertThresholds().systolic_above is None


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [
        (179, 109, set()),
        (180, 110, set()),
        (181, 110, {"alert.systolic_above"}),
        (180, 111, {"alert.diastolic_above"}),
        (181, 111, {"alert.systolic_above", "alert.diastolic_above"}),
    ],
)
def test_s39_candidate_alerts_strictly_above(
    systolic: int, diastolic: int, expected: set[str]
) -> None:
    reading = VitalReading(T0, systolic=systolic, diastolic=diastolic)
    alerts = reading_alerts(reading, CANDIDATE_HYPERTENSION_S39)
    assert codes(alerts) == expected
    for alert in alerts:
        assert "[S39]" in alert.source
        assert alert.value in (systolic, diastolic)


def test_every_configured_limit_alerts() -> None:
    limits = AlertThresholds(
        heart_rate_above=110,
        heart_rate_below=50,
        spo2_below=94,
        respiratory_rate_above=24,
        respiratory_rate_below=10,
    )
    assert reading_alerts(VitalReading(T0, heart_rate=110, spo2=94), limits) == []
    high = reading_alerts(VitalReading(T0, heart_rate=111, respiratory_rate=25), limits)
    assert codes(high) == {"alert.heart_rate_above", "alert.respiratory_rate_above"}
    low = reading_alerts(VitalReading(T0, heart_rate=49, spo2=93, respiratory_rate=9), limits)
    assert codes(low) == {
        "alert.heart_rate_below",
        "alert.spo2_below",
        "alert.respiratory_rate_below",
    }
    spo2 = next(alert for alert in low if alert.code == "alert.spo2_below")
    assert (spo2.value, spo2.limit) == (93, 94)
    assert "below the alert limit of 94" in spo2.message


def test_alert_thresholds_refuse_typing_errors() -> None:
    with pytest.raises(ValueError):
        AlertThresholds(spo2_below=101)
    with pytest.raises(ValueError, match="below the high"):
        AlertThresholds(heart_rate_below=120, heart_rate_above=110)


@settings(deadline=None, max_examples=200)
@given(st.integers(40, 300), st.integers(40, 300))
def test_an_alert_fires_exactly_when_above_the_limit(systolic: int, limit: int) -> None:
    alerts = reading_alerts(VitalReading(T0, systolic=systolic), AlertThresholds(limit))
    assert bool(alerts) == (systolic > limit)


# --- cadence ---------------------------------------------------------------------------------

CLINIC = CadenceSettings(esketamine_interval_after_40_min=None, other_route_interval=None)


def cadence(**overrides: Any) -> Any:
    args: dict[str, Any] = {
        "route": Route.IV,
        "phase": Phase.DOSING,
        "infusion_started_at": T0,
        "infusion_ended_at": None,
        "first_device_at": None,
        "readings_times": [at(-5)],
        "now": T0,
        "settings": CLINIC,
    }
    args.update(overrides)
    return vitals_cadence(**args)


def test_cadence_settings_without_a_reference_number_must_be_given() -> None:
    with pytest.raises(TypeError):
        CadenceSettings()  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        CadenceSettings(esketamine_interval_after_40_min=minutes(0), other_route_interval=None)


def test_iv_needs_a_baseline_before_the_infusion() -> None:
    none = cadence(phase=Phase.PRE_DOSE, infusion_started_at=None, readings_times=[])
    assert none.status is CadenceStatus.BASELINE_REQUIRED
    done = cadence(phase=Phase.PRE_DOSE, infusion_started_at=None, readings_times=[at(-5)])
    assert done.status is CadenceStatus.NOT_YET_DUE


def test_iv_during_infusion_every_10_min_overdue_after_5_more() -> None:
    assert cadence(now=at(9)).status is CadenceStatus.NOT_YET_DUE
    assert cadence(now=at(9)).next_due_at == at(10)
    assert cadence(now=at(10)).status is CadenceStatus.DUE
    assert cadence(now=at(15)).status is CadenceStatus.DUE
    late = cadence(now=at(15) + timedelta(seconds=1))
    assert late.status is CadenceStatus.OVERDUE
    assert late.overdue
    assert late.overdue_by == timedelta(seconds=1)
    assert "rule 12" in late.reasons[0].source


def test_iv_timer_runs_from_the_latest_reading() -> None:
    result = cadence(readings_times=[at(-5), at(10), at(21)], now=at(25))
    assert result.next_due_at == at(31)
    assert result.status is CadenceStatus.NOT_YET_DUE


def test_iv_after_infusion_every_15_min() -> None:
    after = {"phase": Phase.OBSERVATION, "infusion_ended_at": at(40)}
    # A reading at 38 min (during the infusion): the 15-min timer starts at the end.
    result = cadence(**after, readings_times=[at(-5), at(38)], now=at(50))
    assert result.next_due_at == at(55)
    assert result.status is CadenceStatus.NOT_YET_DUE
    assert cadence(**after, readings_times=[at(-5), at(50)], now=at(65)).status is (
        CadenceStatus.DUE
    )
    assert cadence(**after, readings_times=[at(-5), at(50)], now=at(70)).status is (
        CadenceStatus.DUE
    )
    assert cadence(**after, readings_times=[at(-5), at(50)], now=at(71)).status is (
        CadenceStatus.OVERDUE
    )


def test_iv_missing_baseline_is_noted() -> None:
    result = cadence(readings_times=[], now=at(5))
    assert "cadence.baseline_missing" in codes(result.reasons)
    assert "cadence.baseline_missing" not in codes(cadence(now=at(5)).reasons)


def test_iv_phase_must_match_the_timestamps() -> None:
    with pytest.raises(ValueError):
        cadence(infusion_started_at=None)
    with pytest.raises(ValueError, match="observation"):
        cadence(infusion_ended_at=at(40), now=at(45))
    with pytest.raises(ValueError):
        cadence(phase=Phase.OBSERVATION, infusion_ended_at=None)
    with pytest.raises(ValueError):
        cadence(phase=Phase.OBSERVATION, infusion_ended_at=at(50), now=at(45))


def test_cadence_refuses_future_readings_and_naive_times() -> None:
    with pytest.raises(ValueError, match="future"):
        cadence(readings_times=[at(10)], now=at(5))
    with pytest.raises(ValueError, match="timezone"):
        cadence(now=NAIVE)


def test_a_discharged_session_needs_no_reading() -> None:
    assert cadence(phase=Phase.DISCHARGED).status is CadenceStatus.COMPLETE


def eske(**overrides: Any) -> Any:
    args: dict[str, Any] = {
        "route": Route.ESKETAMINE,
        "infusion_started_at": None,
        "first_device_at": T0,
        "readings_times": [at(-10)],
    }
    args.update(overrides)
    return cadence(**args)


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (34, CadenceStatus.NOT_YET_DUE),
        (35, CadenceStatus.DUE),
        (40, CadenceStatus.DUE),
        (45, CadenceStatus.DUE),
        (45.1, CadenceStatus.OVERDUE),
    ],
)
def test_esketamine_bp_due_between_35_and_45_min(now: float, status: CadenceStatus) -> None:
    result = eske(now=at(now))
    assert result.status is status
    assert result.next_due_at == at(40)
    assert result.window == (at(35), at(45))


def test_esketamine_missed_window_is_overdue_from_45_min() -> None:
    result = eske(now=at(50))
    assert result.overdue_by == minutes(5)
    assert "cadence.esketamine_40_min_missed" in codes(result.reasons)


@pytest.mark.parametrize(("taken", "counts"), [(34, False), (35, True), (45, True), (46, False)])
def test_only_a_reading_inside_the_window_counts(taken: float, counts: bool) -> None:
    result = eske(readings_times=[at(-10), at(taken)], now=at(60))
    missed = "cadence.esketamine_40_min_missed" in codes(result.reasons)
    assert missed is not counts


def test_after_the_40_min_reading_no_timer_unless_the_clinic_sets_one() -> None:
    result = eske(readings_times=[at(-10), at(40)], now=at(90))
    assert result.status is CadenceStatus.NO_TIMER
    assert result.next_due_at is None
    assert "[S3, S3a]" in result.reasons[0].source


def test_after_the_40_min_reading_the_clinic_interval_applies() -> None:
    clinic = CadenceSettings(
        esketamine_interval_after_40_min=minutes(15), other_route_interval=None
    )
    result = eske(readings_times=[at(-10), at(40)], now=at(50), settings=clinic)
    assert result.status is CadenceStatus.NOT_YET_DUE
    assert result.next_due_at == at(55)
    late = eske(readings_times=[at(-10), at(40)], now=at(61), settings=clinic)
    assert late.status is CadenceStatus.OVERDUE


def test_a_late_40_min_reading_is_recorded_as_missed_and_the_timer_goes_on() -> None:
    result = eske(readings_times=[at(-10), at(50)], now=at(55))
    assert result.status is CadenceStatus.NO_TIMER
    assert "cadence.esketamine_40_min_missed" in codes(result.reasons)


def test_esketamine_needs_a_baseline_and_a_first_device_time() -> None:
    pre = eske(phase=Phase.PRE_DOSE, first_device_at=None, readings_times=[])
    assert pre.status is CadenceStatus.BASELINE_REQUIRED
    with pytest.raises(ValueError, match="first_device_at"):
        eske(first_device_at=None)
    assert "cadence.baseline_missing" in codes(eske(readings_times=[], now=at(10)).reasons)


@pytest.mark.parametrize(
    "route", [Route.IM_SC, Route.SUBLINGUAL_ORAL, Route.INTRANASAL_COMPOUNDED, Route.TOPICAL]
)
def test_other_routes_need_a_clinic_interval(route: Route) -> None:
    assert cadence(route=route, now=at(20)).status is CadenceStatus.NOT_CONFIGURED
    clinic = CadenceSettings(
        esketamine_interval_after_40_min=None, other_route_interval=minutes(30)
    )
    assert cadence(route=route, now=at(29), settings=clinic).status is CadenceStatus.NOT_YET_DUE
    assert cadence(route=route, now=at(30), settings=clinic).status is CadenceStatus.DUE
    assert cadence(route=route, now=at(35), settings=clinic).status is CadenceStatus.DUE
    assert cadence(route=route, now=at(36), settings=clinic).status is CadenceStatus.OVERDUE


@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.integers(0, 180), max_size=12),
    st.integers(0, 180),
)
def test_iv_next_due_is_never_more_than_10_min_after_the_latest_reading(
    reading_minutes: list[int], now_minute: int
) -> None:
    readings = [at(m) for m in reading_minutes if m <= now_minute]
    result = cadence(readings_times=[at(-5), *readings], now=at(now_minute))
    latest = max([T0, *readings])
    assert result.next_due_at == latest + minutes(10)
    assert result.overdue == (at(now_minute) > latest + minutes(15))


# --- esketamine device spacing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "ok"),
    [(timedelta(minutes=4, seconds=59), False), (minutes(5), True), (minutes(6), True)],
)
def test_devices_are_5_minutes_apart(gap: timedelta, ok: bool) -> None:
    result = device_spacing_check(T0, T0 + gap)
    assert result.ok is ok
    assert result.earliest_at == at(5)
    assert "[S3a]" in result.reason.source


def test_a_device_too_soon_says_how_long_to_wait() -> None:
    result = device_spacing_check(T0, at(2))
    assert "wait 3 more min" in result.reason.message


def test_device_spacing_refuses_a_device_before_the_previous_one() -> None:
    with pytest.raises(ValueError):
        device_spacing_check(at(5), T0)
    with pytest.raises(ValueError, match="timezone"):
        device_spacing_check(NAIVE, T0)


# --- discharge readiness ---------------------------------------------------------------------

PASSING = modified_aldrete(activity=2, respiration=2, circulation=2, consciousness=2, spo2=1)
FAILING = modified_aldrete(activity=1, respiration=2, circulation=2, consciousness=1, spo2=2)


def discharge(**overrides: Any) -> Any:
    args: dict[str, Any] = {
        "route": Route.ESKETAMINE,
        "first_dose_at": T0,
        "now": at(120),
        "score_result": PASSING,
        "clinically_stable_attested": True,
        "escort_present": True,
        "bp_falling_or_stable": True,
    }
    args.update(overrides)
    return discharge_readiness(**args)


@pytest.mark.parametrize(("now", "ready"), [(119, False), (120, True), (121, True)])
def test_esketamine_observation_is_at_least_120_min(now: int, ready: bool) -> None:
    result = discharge(now=at(now))
    assert result.ready is ready
    assert result.observation_ends_at == at(120)
    if not ready:
        assert codes(result.unmet) == {"discharge.observation_not_done"}
        assert "1 min to go" in result.unmet[0].message
        assert "[S3, S3a, S4]" in result.unmet[0].source


def test_a_longer_protocol_lengthens_esketamine_observation_but_a_shorter_does_not_shorten() -> (
    None
):
    assert not discharge(now=at(140), protocol_minimum_minutes=150).ready
    assert discharge(now=at(150), protocol_minimum_minutes=150).ready
    assert not discharge(now=at(90), protocol_minimum_minutes=60).ready


@pytest.mark.parametrize(
    ("trend", "code"), [(None, "discharge.bp_trend_unknown"), (False, "discharge.bp_not_falling")]
)
def test_esketamine_needs_bp_falling_or_stable(trend: bool | None, code: str) -> None:
    result = discharge(bp_falling_or_stable=trend)
    assert not result.ready
    assert codes(result.unmet) == {code}


def test_every_unmet_condition_is_listed() -> None:
    result = discharge(
        now=at(30),
        score_result=None,
        clinically_stable_attested=False,
        escort_present=False,
        bp_falling_or_stable=False,
    )
    assert not result.ready
    assert codes(result.unmet) == {
        "discharge.observation_not_done",
        "discharge.not_attested_stable",
        "discharge.bp_not_falling",
        "discharge.score_missing",
        "discharge.no_escort",
    }
    assert result.met == ()


def test_a_failing_score_blocks_discharge_with_its_reasons() -> None:
    result = discharge(score_result=FAILING)
    assert codes(result.unmet) == {"discharge.score_below_threshold"}
    assert "8/10" in result.unmet[0].message


def test_no_escort_blocks_discharge() -> None:
    result = discharge(escort_present=False)
    assert codes(result.unmet) == {"discharge.no_escort"}
    assert "rule 11" in result.unmet[0].source


@pytest.mark.parametrize("route", [r for r in Route if r is not Route.ESKETAMINE])
def test_other_routes_need_the_protocol_minimum(route: Route) -> None:
    unset = discharge(route=route, now=at(600))
    assert codes(unset.unmet) == {"discharge.observation_not_configured"}
    assert unset.observation_ends_at is None
    assert not discharge(route=route, now=at(59), protocol_minimum_minutes=60).ready
    assert discharge(route=route, now=at(60), protocol_minimum_minutes=60).ready
    assert discharge(route=route, now=at(61), protocol_minimum_minutes=60).ready


def test_racemic_routes_need_a_recovered_attestation_but_no_bp_trend() -> None:
    iv = {"route": Route.IV, "protocol_minimum_minutes": 60, "bp_falling_or_stable": None}
    assert discharge(**iv).ready
    not_recovered = discharge(**iv, clinically_stable_attested=False)
    assert codes(not_recovered.unmet) == {"discharge.not_attested_stable"}
    assert "[S12]" in not_recovered.unmet[0].source


def test_discharge_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        discharge(now=at(-1))
    with pytest.raises(ValueError, match="timezone"):
        discharge(now=NAIVE)
    with pytest.raises(ValueError, match="positive"):
        discharge(route=Route.IV, protocol_minimum_minutes=0)


def test_padss_works_as_the_discharge_score() -> None:
    score: RecoveryScore = recovery.adapted_padss(
        vital_signs=2, activity_mental_status=2, pain=1, nausea_vomiting=2, threshold=8
    )
    assert codes(discharge(score_result=score).unmet) == {"discharge.score_below_threshold"}


def test_discharge_instructions_say_no_driving_until_the_next_day_after_sleep() -> None:
    text = DISCHARGE_INSTRUCTIONS_TEXT.lower()
    assert "drive" in text
    assert "hazardous" in text
    assert "tomorrow" in text
    assert "sleep" in text


# --- adverse events --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "review"), [(1, False), (2, False), (3, True), (4, True), (5, True)]
)
def test_grade_3_or_more_opens_an_incident_review(grade: int, review: bool) -> None:
    assert needs_incident_review(grade) is review
    assert needs_incident_review(CtcaeGrade(grade)) is review


@pytest.mark.parametrize("bad", [0, 6, -1, True])
def test_only_grades_1_to_5_exist(bad: int) -> None:
    with pytest.raises(ValueError, match="CTCAE"):
        needs_incident_review(bad)


def test_each_grade_has_its_ctcae_description() -> None:
    assert CtcaeGrade.SEVERE.description.startswith("Severe")
    assert CtcaeGrade.LIFE_THREATENING.description.startswith("Life-threatening")


# --- extra-caution banner --------------------------------------------------------------------


@pytest.mark.parametrize(("age", "flagged"), [(49, False), (50, True), (51, True)])
def test_age_from_50_shows_the_banner(age: int, flagged: bool) -> None:
    reasons = extra_caution_reasons(age_years=age, known_hypertension=False, infusion_number=4)
    assert ("caution.age" in codes(reasons)) is flagged


@pytest.mark.parametrize(("number", "flagged"), [(1, True), (3, True), (4, False)])
def test_the_first_three_infusions_show_the_banner(number: int, flagged: bool) -> None:
    reasons = extra_caution_reasons(age_years=30, known_hypertension=False, infusion_number=number)
    assert ("caution.early_infusion" in codes(reasons)) is flagged


def test_known_hypertension_shows_the_banner() -> None:
    reasons = extra_caution_reasons(age_years=30, known_hypertension=True, infusion_number=4)
    assert codes(reasons) == {"caution.hypertension"}
    assert "[S25a, S25c]" in reasons[0].source
    assert extra_caution_reasons(age_years=30, known_hypertension=False, infusion_number=4) == ()


def test_the_banner_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        extra_caution_reasons(age_years=30, known_hypertension=False, infusion_number=0)
    with pytest.raises(ValueError):
        extra_caution_reasons(age_years=-1, known_hypertension=False, infusion_number=1)
