"""Background work for measurement-based care. Arguments are ids only, never health information.

Messages carry no clinical detail: the practice's name, that there is a questionnaire, the link
and when it expires (minimum necessary).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from ketacare.measures.models import LinkChannel, SafetyAlert, SelfReportLink
from ketacare.messaging.sms import send_sms
from ketacare.tenancy.models import Membership, Role


@task()
def send_self_report_link(link_id: int) -> None:
    from ketacare.measures.services import link_token

    with transaction.atomic():
        link = (
            SelfReportLink.objects.select_for_update()
            .select_related("clinic", "patient", "organisation")
            .get(pk=link_id)
        )
        if link.sent_at is not None or link.used_at is not None:
            return  # already sent: sending is idempotent
        url = settings.SITE_URL.rstrip("/") + reverse(
            "measures:self_report", kwargs={"token": link_token(link)}
        )
        expires = timezone.localtime(link.expires_at, link.clinic_tz()).strftime("%b %-d, %H:%M")
        body = (
            f"{link.clinic.name} has a short questionnaire for you before your next visit: "
            f"{url} (works once, until {expires})."
        )
        if link.channel == LinkChannel.EMAIL:
            send_mail(
                subject=f"A questionnaire from {link.clinic.name}",
                message=body + "\n\nIf you need help now, call or text 988, or call 911.",
                from_email=None,
                recipient_list=[link.patient.email],
            )
        elif link.channel == LinkChannel.SMS:
            send_sms(link.patient.phone, body)
        link.sent_at = timezone.now()
        link.save(update_fields=["sent_at"])


@task()
def notify_safety_alerts(alert_ids: list[int]) -> None:
    """Tell the practice's prescribers and nurses an alert waits (no details by e-mail)."""
    alerts = list(SafetyAlert.objects.filter(pk__in=alert_ids).select_related("organisation"))
    if not alerts:
        return
    organisation = alerts[0].organisation
    recipients = list(
        Membership.objects.filter(
            organisation=organisation, is_active=True, role__in=[Role.PRESCRIBER, Role.NURSE]
        ).values_list("user__email", flat=True)
    )
    if recipients:
        send_mail(
            subject="ketacare: a safety alert needs review",
            message=(
                "A patient's answers raised a safety alert. Open the clinic dashboard in "
                f"ketacare to review and acknowledge it: {settings.SITE_URL}/measures/"
            ),
            from_email=None,
            recipient_list=recipients,
        )
