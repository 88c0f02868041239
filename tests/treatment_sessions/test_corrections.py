"""Corrections on the monitoring screen: a wrong reading struck through with a reason (it stays
on the record, leaves the chart, the timer and the open alerts), and an adverse event brought up
to date at the version the nurse saw."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.tenancy.models import Role
from ketacare.treatment_sessions import monitoring, services
from ketacare.treatment_sessions.models import (
    AdverseEvent,
    IncidentReview,
    TreatmentSession,
    VitalSignReading,
)
from tests.treatment_sessions.builders import DAY_START, in_monitoring, nurse, prescriber

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(DAY_START, tick=False) as traveller:
        yield traveller


def url(name: str, session: TreatmentSession, *args: object) -> str:
    return reverse(f"treatment_sessions:{name}", args=[session.public_id, *args])


def _typo(practice, session) -> VitalSignReading:  # type: ignore[no-untyped-def]
    """A nurse types 190 for 130: the reading crosses the clinic's limit and raises an alert."""
    monitoring.alert_thresholds_set(actor=prescriber(practice), values={"systolic_above": 180})
    return monitoring.reading_record(
        actor=nurse(practice), session=session, taken_at=timezone.now(),
        systolic=190, diastolic=80, heart_rate=72, spo2=98,
    )  # fmt: skip


def test_a_mistyped_reading_is_struck_with_a_reason_and_leaves_chart_and_alerts(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    wrong = _typo(practice_a, session)
    assert monitoring.open_alerts(session).count() == 1
    client = practice_a.client_for(Role.NURSE)
    page = client.get(url("monitor", session)).content.decode()
    assert f'id="reading-{wrong.pk}"' in page and "Strike…" in page
    response = client.post(
        url("reading_strike", session, wrong.pk),
        {f"strike-{wrong.pk}-reason": "Typed 190 for 130"},
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "struck through" in page and "Struck: Typed 190 for 130" in page
    wrong.refresh_from_db()
    assert wrong.struck_reason == "Typed 190 for 130"
    assert monitoring.open_alerts(session).count() == 0
    assert len(monitoring.reading_series(session)) == len(
        [r for r in session.readings.all() if not r.struck_reason]
    )
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, changed_fields=["struck_reason"])
    assert event.actor_id == nurse(practice_a).pk
    assert event.detail["reason"] == "Typed 190 for 130"


def test_a_strike_without_a_reason_is_refused_at_the_field(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    wrong = _typo(practice_a, session)
    client = practice_a.client_for(Role.NURSE)
    response = client.post(url("reading_strike", session, wrong.pk), {})
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_strike-{wrong.pk}-reason-err"' in page
    wrong.refresh_from_db()
    assert wrong.struck_reason == ""
    again = client.post(
        url("reading_strike", session, wrong.pk), {f"strike-{wrong.pk}-reason": "Typo"}
    )
    assert again.status_code == 302
    twice = client.post(
        url("reading_strike", session, wrong.pk), {f"strike-{wrong.pk}-reason": "Again"}
    )
    assert twice.status_code == 422 and "already struck" in twice.content.decode()


def test_a_reading_of_another_session_or_organisation_answers_404(practice_a, practice_b, clock):
    session = in_monitoring(practice_a, "iv", clock)
    wrong = _typo(practice_a, session)
    theirs = in_monitoring(practice_b, "iv", clock)
    for role in (Role.NURSE, Role.PRESCRIBER, Role.FRONT_DESK, Role.ORG_ADMIN):
        client = practice_b.client_for(role)
        response = client.post(url("reading_strike", theirs, wrong.pk), {})
        assert response.status_code in (403, 404)  # 403 only for roles that may not chart
        assert client.post(url("reading_strike", session, wrong.pk), {}).status_code == 404
    wrong.refresh_from_db()
    assert wrong.struck_reason == ""


def test_roles_that_do_not_chart_are_refused_and_see_no_strike_button(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    wrong = _typo(practice_a, session)
    client = practice_a.client_for(Role.FRONT_DESK)
    body = {f"strike-{wrong.pk}-reason": "No"}
    assert client.post(url("reading_strike", session, wrong.pk), body).status_code == 403
    wrong.refresh_from_db()
    assert wrong.struck_reason == ""


def _event(practice, session) -> AdverseEvent:  # type: ignore[no-untyped-def]
    return services.adverse_event_record(
        actor=nurse(practice), session=session, event_type="Nausea", onset_at=None,
        ctcae_grade=1, outcome="ongoing", action_taken="",
    )  # fmt: skip


def _edit(event: AdverseEvent, **changes: object) -> dict[str, object]:
    local = timezone.localtime(event.onset_at, ZoneInfo(event.session.clinic.time_zone))
    values: dict[str, object] = {
        "event_type": event.event_type, "onset_at": local.strftime("%H:%M"),
        "ctcae_grade": event.ctcae_grade, "action_taken": event.action_taken,
        "outcome": event.outcome, "description": event.description, "version": event.version,
    }  # fmt: skip
    values |= changes
    return {f"ae-{event.public_id}-{name}": value for name, value in values.items()}


def test_an_adverse_event_is_brought_up_to_date_and_a_higher_grade_opens_a_review(
    practice_a, clock
):
    session = in_monitoring(practice_a, "iv", clock)
    event = _event(practice_a, session)
    client = practice_a.client_for(Role.NURSE)
    assert "Update or correct…" in client.get(url("monitor", session)).content.decode()
    clock.shift(timedelta(minutes=10))
    response = client.post(
        url("adverse_event_edit", session, event.public_id),
        _edit(event, outcome="resolved", action_taken="Ondansetron 4 mg IV", ctcae_grade=3),
        **HTMX,
    )
    assert response.status_code == 200 and "updated" in response.content.decode()
    event.refresh_from_db()
    assert (event.outcome, event.ctcae_grade, event.version) == ("resolved", 3, 2)
    assert event.action_taken == "Ondansetron 4 mg IV"
    assert IncidentReview.objects.filter(adverse_event=event).exists()
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(event.public_id))
    assert set(change.changed_fields) == {"outcome", "ctcae_grade", "action_taken"}


def test_a_stale_or_bad_adverse_event_edit_changes_nothing(practice_a, clock):
    session = in_monitoring(practice_a, "iv", clock)
    event = _event(practice_a, session)
    client = practice_a.client_for(Role.NURSE)
    seen = _edit(event, outcome="resolved")
    services.adverse_event_update(
        actor=prescriber(practice_a), event=event, expected_version=1,
        changes={"action_taken": "Observed"},
    )  # fmt: skip
    stale = client.post(url("adverse_event_edit", session, event.public_id), seen)
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "Someone else changed this adverse event" in page
    assert "(version 2, you had version 1)" in page and "Action: Observed" in page
    event.refresh_from_db()
    assert (event.outcome, event.version) == ("ongoing", 2)
    bad = client.post(
        url("adverse_event_edit", session, event.public_id),
        _edit(event, ctcae_grade=7, event_type=""),
    )
    assert bad.status_code == 422
    page = bad.content.decode()
    assert f'id="id_ae-{event.public_id}-event_type-err"' in page
    event.refresh_from_db()
    assert (event.ctcae_grade, event.event_type, event.version) == (1, "Nausea", 2)
