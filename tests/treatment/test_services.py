from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditEvent
from ketacare.measures.models import MeasureSchedule
from ketacare.tenancy.models import Role, Route
from ketacare.treatment import services
from ketacare.treatment.models import DoseOrder, ProtocolSettings, TreatmentPlan, WeightRecord
from tests.treatment.builders import (
    IV,
    active_plan,
    configure_iv,
    consent_to_iv,
    dose,
    draft_plan,
    sign_decision,
)

ALLOWED = [
    ("draft", "active"),
    ("draft", "stopped"),
    ("active", "paused"),
    ("active", "completed"),
    ("active", "stopped"),
    ("paused", "active"),
    ("paused", "stopped"),
]


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_every_allowed_transition_is_made_and_audited(practice_a, start, to):
    sign_decision(practice_a)
    plan = draft_plan(practice_a)
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=start)
    plan.refresh_from_db()
    reason = "Patient asked to stop" if to in ("paused", "stopped") else ""
    moved = services.plan_transition(
        actor=practice_a.staff[Role.NURSE], plan=plan, to=to, reason=reason
    )
    assert moved.status == to and moved.version == 2
    event = AuditEvent.objects.filter(object_id=str(plan.public_id), action="change").get()
    assert event.detail == {"from": start, "to": to, **({"reason": reason} if reason else {})}


@pytest.mark.parametrize(
    ("start", "to"),
    [("draft", "completed"), ("draft", "paused"), ("completed", "active"), ("stopped", "active"),
     ("paused", "completed"), ("active", "draft")],
)  # fmt: skip
def test_an_illegal_transition_is_refused_naming_status(practice_a, start, to):
    sign_decision(practice_a)
    plan = draft_plan(practice_a)
    TreatmentPlan.objects.filter(pk=plan.pk).update(status=start)
    plan.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.plan_transition(actor=practice_a.staff[Role.NURSE], plan=plan, to=to)
    assert f"cannot become {to}" in exc.value.message_dict["status"][0]
    plan.refresh_from_db()
    assert plan.status == start and plan.version == 1


def test_activation_needs_an_eligible_decision_for_that_route(practice_a):
    plan = draft_plan(practice_a)
    nurse = practice_a.staff[Role.NURSE]
    with pytest.raises(ValidationError) as exc:
        services.plan_transition(actor=nurse, plan=plan, to="active")
    assert "No signed eligible decision for IV" in exc.value.message_dict["status"][0]
    sign_decision(practice_a, route=Route.IM_SC)  # another route does not count
    sign_decision(practice_a, decision="not_eligible")  # nor a refusal
    with pytest.raises(ValidationError):
        services.plan_transition(actor=nurse, plan=plan, to="active")
    assert not MeasureSchedule.objects.filter(patient=practice_a.patient).exists()
    sign_decision(practice_a, decision="eligible_with_cautions")
    assert services.plan_transition(actor=nurse, plan=plan, to="active").status == "active"
    schedule = MeasureSchedule.objects.get(patient=practice_a.patient)
    assert (schedule.instrument_code, schedule.frequency) == ("phq9", "before_each_session")


def test_the_worked_example_is_signed_with_its_calculation(practice_a):
    plan = active_plan(practice_a)
    order = services.order_sign(actor=practice_a.staff[Role.PRESCRIBER], plan=plan, request=dose())
    assert order.dose_mg == Decimal(40)
    assert order.volume_ml == Decimal(100) and order.rate_ml_per_h == Decimal(150)
    snapshot = order.calculation
    assert snapshot["total_mg"] == "40.0" and snapshot["rate"] == "150 mL/h"
    assert any("rate = 100 mL" in line for line in snapshot["formula"])
    assert ["weight", f"80.0 kg on {order.signed_at.date().isoformat()}"] in snapshot["inputs"]
    assert snapshot["blocks"] == [] and order.session_number == 1
    assert AuditEvent.objects.filter(object_id=str(order.public_id), action="create").exists()


def test_a_nurse_may_not_sign_an_order(practice_a):
    plan = active_plan(practice_a)
    with pytest.raises(PermissionDenied):
        services.order_sign(actor=practice_a.staff[Role.NURSE], plan=plan, request=dose())
    assert not DoseOrder.objects.exists()


def test_another_organisation_never_reaches_the_plan(practice_a, practice_b):
    plan = active_plan(practice_a)
    with pytest.raises(Http404):
        services.order_sign(actor=practice_b.staff[Role.PRESCRIBER], plan=plan, request=dose())
    with pytest.raises(Http404):
        services.plan_transition(actor=practice_b.staff[Role.NURSE], plan=plan, to="paused")


def test_a_blocked_dose_needs_an_override_reason_which_is_recorded(practice_a):
    plan = active_plan(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    big = dose("1.2", bag_volume_ml=Decimal(250))
    with pytest.raises(ValidationError) as exc:
        services.order_sign(actor=prescriber, plan=plan, request=big)
    assert "blocked" in exc.value.message_dict["override_reason"][0]
    assert not DoseOrder.objects.exists()
    reason = "Partial response at 1.0 mg/kg; discussed with the patient"
    order = services.order_sign(
        actor=prescriber, plan=plan, request=dose("1.2", bag_volume_ml=Decimal(250),
                                                  override_reason=reason),
    )  # fmt: skip
    assert order.override_reason == reason and order.calculation["override"] == reason
    assert order.calculation["blocks"][0]["code"] == "at_or_above_hard_limit"
    event = AuditEvent.objects.get(object_id=str(order.public_id))
    assert event.detail["override_reason"] == reason and event.detail["overridden_blocks"]
    assert event.actor == prescriber


def test_a_titration_replaces_the_order_and_needs_a_reason(practice_a):
    plan = active_plan(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    first = services.order_sign(actor=prescriber, plan=plan, request=dose())
    with pytest.raises(ValidationError) as exc:
        services.order_sign(
            actor=prescriber, plan=plan, request=dose("0.6", bag_volume_ml=Decimal(250))
        )
    assert "from 40 mg to 48 mg" in exc.value.message_dict["change_reason"][0]
    second = services.order_sign(
        actor=prescriber,
        plan=plan,
        request=dose("0.6", bag_volume_ml=Decimal(250)),
        change_reason="No response at 0.5",
    )
    assert second.replaces == first and second.session_number == 2
    assert [o.dose_mg for o in plan.orders.all()] == [Decimal(40), Decimal(48)]


@pytest.mark.parametrize("value", ["0", "-70", "4000", "5"])
def test_an_implausible_weight_is_refused_and_nothing_stored(practice_a, value):
    with pytest.raises(ValidationError) as exc:
        services.weight_record(
            actor=practice_a.staff[Role.NURSE], patient=practice_a.patient,
            value=Decimal(value), unit="kg",
        )  # fmt: skip
    assert "value" in exc.value.message_dict
    assert not WeightRecord.objects.exists()


def test_a_weight_in_pounds_is_converted_once(practice_a):
    row = services.weight_record(
        actor=practice_a.staff[Role.NURSE], patient=practice_a.patient,
        value=Decimal("176.4"), unit="lb",
    )  # fmt: skip
    assert row.weight_kg == Decimal("80.0") and row.entered_unit == "lb"
    with pytest.raises(ValidationError) as exc:
        services.weight_record(
            actor=practice_a.staff[Role.NURSE], patient=practice_a.patient,
            value=Decimal(80), unit="stone",
        )  # fmt: skip
    assert "unit" in exc.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"concentration_mg_per_ml": None}, "concentration_mg_per_ml"),
        ({"concentration_mg_per_ml": Decimal(0)}, "concentration_mg_per_ml"),
        ({"dose_unit": "mcg/kg"}, "dose_unit"),
        ({"dose_unit": "mg"}, "dose_unit"),
        ({"dose": Decimal(-1)}, "dose"),
        ({"concentration_salt_form": "unknown"}, "concentration_salt_form"),
        ({"bag_volume_ml": None}, "bag_volume_ml"),
    ],
)
def test_bad_order_input_is_refused_naming_the_field(practice_a, changes, field):
    plan = active_plan(practice_a)
    with pytest.raises(ValidationError) as exc:
        services.order_sign(
            actor=practice_a.staff[Role.PRESCRIBER], plan=plan, request=dose(**changes)
        )
    assert field in exc.value.message_dict
    assert not DoseOrder.objects.exists()


def test_no_dose_without_a_weight_or_an_eligible_decision(practice_a):
    plan = active_plan(practice_a, weight_kg=None)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    with pytest.raises(ValidationError) as exc:
        services.order_sign(actor=prescriber, plan=plan, request=dose())
    assert "weight" in exc.value.message_dict
    services.weight_record(
        actor=prescriber, patient=practice_a.patient, value=Decimal(80), unit="kg"
    )
    sign_decision(practice_a, decision="not_eligible")  # a newer decision withdraws eligibility
    with pytest.raises(ValidationError) as exc:
        services.order_sign(actor=prescriber, plan=plan, request=dose())
    assert "No signed eligible decision" in exc.value.message_dict["plan"][0]
    assert not DoseOrder.objects.exists()


def test_an_unconfigured_protocol_names_the_missing_settings(practice_a):
    sign_decision(practice_a)
    consent_to_iv(practice_a)
    plan = draft_plan(practice_a)
    services.plan_transition(actor=practice_a.staff[Role.NURSE], plan=plan, to="active")
    with pytest.raises(ValidationError) as exc:
        services.order_sign(actor=practice_a.staff[Role.PRESCRIBER], plan=plan, request=dose())
    message = exc.value.message_dict["protocol"][0]
    assert "max_weight_age_days" in message and "rounding_step_mg" in message


def test_protocol_settings_are_validated_and_audited(practice_a):
    prescriber = practice_a.staff[Role.PRESCRIBER]
    with pytest.raises(ValidationError) as exc:
        services.protocol_settings_set(actor=prescriber, protocol_code="nope", values={})
    assert "protocol_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.protocol_settings_set(
            actor=prescriber, protocol_code=IV, values={"rounding_step_mg": "-1"}
        )
    assert "rounding_step_mg" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        configure_iv_as(practice_a, Role.NURSE)
    assert not ProtocolSettings.objects.exists()
    configure_iv(practice_a)
    event = AuditEvent.objects.get(action="settings_change")
    assert event.detail["after"] == {"rounding_step_mg": "0.5", "max_weight_age_days": "30"}


def configure_iv_as(practice, role):  # type: ignore[no-untyped-def]
    services.protocol_settings_set(
        actor=practice.staff[role], protocol_code=IV, values={"rounding_step_mg": "0.5"}
    )


def test_an_unknown_protocol_code_makes_no_plan(practice_a):
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=practice_a.staff[Role.PRESCRIBER], patient=practice_a.patient,
            protocol_code="iv_magic", indication="depression", planned_sessions=6,
        )  # fmt: skip
    assert "protocol_code" in exc.value.message_dict
    assert not TreatmentPlan.objects.exists()


def test_a_withdrawn_consent_blocks_the_next_order(practice_a):
    from ketacare.patients import services as patient_services
    from ketacare.patients.models import Consent

    plan = active_plan(practice_a)
    consent = Consent.objects.get(patient=practice_a.patient)
    patient_services.consent_withdraw(
        actor=practice_a.staff[Role.FRONT_DESK], consent=consent, reason="Patient changed mind"
    )
    with pytest.raises(ValidationError) as refused:
        services.order_sign(actor=practice_a.staff[Role.PRESCRIBER], plan=plan, request=dose())
    assert "consent" in refused.value.message_dict
    assert "withdrawn" in refused.value.message_dict["consent"][0]
    assert not DoseOrder.objects.exists()


# --- optimistic version on transitions --------------------------------------------------


def test_a_transition_with_a_stale_version_is_refused_and_changes_nothing(practice_a):
    sign_decision(practice_a)
    plan = draft_plan(practice_a)
    nurse = practice_a.staff[Role.NURSE]
    services.plan_transition(actor=nurse, plan=plan, to="active", expected_version=1)
    with pytest.raises(services.StalePlanError) as exc:
        services.plan_transition(actor=nurse, plan=plan, to="stopped", expected_version=1)
    assert "now active (version 2, you had version 1)" in str(exc.value)
    plan.refresh_from_db()
    assert (plan.status, plan.version) == ("active", 2)
    assert (
        services.plan_transition(actor=nurse, plan=plan, to="paused", reason="Holiday").version == 3
    )


# --- IM titration step and IV pain evidence grade through the plan -----------------------


def _im_plan(practice):  # type: ignore[no-untyped-def]
    prescriber = practice.staff[Role.PRESCRIBER]
    services.protocol_settings_set(
        actor=prescriber, protocol_code="im_racemic_depression",
        values={"rounding_step_mg": "0.5", "hard_limit": "1.0",
                "salt_form": "hydrochloride salt", "max_weight_age_days": 30},
    )  # fmt: skip
    sign_decision(practice, route=Route.IM_SC)
    consent_to_iv(practice, route="im_sc")
    plan = draft_plan(practice, protocol_code="im_racemic_depression", indication="TRD")
    services.plan_transition(actor=practice.staff[Role.NURSE], plan=plan, to="active")
    services.weight_record(actor=practice.staff[Role.NURSE], patient=practice.patient,
                           value=Decimal(80), unit="kg")  # fmt: skip
    plan.refresh_from_db()
    return plan


def test_an_im_dose_two_steps_above_the_order_in_force_is_warned(practice_a):
    from ketacare.treatment import selectors

    plan = _im_plan(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    im = {"concentration_mg_per_ml": Decimal(50), "bag_volume_ml": None, "duration_minutes": None}
    services.order_sign(actor=prescriber, plan=plan, request=dose("0.1", **im))
    jump = selectors.dose_calculation(prescriber, plan, dose("0.3", **im))
    assert "titration_jump" in {w.code.value for w in jump.warnings}
    step = selectors.dose_calculation(prescriber, plan, dose("0.2", **im))
    assert "titration_jump" not in {w.code.value for w in step.warnings}


# --- topical orders by strength ---------------------------------------------------------


def test_a_topical_order_takes_a_strength_checked_against_the_clinics_maximum(practice_a):
    from tests.treatment.builders import active_topical_plan, strength

    plan = active_topical_plan(practice_a, max_strength="10")
    prescriber = practice_a.staff[Role.PRESCRIBER]
    order = services.order_sign(actor=prescriber, plan=plan, request=strength("5"))
    assert (order.strength_percent, order.dose_mg, order.concentration_mg_per_ml) == (
        Decimal(5), None, None)  # fmt: skip
    assert order.calculation["mg_per_gram"] == "50" and not order.calculation["blocked"]
    with pytest.raises(ValidationError) as exc:
        services.order_sign(actor=prescriber, plan=plan, request=strength("12"),
                            change_reason="stronger")  # fmt: skip
    assert "above the maximum strength" in exc.value.message_dict["override_reason"][0]
    with pytest.raises(ValidationError) as exc:
        services.order_sign(actor=prescriber, plan=plan, request=strength("7"))
    assert "change_reason" in exc.value.message_dict
    stronger = services.order_sign(
        actor=prescriber, plan=plan, change_reason="little effect at 5 %",
        request=strength("12", override_reason="refractory CRPS, medical director agreed"),
    )  # fmt: skip
    assert stronger.replaces == order and stronger.calculation["blocks"]
    event = AuditEvent.objects.filter(object_id=str(stronger.public_id)).get()
    assert event.detail["override_reason"].startswith("refractory")
    assert DoseOrder.objects.count() == 2


def test_a_topical_plan_refuses_an_order_in_mg_per_kg(practice_a):
    from tests.treatment.builders import active_topical_plan

    plan = active_topical_plan(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    with pytest.raises(ValidationError) as exc:
        services.order_sign(actor=prescriber, plan=plan, request=dose("0.5"))
    assert "dose_unit" in exc.value.message_dict
    assert not DoseOrder.objects.exists()


def test_pausing_or_stopping_a_plan_needs_a_reason_which_is_audited(practice_a):
    from ketacare.audit.models import AuditEvent

    plan = active_plan(practice_a)
    nurse = practice_a.staff[Role.NURSE]
    for to in ("paused", "stopped"):
        with pytest.raises(ValidationError) as refused:
            services.plan_transition(actor=nurse, plan=plan, to=to)
        assert "reason" in refused.value.message_dict
    services.plan_transition(actor=nurse, plan=plan, to="stopped", reason="Moved away")
    assert AuditEvent.objects.filter(detail__reason="Moved away", detail__to="stopped").exists()
