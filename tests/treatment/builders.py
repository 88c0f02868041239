"""A practice ready to treat: protocol settings, an eligible IV decision, a weight, a plan."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from ketacare.screening.models import AssessmentStatus, EligibilityAssessment, RouteDecision
from ketacare.tenancy.models import Role, Route
from ketacare.treatment import selectors, services

IV = "iv_racemic_depression"


def configure_iv(practice) -> None:  # type: ignore[no-untyped-def]
    services.protocol_settings_set(
        actor=practice.staff[Role.PRESCRIBER],
        protocol_code=IV,
        values={"rounding_step_mg": "0.5", "max_weight_age_days": 30},
    )


def sign_decision(practice, route=Route.IV, decision="eligible"):  # type: ignore[no-untyped-def]
    prescriber = practice.staff[Role.PRESCRIBER]
    assessment = EligibilityAssessment.objects.create(
        organisation=practice.organisation, patient=practice.patient,
        status=AssessmentStatus.SIGNED, signed_by=prescriber, signed_at=timezone.now(),
    )  # fmt: skip
    return RouteDecision.objects.create(
        organisation=practice.organisation, assessment=assessment, route=route,
        rule_verdict=decision, decision=decision, decided_by=prescriber,
    )  # fmt: skip


def draft_plan(
    practice,
    measures=("phq9",),
    protocol_code=IV,  # type: ignore[no-untyped-def]
    indication="treatment-resistant depression",
):
    return services.plan_create(
        actor=practice.staff[Role.PRESCRIBER], patient=practice.patient,
        protocol_code=protocol_code, indication=indication, planned_sessions=6,
        goals="PHQ-9 below 10", measures=list(measures),
    )  # fmt: skip


def consent_to_iv(practice, route="iv"):  # type: ignore[no-untyped-def]
    """A countersigned IV treatment consent: without one in force no order is signed."""
    from ketacare.patients import services as patient_services
    from ketacare.patients.sections import SECTIONS

    consent = patient_services.chart_entry_add(
        actor=practice.staff[Role.NURSE], patient=practice.patient, section=SECTIONS["consents"],
        data={"kind": "ketamine", "route": route, "document_version": "2026.1",
              "signed_at": timezone.now(), "signed_by_name": "Marigold Quillfeather"},
    )  # fmt: skip
    patient_services.consent_countersign(actor=practice.staff[Role.PRESCRIBER], consent=consent)
    return consent


def active_plan(practice, weight_kg="80"):  # type: ignore[no-untyped-def]
    configure_iv(practice)
    sign_decision(practice)
    consent_to_iv(practice)
    plan = draft_plan(practice)
    services.plan_transition(actor=practice.staff[Role.NURSE], plan=plan, to="active")
    if weight_kg:
        services.weight_record(
            actor=practice.staff[Role.NURSE], patient=practice.patient,
            value=Decimal(weight_kg), unit="kg",
        )  # fmt: skip
    plan.refresh_from_db()
    return plan


def dose(value="0.5", **changes):  # type: ignore[no-untyped-def]
    fields = {
        "dose": Decimal(value), "dose_unit": "mg/kg",
        "concentration_mg_per_ml": Decimal("0.4"),
        "concentration_salt_form": "hydrochloride salt",
        "bag_volume_ml": Decimal(100), "duration_minutes": Decimal(40),
    } | changes  # fmt: skip
    return selectors.DoseRequest(**fields)


TOPICAL = "topical_racemic_cream"


def active_topical_plan(practice, max_strength="10"):  # type: ignore[no-untyped-def]
    """An active topical cream plan; the clinic's maximum strength is its own setting."""
    services.protocol_settings_set(
        actor=practice.staff[Role.PRESCRIBER], protocol_code=TOPICAL,
        values={"max_strength_percent": max_strength},
    )  # fmt: skip
    sign_decision(practice, route=Route.TOPICAL)
    consent_to_iv(practice, route="topical")
    plan = draft_plan(practice, protocol_code=TOPICAL, indication="CRPS")
    services.plan_transition(actor=practice.staff[Role.NURSE], plan=plan, to="active")
    plan.refresh_from_db()
    return plan


def strength(value="5", **changes):  # type: ignore[no-untyped-def]
    fields = {"dose": Decimal(value), "dose_unit": "% w/w", "concentration_mg_per_ml": None,
              "concentration_salt_form": ""} | changes  # fmt: skip
    return selectors.DoseRequest(**fields)
