"""Giving scales, safety alerts, self-report links, schedules and rescoring (services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ketacare.audit.models import AuditEvent
from ketacare.measures import services
from ketacare.measures.models import (
    Assessment,
    LinkChannel,
    SafetyAlert,
    SafetyAlertStatus,
    SelfReportLink,
)
from ketacare.measures.tasks import notify_safety_alerts, send_self_report_link
from ketacare.messaging.sms import MemorySmsBackend
from ketacare.tenancy.models import Role

pytestmark = pytest.mark.django_db

PHQ9_MODERATE = {str(i): v for i, v in enumerate([2, 2, 1, 2, 1, 1, 2, 1, 0], start=1)}  # 12


def _phq9(**changes: int) -> dict[str, int]:
    return {**PHQ9_MODERATE, **{k.removeprefix("item"): v for k, v in changes.items()}}


def test_a_scale_given_in_clinic_is_scored_by_the_core_and_stored_with_versions(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    assessment = services.assessment_record(
        actor=nurse, patient=practice_a.patient, instrument_code="phq9", answers=PHQ9_MODERATE
    )
    assert assessment.total == 12
    assert assessment.band_label.lower().startswith("moderate")
    assert assessment.instrument_version and assessment.scoring_version
    assert assessment.administered_by == nurse
    assert not assessment.safety_flagged
    assert AuditEvent.objects.filter(action="create", object_id=str(assessment.public_id)).exists()


def test_phq9_item_9_at_one_raises_an_open_safety_alert_at_once(practice_a):
    assessment = services.assessment_record(
        actor=practice_a.staff[Role.NURSE],
        patient=practice_a.patient,
        instrument_code="phq9",
        answers=_phq9(item9=1),
    )
    alert = SafetyAlert.objects.get(assessment=assessment)
    assert alert.status == SafetyAlertStatus.OPEN
    assert alert.item == "9" and alert.value == 1
    assert assessment.safety_flagged
    assert AuditEvent.objects.filter(action="create", object_id=str(alert.public_id)).exists()


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**PHQ9_MODERATE, "9": 4}, "item_9"),
        ({**PHQ9_MODERATE, "3": -1}, "item_3"),
        ({**PHQ9_MODERATE, "2": "two"}, "item_2"),
        ({**PHQ9_MODERATE, "99": 1}, "answers"),
    ],
)
def test_impossible_answers_are_refused_at_their_item_and_store_nothing(practice_a, answers, field):
    with pytest.raises(ValidationError) as refused:
        services.assessment_record(
            actor=practice_a.staff[Role.NURSE],
            patient=practice_a.patient,
            instrument_code="phq9",
            answers=answers,
        )
    assert field in refused.value.message_dict
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_an_unknown_scale_is_refused(practice_a):
    with pytest.raises(ValidationError) as refused:
        services.assessment_record(
            actor=practice_a.staff[Role.NURSE],
            patient=practice_a.patient,
            instrument_code="nonsense",
            answers={},
        )
    assert "instrument" in refused.value.message_dict


def test_an_incomplete_scale_is_stored_without_a_total(practice_a):
    answers = {k: v for k, v in PHQ9_MODERATE.items() if k != "4"}
    assessment = services.assessment_record(
        actor=practice_a.staff[Role.NURSE],
        patient=practice_a.patient,
        instrument_code="phq9",
        answers=answers,
    )
    assert assessment.complete is False and assessment.total is None
    assert assessment.band_label == ""


def test_roles_that_do_not_record_clinical_data_cannot_give_a_scale(practice_a):
    with pytest.raises(PermissionDenied):
        services.assessment_record(
            actor=practice_a.staff[Role.BILLING],
            patient=practice_a.patient,
            instrument_code="phq9",
            answers=PHQ9_MODERATE,
        )


def test_another_practices_patient_cannot_be_scored(practice_a, practice_b):
    with pytest.raises(Http404):
        services.assessment_record(
            actor=practice_b.staff[Role.NURSE],
            patient=practice_a.patient,
            instrument_code="phq9",
            answers=PHQ9_MODERATE,
        )


def _alert(practice) -> SafetyAlert:  # type: ignore[no-untyped-def]
    services.assessment_record(
        actor=practice.staff[Role.NURSE],
        patient=practice.patient,
        instrument_code="phq9",
        answers=_phq9(item9=2),
    )
    return SafetyAlert.objects.get()


def test_an_alert_is_acknowledged_only_with_an_action_and_a_note(practice_a):
    alert = _alert(practice_a)
    prescriber = practice_a.staff[Role.PRESCRIBER]
    with pytest.raises(ValidationError) as refused:
        services.safety_alert_acknowledge(actor=prescriber, alert=alert, action="", note="")
    assert set(refused.value.message_dict) == {"action", "note"}
    alert.refresh_from_db()
    assert alert.status == SafetyAlertStatus.OPEN
    done = services.safety_alert_acknowledge(
        actor=prescriber, alert=alert, action="safety_plan", note="Safety plan reviewed by phone."
    )
    assert done.status == SafetyAlertStatus.ACKNOWLEDGED
    assert done.acknowledged_by == prescriber
    assert AuditEvent.objects.filter(action="change", object_id=str(alert.public_id)).exists()


def test_an_acknowledged_alert_cannot_be_acknowledged_again(practice_a):
    alert = _alert(practice_a)
    nurse = practice_a.staff[Role.NURSE]
    services.safety_alert_acknowledge(
        actor=nurse, alert=alert, action="referral", note="Crisis team"
    )
    with pytest.raises(services.InvalidTransition):
        services.safety_alert_acknowledge(actor=nurse, alert=alert, action="referral", note="again")


def test_front_desk_and_billing_cannot_acknowledge_an_alert(practice_a):
    alert = _alert(practice_a)
    for role in (Role.FRONT_DESK, Role.BILLING, Role.ORG_ADMIN):
        with pytest.raises(PermissionDenied):
            services.safety_alert_acknowledge(
                actor=practice_a.staff[role], alert=alert, action="referral", note="x"
            )


def test_an_alert_cannot_be_closed_without_an_action_even_in_the_database(practice_a):
    from django.db import IntegrityError, transaction

    alert = _alert(practice_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyAlert.objects.filter(pk=alert.pk).update(status="acknowledged")


def _link(practice, channel=LinkChannel.EMAIL, codes=("phq9",)):  # type: ignore[no-untyped-def]
    practice.patient.email = "marigold@example.test"
    practice.patient.phone = "(555) 010-4444"
    practice.patient.save()
    return services.self_report_link_create(
        actor=practice.staff[Role.FRONT_DESK],
        patient=practice.patient,
        instrument_codes=list(codes),
        channel=channel,
    )


def test_a_link_token_is_never_stored_only_its_hash(practice_a):
    link, token = _link(practice_a)
    assert len(token) >= 40
    assert token not in str(SelfReportLink.objects.filter(pk=link.pk).values().get())
    assert services.self_report_link_open(token).pk == link.pk


def test_a_self_report_is_stored_and_spends_the_link(practice_a):
    link, token = _link(practice_a)
    assessments, alerts = services.self_report_submit(token=token, answers={"phq9": _phq9(item9=2)})
    assert assessments[0].source == "self_report" and assessments[0].administered_by is None
    assert len(alerts) == 1
    assert AuditEvent.objects.filter(action="self_report", actor__isnull=True).exists()
    with pytest.raises(services.LinkRefused, match="already used"):
        services.self_report_submit(token=token, answers={"phq9": PHQ9_MODERATE})
    assert Assessment.objects.count() == 1


def test_a_self_report_with_a_missing_answer_stores_nothing(practice_a):
    _, token = _link(practice_a)
    answers = {k: v for k, v in PHQ9_MODERATE.items() if k != "5"}
    with pytest.raises(ValidationError) as refused:
        services.self_report_submit(token=token, answers={"phq9": answers})
    assert "phq9-item_5" in refused.value.message_dict
    assert not Assessment.objects.exists()
    assert services.self_report_link_open(token)  # still usable


@pytest.mark.parametrize("case", ["expired", "forged", "other_organisation"])
def test_refused_links_record_nothing_but_the_refusal(practice_a, practice_b, case):
    link, token = _link(practice_a)
    organisation = None
    if case == "expired":
        SelfReportLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    elif case == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:
        organisation = practice_b.organisation
    with pytest.raises(services.LinkRefused):
        services.self_report_submit(
            token=token, answers={"phq9": PHQ9_MODERATE}, organisation=organisation
        )
    assert not Assessment.objects.exists()
    assert AuditEvent.objects.filter(action="link_refused").count() == 1


def test_only_self_report_scales_with_their_wording_can_be_sent(practice_a):
    for code in ("madrs", "qids_sr16"):
        with pytest.raises(ValidationError):
            _link(practice_a, codes=(code,))


def test_the_link_is_sent_in_the_background_without_clinical_detail(practice_a, settings):
    settings.SMS_BACKEND = "ketacare.messaging.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    link, token = _link(practice_a, channel=LinkChannel.SMS)
    send_self_report_link.func(link.pk)
    send_self_report_link.func(link.pk)  # a retry sends nothing twice
    assert len(MemorySmsBackend.outbox) == 1
    body = MemorySmsBackend.outbox[0].body
    assert token in body and practice_a.clinic.name in body
    for private in ("PHQ", "depress", "Quillfeather", "Marigold"):
        assert private not in body
    link.refresh_from_db()
    assert link.sent_at is not None


def test_creating_a_link_queues_its_sending_after_commit(
    practice_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link, _ = _link(practice_a)
    assert DBTaskResult.objects.filter(args_kwargs__args=[link.pk]).exists()


def test_an_alert_tells_prescribers_and_nurses_by_email_without_details(practice_a):
    alert = _alert(practice_a)
    notify_safety_alerts.func([alert.pk])
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert set(sent.to) == {
        practice_a.staff[Role.PRESCRIBER].email,
        practice_a.staff[Role.NURSE].email,
    }
    assert "Quillfeather" not in sent.body and "item" not in sent.body


def test_rescoring_is_explicit_and_audited(practice_a):
    assessment = services.assessment_record(
        actor=practice_a.staff[Role.NURSE],
        patient=practice_a.patient,
        instrument_code="phq9",
        answers=PHQ9_MODERATE,
    )
    Assessment.objects.filter(pk=assessment.pk).update(total=3, scoring_version="0.9")
    assessment.refresh_from_db()
    services.assessment_rescore(actor=practice_a.staff[Role.PRESCRIBER], assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.total == 12
    event = AuditEvent.objects.get(action="change", object_id=str(assessment.public_id))
    assert event.detail["before"] == {"total": 3, "scoring_version": "0.9"}


def test_an_organisation_sets_its_own_remission_threshold_audited(practice_a):
    from ketacare.measures.selectors import remission_override

    services.remission_threshold_set(
        actor=practice_a.staff[Role.ORG_ADMIN], instrument_code="madrs", threshold=10
    )
    practice_a.organisation.refresh_from_db()
    assert remission_override(practice_a.organisation, "madrs") == 10
    assert AuditEvent.objects.filter(action="settings_change").exists()
    with pytest.raises(ValidationError):
        services.remission_threshold_set(
            actor=practice_a.staff[Role.ORG_ADMIN], instrument_code="madrs", threshold=99
        )


def test_schedules_make_scales_due_and_overdue(practice_a):
    from ketacare.measures.selectors import due_measures

    nurse = practice_a.staff[Role.NURSE]
    services.measure_schedule_set(
        actor=nurse, patient=practice_a.patient, instrument_code="phq9", frequency="weekly"
    )
    assert [d.due.state for d in due_measures(nurse)] == ["due"]
    with time_machine.travel(timezone.now() - timedelta(days=9)):
        services.assessment_record(
            actor=nurse, patient=practice_a.patient, instrument_code="phq9", answers=PHQ9_MODERATE
        )
    assert [d.due.state for d in due_measures(nurse)] == ["overdue"]
    services.assessment_record(
        actor=nurse, patient=practice_a.patient, instrument_code="phq9", answers=PHQ9_MODERATE
    )
    assert due_measures(nurse) == []


def test_outcomes_judge_the_latest_against_the_baseline(practice_a):
    from ketacare.measures.selectors import patient_outcomes

    nurse = practice_a.staff[Role.NURSE]
    start = timezone.now() - timedelta(days=21)
    severe = {str(i): 3 for i in range(1, 10)} | {"9": 0}  # 24
    mild = {str(i): 0 for i in range(1, 10)} | {"1": 1, "2": 1, "3": 1, "4": 1}  # 4
    for days, answers in ((0, severe), (20, mild)):
        services.assessment_record(
            actor=nurse,
            patient=practice_a.patient,
            instrument_code="phq9",
            answers=answers,
            completed_at=start + timedelta(days=days),
        )
    (story,) = patient_outcomes(nurse, practice_a.patient)
    assert story.baseline.total == 24 and story.latest.total == 4
    assert story.outcome is not None
    assert story.status_label in ("Remission", "Response")
