"""The consultation decision at the service level: rules, signing, overrides, isolation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditEvent
from ketacare.patients.models import Medication
from ketacare.screening import selectors, services
from ketacare.screening.models import AssessmentStatus, RouteDecision
from ketacare.screening.services import RouteChoice
from ketacare.tenancy.models import Role
from tests.screening.builders import with_treatment_history

pytestmark = pytest.mark.django_db


def _filled(practice, **extra):  # type: ignore[no-untyped-def]
    with_treatment_history(practice)
    prescriber = practice.staff[Role.PRESCRIBER]
    draft = services.assessment_start(actor=prescriber, patient=practice.patient)
    data = {
        "indications": ["major_depressive_disorder"],
        "conditions": ["arteriovenous_malformation"],
        "pregnancy": "not_applicable",
        "alcohol_use": "none",
        "systolic_mmhg": 124,
        "diastolic_mmhg": 78,
        "weight_kg": Decimal("70.0"),
        "height_cm": Decimal("170.0"),
        **extra,
    }
    return services.assessment_update(
        actor=prescriber, assessment=draft, data=data, expected_version=draft.version
    )


def test_the_rules_judge_each_route_from_the_record(practice_a):
    assessment = _filled(practice_a)
    report = selectors.eligibility_report(assessment)
    assert report.trd.meets_trd
    assert report.for_route("iv").verdict.value == "eligible_with_cautions"
    assert any("benzodiazepine" in f.rule_id for f in report.for_route("iv").findings)
    assert report.for_route("esketamine").verdict.value == "not_eligible"


def test_signing_records_decisions_with_the_rules_verdict_and_moves_the_patient_on(practice_a):
    assessment = _filled(practice_a)
    signed = services.assessment_sign(
        actor=practice_a.staff[Role.PRESCRIBER],
        assessment=assessment,
        choices={
            "iv": RouteChoice("eligible_with_cautions"),
            "esketamine": RouteChoice("not_eligible"),
        },
    )
    assert signed.status == AssessmentStatus.SIGNED
    decisions = {d.route: d for d in RouteDecision.objects.filter(assessment=signed)}
    assert decisions["iv"].rule_verdict == "eligible_with_cautions"
    assert decisions["esketamine"].findings
    practice_a.patient.refresh_from_db()
    assert practice_a.patient.status == "active_treatment"
    assert (
        AuditEvent.objects.filter(action="create", object_type="screening.RouteDecision").count()
        == 2
    )


def test_a_decision_against_the_rules_needs_a_reason(practice_a):
    assessment = _filled(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    with pytest.raises(ValidationError) as refused:
        services.assessment_sign(
            actor=prescriber, assessment=assessment,
            choices={"esketamine": RouteChoice("eligible")},
        )  # fmt: skip
    assert "reason_esketamine" in refused.value.message_dict
    assert not RouteDecision.objects.exists()
    services.assessment_sign(
        actor=prescriber, assessment=assessment,
        choices={"esketamine": RouteChoice("eligible", "Neurosurgery: AVM fully resected 2019.")},
    )  # fmt: skip
    assert RouteDecision.objects.get().overrides_rules


def test_a_nurse_cannot_sign(practice_a):
    assessment = _filled(practice_a)
    with pytest.raises(PermissionDenied):
        services.assessment_sign(
            actor=practice_a.staff[Role.NURSE], assessment=assessment,
            choices={"iv": RouteChoice("eligible_with_cautions")},
        )  # fmt: skip


def test_another_practices_patient_cannot_be_signed(practice_a, practice_b):
    assessment = _filled(practice_a)
    with pytest.raises(Http404):
        services.assessment_sign(
            actor=practice_b.staff[Role.PRESCRIBER], assessment=assessment,
            choices={"iv": RouteChoice("eligible_with_cautions")},
        )  # fmt: skip


def test_no_eligible_route_needs_a_note_of_why_not(practice_a):
    assessment = _filled(practice_a)
    with pytest.raises(ValidationError) as refused:
        services.assessment_sign(
            actor=practice_a.staff[Role.PRESCRIBER], assessment=assessment,
            choices={"esketamine": RouteChoice("not_eligible")},
        )  # fmt: skip
    assert "outcome_note" in refused.value.message_dict


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"conditions": ["unicorn_allergy"]}, "conditions"),
        ({"weight_kg": Decimal("-3")}, "weight_kg"),
        ({"systolic_mmhg": 80, "diastolic_mmhg": 120}, "diastolic_mmhg"),
        ({"episode_start_date": timezone.localdate() + timedelta(days=2)}, "episode_start_date"),
    ],
)
def test_malformed_assessment_data_is_refused_at_the_field(practice_a, data, field):
    prescriber = practice_a.staff[Role.PRESCRIBER]
    draft = services.assessment_start(actor=prescriber, patient=practice_a.patient)
    with pytest.raises(ValidationError) as refused:
        services.assessment_update(
            actor=prescriber, assessment=draft, data=data, expected_version=draft.version
        )
    assert field in refused.value.message_dict
    draft.refresh_from_db()
    assert draft.version == 1


def test_the_worklist_shows_what_is_missing(practice_a):
    from ketacare.patients.models import Patient

    Patient.objects.filter(pk=practice_a.patient.pk).update(status="consultation")
    rows = selectors.consultation_worklist(practice_a.staff[Role.PRESCRIBER])
    assert [r.patient.pk for r in rows] == [practice_a.patient.pk]
    assert "Eligibility assessment not started" in rows[0].missing
    assert "No baseline PHQ-9 or MADRS" in rows[0].missing
    assert "Treatment consent unsigned" in rows[0].missing


def test_thresholds_are_changed_only_within_range_and_audited(practice_a):
    admin = practice_a.staff[Role.ORG_ADMIN]
    with pytest.raises(ValidationError):
        services.eligibility_thresholds_set(actor=admin, overrides={"no_such_setting": 3})
    name = next(s.name for s in selectors.rules.Thresholds.settings() if s.default is not None)
    default = selectors.rules.Thresholds.setting(name).default
    services.eligibility_thresholds_set(actor=admin, overrides={name: default})
    assert AuditEvent.objects.filter(action="settings_change").exists()


def test_a_strong_cyp3a4_inducer_on_the_medication_list_reaches_the_rules(practice_a):
    assessment = _filled(practice_a)
    Medication.objects.create(
        organisation=practice_a.organisation, patient=practice_a.patient, name="Rifampicin",
        drug_class="other", cyp_effect="cyp3a4_strong_inducer",
    )  # fmt: skip
    report = selectors.eligibility_report(assessment)
    assert any("cyp3a4" in f.rule_id for f in report.for_route("iv").findings)


def test_a_non_benzodiazepine_hypnotic_is_screened(practice_a):
    assessment = _filled(practice_a)
    Medication.objects.create(
        organisation=practice_a.organisation, patient=practice_a.patient, name="Zolpidem",
        drug_class="nonbenzo_hypnotic",
    )  # fmt: skip
    report = selectors.eligibility_report(assessment)
    assert any("hypnotic" in f.rule_id for f in report.for_route("iv").findings)
