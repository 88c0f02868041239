"""Background work for the treatment day. Arguments are ids only; e-mails to staff carry no
health information, and the patient's discharge instructions name no diagnosis or drug."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ketacare.clinical.treatment_day import DISCHARGE_INSTRUCTIONS_TEXT
from ketacare.messaging.sms import send_sms
from ketacare.tenancy.models import Membership, Role
from ketacare.treatment_sessions.models import IncidentReview, TreatmentSession

# source: reference.md rule 11 (no driving until the next day); 988 and 911 as in measures/tasks
WHOM_TO_CALL = (
    "If you feel unwell or have questions, call the clinic at {phone}. If you are in crisis, "
    "call or text 988. In an emergency, call 911."
)


def discharge_message(session: TreatmentSession) -> str:
    return (
        f"After your visit to {session.clinic.name} today: {DISCHARGE_INSTRUCTIONS_TEXT} "
        + WHOM_TO_CALL.format(phone=session.clinic.phone)
    )


@task()
def send_discharge_instructions(session_id: int) -> None:
    """Send the discharge instructions by e-mail and text, once."""
    with transaction.atomic():
        session = (
            TreatmentSession.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient")
            .get(pk=session_id)
        )
        if session.instructions_sent_at is not None:
            return
        body = discharge_message(session)
        patient = session.patient
        if patient.email:
            send_mail(
                subject=f"Your discharge instructions from {session.clinic.name}",
                message=body,
                from_email=None,
                recipient_list=[patient.email],
            )
        if patient.phone:
            send_sms(patient.phone, body)
        session.instructions_sent_at = timezone.now()
        session.save(update_fields=["instructions_sent_at"])


@task()
def notify_incident_review(review_id: int) -> None:
    """Tell the practice's prescribers an incident review is open (no details by e-mail)."""
    review = IncidentReview.objects.select_related("organisation").filter(pk=review_id).first()
    if review is None:
        return
    recipients = list(
        Membership.objects.filter(
            organisation=review.organisation, is_active=True, role=Role.PRESCRIBER
        ).values_list("user__email", flat=True)
    )
    if recipients:
        send_mail(
            subject="ketacare: an adverse event needs an incident review",
            message=(
                "A severe adverse event was recorded during a treatment session and an incident "
                f"review is open. Sign in to ketacare to review it: {settings.SITE_URL}/"
            ),
            from_email=None,
            recipient_list=recipients,
        )
