"""Adverse events: CTCAE grade required; grade 3 or more opens an incident review."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django_tasks_db.models import DBTaskResult

from ketacare.tenancy.models import Role
from ketacare.treatment_sessions import selectors, services
from ketacare.treatment_sessions.models import AdverseEvent, IncidentReview
from ketacare.treatment_sessions.tasks import notify_incident_review
from tests.treatment_sessions.builders import DAY_START, dosing, nurse, prescriber


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def _event(practice, session, grade, **extra):  # type: ignore[no-untyped-def]
    return services.adverse_event_record(
        actor=nurse(practice),
        session=session,
        event_type="Hypertension",
        onset_at=None,
        ctcae_grade=grade,
        outcome="resolved",
        **extra,
    )


@pytest.mark.parametrize("grade", [0, 6, None, True])
def test_a_ctcae_grade_from_1_to_5_is_required(practice_a, clock, grade):
    session = dosing(practice_a, "iv")
    with pytest.raises(ValidationError) as error:
        _event(practice_a, session, grade)
    assert "ctcae_grade" in error.value.message_dict
    assert not AdverseEvent.objects.exists()


def test_grade_2_opens_no_review(practice_a, clock):
    session = dosing(practice_a, "iv")
    _event(practice_a, session, 2)
    assert not IncidentReview.objects.exists()


def test_grade_3_opens_a_review_and_tells_the_prescribers_without_details(
    practice_a, clock, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    session = dosing(practice_a, "iv")
    with django_capture_on_commit_callbacks(execute=True):
        event = _event(practice_a, session, 3, serious=True)
    review = IncidentReview.objects.get(adverse_event=event)
    assert review.status == "open"
    assert DBTaskResult.objects.filter(args_kwargs__args=[review.pk]).exists()
    notify_incident_review.func(review.pk)
    assert mail.outbox[0].to == [prescriber(practice_a).email]
    body = mail.outbox[0].body
    assert "Hypertension" not in body and practice_a.patient.legal_last_name not in body


def test_raising_the_grade_to_3_opens_a_review(practice_a, clock):
    session = dosing(practice_a, "iv")
    event = _event(practice_a, session, 2)
    services.adverse_event_update(
        actor=nurse(practice_a), event=event, expected_version=1, changes={"ctcae_grade": 4}
    )
    assert IncidentReview.objects.filter(adverse_event=event).exists()


def test_a_stale_edit_is_refused_showing_what_changed(practice_a, clock):
    session = dosing(practice_a, "iv")
    event = _event(practice_a, session, 1)
    stale = AdverseEvent.objects.get(pk=event.pk)
    services.adverse_event_update(
        actor=nurse(practice_a), event=event, expected_version=1, changes={"outcome": "ongoing"}
    )
    with pytest.raises(services.StaleAdverseEventError) as error:
        services.adverse_event_update(
            actor=prescriber(practice_a),
            event=stale,
            expected_version=1,
            changes={"description": "x"},
        )
    assert error.value.changed_fields == ["outcome"]
    assert "outcome is now ongoing" in str(error.value)


def test_closing_a_review_needs_the_permission_and_findings(practice_a, practice_b, clock):
    session = dosing(practice_a, "iv")
    review = IncidentReview.objects.get(adverse_event=_event(practice_a, session, 3))
    assert list(selectors.open_incident_reviews(prescriber(practice_a))) == [review]
    with pytest.raises(PermissionDenied):
        services.incident_review_close(actor=nurse(practice_a), review=review, findings="x")
    with pytest.raises(Http404):
        services.incident_review_close(
            actor=practice_b.staff[Role.PRESCRIBER], review=review, findings="x"
        )
    with pytest.raises(ValidationError):
        services.incident_review_close(actor=prescriber(practice_a), review=review, findings=" ")
    closed = services.incident_review_close(
        actor=prescriber(practice_a),
        review=review,
        findings="Pre-existing hypertension; protocol ok.",
    )
    assert closed.status == "closed" and closed.reviewed_by == prescriber(practice_a)
    assert not selectors.open_incident_reviews(prescriber(practice_a)).exists()
