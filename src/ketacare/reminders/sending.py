"""The sender: every due reminder is sent once, even when the worker is killed and restarts.

How it is driven: `ketacare send_reminders --every N` loops over `send_due_reminders()`. The
`Reminder` table is the queue. django-tasks' database worker was not used for this: it marks a
task RUNNING in one transaction and runs it after, so a task whose worker is SIGKILLed stays
RUNNING for ever and is never retried; a row that is only "sent" once its send committed does
survive a kill.

One reminder, one transaction:
  1. claim: SELECT … FOR UPDATE SKIP LOCKED the first due pending row. Another worker skips
     it (PostgreSQL); SQLite has no row locks but `BEGIN IMMEDIATE` serialises writers, so two
     workers never hold the same row (and the lock is held while the message is sent: on
     SQLite keep the backends fast, or use PostgreSQL with SMTP).
  2. send with the row's idempotency key (`messaging.outbox.send`).
  3. mark it sent (sent_at, attempts) and COMMIT.

The crash windows, and what happens after a restart:
  - killed before 2 finished: nothing was delivered; the transaction is rolled back by the
    database when the connection dies, the row is pending, it is sent on restart.
  - killed after 2, before 3 committed: the message was delivered but the row is still
    pending. On restart it is sent again with the same key; the provider recognises the key
    and refuses the duplicate (`DuplicateMessage` → outcome.duplicate), and the row is marked
    sent. The person receives it once. This is where "exactly once" rests on the provider's
    idempotency: the file and memory backends (and an SMS API with idempotency keys) refuse
    the second message; SMTP accepts it, but with the same Message-ID, which mail systems use
    to fold duplicates; the console backend prints it twice.
  - killed after 3 committed: done; it is never claimed again.
  - the backend raises (provider down): attempts and the error are recorded in the same
    transaction and the row is retried later with the same key, with back-off, until
    MAX_ATTEMPTS, when it is marked failed for a person to see.
  - a crash that rolls back also rolls back the attempt counter, so a message whose sending
    kills the worker every time would be retried for ever; such a crash is not a Python
    exception and has not been seen, but the log shows it.

Questionnaire links are made in their own committed transaction before the send (step 0), so
that a message sent again after a crash carries the same link, not one that was rolled back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from ketacare.measures.models import LinkChannel
from ketacare.messaging import outbox
from ketacare.reminders.composing import compose
from ketacare.reminders.models import Reminder, ReminderKind, ReminderStatus
from ketacare.reminders.services import before_session_instruments
from ketacare.scheduling.models import AppointmentStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)  # times the attempt number


def _due(now: datetime) -> QuerySet[Reminder]:
    return Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now)


def send_due_reminders(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Send what is due, one transaction per message; returns how many rows were settled."""
    prepare_questionnaire_links(now=now)
    done = 0
    while limit is None or done < limit:
        if not _send_next(now or timezone.now()):
            break
        done += 1
    return done


def _send_next(now: datetime) -> bool:
    with transaction.atomic():
        reminder = (
            _due(now)
            .exclude(kind=ReminderKind.QUESTIONNAIRE, self_report_link__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at", "id")
            .first()
        )
        if reminder is None:
            return False
        reminder = Reminder.objects.select_related(
            "appointment__clinic",
            "appointment__patient",
            "appointment__organisation",
            "appointment__appointment_type",
            "appointment__series",
            "escort_confirmation__contact",
            "self_report_link",
        ).get(pk=reminder.pk)
        _settle(reminder, now)
    return True


def _skip(reminder: Reminder, why: str) -> None:
    reminder.status = ReminderStatus.SKIPPED
    reminder.last_error = why
    reminder.save(update_fields=["status", "last_error", "updated_at"])


def _settle(reminder: Reminder, now: datetime) -> None:
    appointment = reminder.appointment
    if appointment.status != AppointmentStatus.BOOKED:
        _skip(reminder, f"The appointment is {appointment.get_status_display().lower()}.")
        return
    if reminder.kind != ReminderKind.BOOKING_CONFIRMATION and appointment.starts_at <= now:
        _skip(reminder, "The appointment had started.")
        return
    url = ""
    if reminder.self_report_link is not None:
        from ketacare.measures.services import link_token

        token = link_token(reminder.self_report_link)
        url = _absolute(reverse("measures:self_report", kwargs={"token": token}))
    message = compose(reminder, questionnaire_url=url)
    if not message.to:
        _skip(reminder, "No address to send to.")
        return
    reminder.attempts += 1
    try:
        outcome = outbox.send(
            reminder.channel,
            message.to,
            message.subject,
            message.body,
            reminder.idempotency_key,
            message.attachments,
        )
    except Exception as exc:  # noqa: BLE001  (any provider error is recorded and retried)
        logger.warning("reminder %s not sent: %s", reminder.idempotency_key, exc)
        reminder.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if reminder.attempts >= MAX_ATTEMPTS:
            reminder.status = ReminderStatus.FAILED
            if reminder.self_report_link is not None:
                reminder.self_report_link.sent_at = None
                reminder.self_report_link.save(update_fields=["sent_at"])
        else:
            reminder.due_at = now + RETRY_AFTER * reminder.attempts
        reminder.save(update_fields=["attempts", "last_error", "status", "due_at", "updated_at"])
        return
    reminder.status = ReminderStatus.SENT
    reminder.sent_at = timezone.now()
    reminder.last_error = "already accepted by the provider" if outcome.duplicate else ""
    reminder.save(update_fields=["status", "sent_at", "attempts", "last_error", "updated_at"])
    link = reminder.self_report_link
    if link is not None:
        link.sent_at = reminder.sent_at
        link.save(update_fields=["sent_at"])


def _absolute(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


def prepare_questionnaire_links(*, now: datetime | None = None) -> int:
    """Step 0: make the self-report link of each due questionnaire reminder, committed before
    anything is sent. The link is made by whoever booked the appointment (it is their
    booking that asked for it), through the measures service, and audited as theirs."""
    from ketacare.measures.services import self_report_link_create

    made = 0
    while True:
        with transaction.atomic():
            reminder = (
                _due(now or timezone.now())
                .filter(kind=ReminderKind.QUESTIONNAIRE, self_report_link__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("appointment__patient", "appointment__clinic", "created_by")
                .order_by("due_at", "id")
                .first()
            )
            if reminder is None:
                return made
            appointment = reminder.appointment
            codes = before_session_instruments(appointment.patient)
            actor = reminder.created_by
            if not codes or actor is None or appointment.status != AppointmentStatus.BOOKED:
                _skip(reminder, "No questionnaire is due before this session any more.")
                continue
            try:
                link, _token = self_report_link_create(
                    actor=actor,
                    patient=appointment.patient,
                    instrument_codes=codes,
                    channel=LinkChannel(reminder.channel),
                    clinic=appointment.clinic,
                )
            except (PermissionDenied, ValidationError) as exc:
                reminder.status = ReminderStatus.FAILED
                reminder.last_error = str(exc)[:500]
                reminder.save(update_fields=["status", "last_error", "updated_at"])
                continue
            # Handed to this sender: the measures sender, queued by the link's creation,
            # sees it as sent and stays quiet (one message, ours). Cleared if ours fails.
            link.sent_at = timezone.now()
            link.save(update_fields=["sent_at"])
            reminder.self_report_link = link
            reminder.save(update_fields=["self_report_link", "updated_at"])
            made += 1
