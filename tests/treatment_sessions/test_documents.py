"""The session record and REMS form PDFs, the REMS submission tracker and the incident reviews
list: what they show, that every export is audited, and who may open them."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.tenancy.models import Role, Route
from ketacare.treatment_sessions import documents, services
from ketacare.treatment_sessions.models import (
    Administration,
    AdverseEvent,
    CheckCode,
    CheckStatus,
    IncidentReview,
    IncidentStatus,
    Observation,
    PreCheck,
    RecoveryScore,
    RemsFormStatus,
    RemsMonitoringForm,
    SessionState,
    TreatmentSession,
    VitalSignReading,
)
from tests.treatment_sessions import builders as day

HOSTILE_NOTE = "<img src=file:///etc/passwd> calm"
IV_LOT = "ONDA-2291"
# Readings after the first dose: (minutes, systolic, diastolic, heart rate, SpO2, RR)
READINGS = (
    (-10, 128, 80, 72, 98, 14), (5, 134, 84, 76, 98, 14), (15, 142, 88, 80, 97, 15),
    (25, 146, 90, 82, 97, 14), (40, 144, 89, 81, 96, 14), (55, 136, 85, 78, 97, 14),
    (75, 130, 82, 74, 98, 14), (100, 126, 80, 72, 98, 13), (120, 124, 79, 70, 99, 14),
)  # fmt: skip


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with whitespace collapsed (table cells wrap lines anywhere)."""
    text = " ".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)
    return " ".join(text.split())


def complete_session(practice, route: str, clock) -> TreatmentSession:  # type: ignore[no-untyped-def]
    """A session dosed through the flow services, then charted to discharge: readings (one
    struck), observations, an antiemetic, an adverse event, a recovery score, an overridden
    check and the discharge."""
    session = day.in_monitoring(practice, route, clock)
    nurse, prescriber = day.nurse(practice), day.prescriber(practice)
    t0 = session.first_dose_at
    org = practice.organisation
    for minutes, sbp, dbp, hr, spo2, rr in READINGS:
        VitalSignReading.objects.create(
            organisation=org, session=session, taken_at=t0 + timedelta(minutes=minutes),
            systolic=sbp, diastolic=dbp, heart_rate=hr, spo2=spo2, respiratory_rate=rr,
            source="manual", recorded_by=nurse,
        )  # fmt: skip
    VitalSignReading.objects.create(
        organisation=org, session=session, taken_at=t0 + timedelta(minutes=30), systolic=210,
        diastolic=60, heart_rate=150, spo2=80, source="device", device_id="MON-7",
        struck_reason="Cuff slipped; repeated",
    )  # fmt: skip
    for minutes, kind, value, note in (
        (20, "dissociation_cadss", 14, ""), (20, "sedation_moaas", 4, HOSTILE_NOTE),
        (35, "nausea", 2, "Mild nausea"), (60, "sedation_moaas", 5, ""),
    ):  # fmt: skip
        Observation.objects.create(
            organisation=org, session=session, kind=kind, value=value, note=note,
            observed_at=t0 + timedelta(minutes=minutes), recorded_by=nurse,
        )  # fmt: skip
    Administration.objects.create(
        organisation=org, session=session, kind="intervention", drug="Ondansetron",
        amount=Decimal(4), unit="mg", lot_number=IV_LOT, note="For nausea",
        given_at=t0 + timedelta(minutes=36), recorded_by=nurse,
    )  # fmt: skip
    AdverseEvent.objects.create(
        organisation=org, session=session, patient=practice.patient, event_type="Nausea",
        description="Nausea after 30 minutes", onset_at=t0 + timedelta(minutes=34), ctcae_grade=1,
        action_taken="Ondansetron 4 mg", outcome="resolved", recorded_by=nurse,
    )  # fmt: skip
    PreCheck.objects.filter(session=session, code=CheckCode.FASTING).update(
        status=CheckStatus.OVERRIDDEN, message="Clear liquids were taken 40 minutes before dosing.",
        override_reason="Sips of water 40 min before; accepted",
        overridden_by=prescriber, overridden_at=t0 - timedelta(minutes=15),
    )  # fmt: skip
    RecoveryScore.objects.create(
        organisation=org, session=session, scale="aldrete", items=day.ALDRETE_FULL, total=10,
        threshold=9, passed=True, scored_at=t0 + timedelta(minutes=118), scored_by=nurse,
    )  # fmt: skip
    TreatmentSession.objects.filter(pk=session.pk).update(
        state=SessionState.DISCHARGED,
        recovery_started_at=t0 + timedelta(minutes=90),
        clinically_stable_at=t0 + timedelta(minutes=115) if route == Route.ESKETAMINE else None,
        clinically_stable_by=prescriber if route == Route.ESKETAMINE else None,
        escort_present_at=t0 + timedelta(minutes=121),
        ended_at=t0 + timedelta(minutes=125),
        discharged_by=prescriber,
    )
    clock.move_to(t0 + timedelta(minutes=130))
    session.refresh_from_db()
    return session


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(day.DAY_START, tick=False) as traveller:
        yield traveller


def exports_of(session: TreatmentSession, document: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.EXPORT, object_id=str(session.public_id), detail__document=document
        )
    )


def test_the_iv_record_shows_the_order_pump_settings_lots_and_discharge(practice_a, clock) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.IV, clock)
    order = session.order
    assert order is not None and order.rate_ml_per_h is not None
    response = practice_a.client_for(Role.NURSE).get(
        reverse("treatment_sessions:record_pdf", args=[session.public_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert str(session.public_id) in response["Content-Disposition"]
    text = pdf_text(response.content)
    patient = practice_a.patient
    for expected in (
        "Treatment session record", f"{patient.legal_last_name}, {patient.legal_first_name}",
        patient.mrn, "May 17, 1980", practice_a.clinic.name, "IV infusion (racemic ketamine)",
        f"{order.dose_mg.normalize():f}", "mg/mL", "mL/h", f"{order.rate_ml_per_h.normalize():f}",
        "Infusion started", "Infusion stopped", "Ondansetron", IV_LOT,
        "Sips of water 40 min before; accepted", "Overridden by a prescriber",
        "Cuff slipped; repeated", "Dissociation (CADSS)", "Nausea", "CTCAE 1",
        "Modified Aldrete", "Discharged", str(day.prescriber(practice_a)),
        "Discharged the patient", "Signed the dose order", "Page 1 of",
    ):  # fmt: skip
        assert expected in text, expected
    # The hostile note is printed as text, never fetched.
    assert HOSTILE_NOTE in text
    assert "root:x:" not in text
    [event] = exports_of(session, "session_record")
    assert event.actor == day.nurse(practice_a)
    assert event.patient_public_id == patient.public_id
    assert event.organisation_id == practice_a.organisation.pk


def test_the_esketamine_record_and_rems_form(practice_a, clock) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.ESKETAMINE, clock)
    form = services.rems_form_build(
        actor=day.nurse(practice_a), session=session, ready_to_leave_minutes=95
    )
    client = practice_a.client_for(Role.PRESCRIBER)
    record = client.get(reverse("treatment_sessions:record_pdf", args=[session.public_id]))
    assert record.status_code == 200
    text = pdf_text(record.content)
    for expected in ("Intranasal esketamine (Spravato)", "Esketamine device used", "LOT-A1",
                     "Discharged", "Clinically stable", "Judged clinically stable"):  # fmt: skip
        assert expected in text, expected

    rems = client.get(reverse("treatment_sessions:rems_form_pdf", args=[session.public_id]))
    assert rems.status_code == 200
    text = pdf_text(rems.content)
    for expected in (
        "REMS Patient Monitoring Form", "Not the official form", "REMS portal",
        practice_a.patient.legal_first_name, "05/17/1980", "Female", "LOT-A1",
        "12/02/2026", "95 min", "Due by" if False else form.due_by.strftime("%b %-d, %Y"),
        practice_a.clinic.name, "Blood pressure at about 40 minutes", "144/89 mmHg",
    ):  # fmt: skip
        assert expected in text, expected
    assert "not yet confirmed by a clinician" in text and "95 min (suggested)" in text
    services.rems_form_review(
        actor=day.nurse(practice_a), form=form, vitals_acceptable_before_end=True,
        respiratory_depression=False, ready_to_leave_without_2h_rule_minutes=90,
    )  # fmt: skip
    rems = client.get(reverse("treatment_sessions:rems_form_pdf", args=[session.public_id]))
    text = pdf_text(rems.content)
    assert "confirmed by" in text and "90 min" in text and "(suggested)" not in text
    assert len(exports_of(session, "session_record")) == 1
    assert len(exports_of(session, "rems_monitoring_form")) == 2


def test_a_session_still_on_the_floor_prints_its_form_from_the_chart(practice_a, clock) -> None:  # type: ignore[no-untyped-def]
    session = day.in_monitoring(practice_a, Route.ESKETAMINE, clock)
    assert not RemsMonitoringForm.objects.filter(session=session).exists()
    pdf = documents.rems_form_pdf(actor=day.nurse(practice_a), session=session)
    text = pdf_text(pdf)
    assert "LOT-A1" in text
    assert "To be answered by the monitoring provider" in text


def test_an_iv_session_has_no_rems_form(practice_a, clock) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.IV, clock)
    response = practice_a.client_for(Role.NURSE).get(
        reverse("treatment_sessions:rems_form_pdf", args=[session.public_id])
    )
    assert response.status_code == 404
    assert exports_of(session, "rems_monitoring_form") == []


def test_a_therapist_reads_the_record_and_non_clinical_roles_are_refused(practice_a, clock) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.IV, clock)
    url = reverse("treatment_sessions:record_pdf", args=[session.public_id])
    assert practice_a.client_for(Role.THERAPIST).get(url).status_code == 200
    for role in (Role.FRONT_DESK, Role.BILLING, Role.ORG_ADMIN):
        response = practice_a.client_for(role).get(url)
        assert response.status_code == 403, role
        assert practice_a.patient.legal_last_name.encode() not in response.content
    assert len(exports_of(session, "session_record")) == 1


def test_another_organisations_session_is_404_for_every_role(practice_a, practice_b, clock) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.ESKETAMINE, clock)
    services.rems_form_build(actor=day.nurse(practice_a), session=session)
    urls = [
        reverse("treatment_sessions:record_pdf", args=[session.public_id]),
        reverse("treatment_sessions:rems_form_pdf", args=[session.public_id]),
    ]
    submit = reverse("treatment_sessions:rems_form_submitted", args=[session.public_id])
    for role in Role:
        client = practice_b.client_for(role)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (role, url)
            assert practice_a.patient.legal_last_name.encode() not in response.content
        assert client.post(submit, {"confirmation": "X-1"}).status_code == 404, role
    assert not AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_id=str(session.public_id)
    ).exists()
    assert RemsMonitoringForm.objects.get(session=session).status == RemsFormStatus.DRAFT


def test_the_rems_tracker_flags_overdue_forms_and_records_the_confirmation(
    practice_a, clock
) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.ESKETAMINE, clock)
    form = services.rems_form_build(actor=day.nurse(practice_a), session=session)
    client = practice_a.client_for(Role.NURSE)
    page = client.get(reverse("treatment_sessions:rems_forms"))
    assert page.status_code == 200
    assert practice_a.patient.mrn in page.content.decode()
    assert "Overdue" not in page.content.decode()

    clock.move_to(session.ended_at + timedelta(days=9))
    client = practice_a.client_for(Role.NURSE)  # a new day, a new sign-in
    page = client.get(reverse("treatment_sessions:rems_forms")).content.decode()
    assert "status-pill alert" in page and "Overdue 2 days" in page

    submit = reverse("treatment_sessions:rems_form_submitted", args=[session.public_id])
    review = reverse("treatment_sessions:rems_form_review", args=[session.public_id])
    unreviewed = client.post(submit, {"confirmation": "REMS-558812"})
    assert unreviewed.status_code == 400
    assert "Confirm the answers the chart can only suggest" in unreviewed.content.decode()
    bad = client.post(review, {"vitals_acceptable_before_end": "maybe",
                               "ready_to_leave_without_2h_rule_minutes": "0"})  # fmt: skip
    assert bad.status_code == 400
    page = bad.content.decode()
    assert 'id="vitals_acceptable_before_end-' in page and "Answer Yes or No." in page
    assert "Give a number of minutes from 1 to 1,440." in page
    form.refresh_from_db()
    assert "reviewed" not in form.fields
    confirmed = client.post(review, {"vitals_acceptable_before_end": "yes",
                                     "respiratory_depression": "no",
                                     "ready_to_leave_without_2h_rule_minutes": "95"})  # fmt: skip
    assert confirmed.status_code == 302
    form.refresh_from_db()
    assert form.fields["reviewed"]["by"] == day.nurse(practice_a).get_full_name()
    assert form.fields["ready_to_leave_without_2h_rule_minutes"] == 95
    assert "Confirmed by" in client.get(reverse("treatment_sessions:rems_forms")).content.decode()
    refused = client.post(submit, {"confirmation": "   "})
    assert refused.status_code == 400
    assert "confirmation" in refused.content.decode().lower()
    assert 'aria-invalid="true"' in refused.content.decode()
    form.refresh_from_db()
    assert form.status == RemsFormStatus.DRAFT

    done = client.post(submit, {"confirmation": "REMS-558812"})
    assert done.status_code == 302
    form.refresh_from_db()
    assert form.status == RemsFormStatus.SUBMITTED
    assert form.confirmation == "REMS-558812"
    assert form.submitted_by == day.nurse(practice_a)
    page = client.get(reverse("treatment_sessions:rems_forms")).content.decode()
    assert practice_a.patient.mrn not in page
    # Submitted forms still print, with their confirmation.
    pdf = client.get(reverse("treatment_sessions:rems_form_pdf", args=[session.public_id]))
    assert "REMS-558812" in pdf_text(pdf.content)


def test_the_rems_tracker_is_for_charting_staff(practice_a) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.FRONT_DESK, Role.BILLING, Role.THERAPIST):
        assert practice_a.client_for(role).get(
            reverse("treatment_sessions:rems_forms")
        ).status_code == 403, role  # fmt: skip


def test_incident_reviews_list_open_reviews_and_close_with_findings(practice_a, clock) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.IV, clock)
    event = AdverseEvent.objects.create(
        organisation=practice_a.organisation, session=session, patient=practice_a.patient,
        event_type="Hypertension", description="BP 188/112 at 25 min", ctcae_grade=3,
        onset_at=session.first_dose_at + timedelta(minutes=25), action_taken="Infusion paused",
        outcome="resolved", recorded_by=day.nurse(practice_a),
    )  # fmt: skip
    review = IncidentReview.objects.create(
        organisation=practice_a.organisation, adverse_event=event
    )
    url = reverse("treatment_sessions:incidents")
    assert practice_a.client_for(Role.NURSE).get(url).status_code == 403
    client = practice_a.client_for(Role.PRESCRIBER)
    page = client.get(url).content.decode()
    assert "Hypertension" in page and "CTCAE grade 3" in page

    close = reverse("treatment_sessions:incident_close", args=[review.public_id])
    refused = client.post(close, {"findings": ""})
    assert refused.status_code == 400
    assert "findings" in refused.content.decode().lower()
    review.refresh_from_db()
    assert review.status == IncidentStatus.OPEN

    findings = "Known hypertension; pre-dose BP limit to be reviewed for this patient."
    assert client.post(close, {"findings": findings}).status_code == 302
    review.refresh_from_db()
    assert review.status == IncidentStatus.CLOSED
    assert review.findings == findings
    assert close not in client.get(url).content.decode()


def test_another_organisations_incident_cannot_be_closed(practice_a, practice_b, clock) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.IV, clock)
    event = AdverseEvent.objects.create(
        organisation=practice_a.organisation, session=session, patient=practice_a.patient,
        event_type="Hypertension", ctcae_grade=3, onset_at=session.first_dose_at,
        outcome="resolved", recorded_by=day.nurse(practice_a),
    )  # fmt: skip
    review = IncidentReview.objects.create(
        organisation=practice_a.organisation, adverse_event=event
    )
    client = practice_b.client_for(Role.PRESCRIBER)
    close = reverse("treatment_sessions:incident_close", args=[review.public_id])
    assert client.post(close, {"findings": "x"}).status_code == 404
    assert (
        "Hypertension" not in client.get(reverse("treatment_sessions:incidents")).content.decode()
    )
    review.refresh_from_db()
    assert review.status == IncidentStatus.OPEN


def test_the_discharge_instructions_print_in_plain_words_without_clinical_detail(
    practice_a, practice_b, clock
) -> None:  # type: ignore[no-untyped-def]
    session = complete_session(practice_a, Route.IV, clock)
    url = reverse("treatment_sessions:discharge_instructions_pdf", args=[session.public_id])
    response = practice_a.client_for(Role.NURSE).get(url)
    assert response.status_code == 200
    text = pdf_text(response.content)
    for expected in ("Going home after your treatment", "Do not drive", "restful night", "988",
                     "911", practice_a.clinic.phone):  # fmt: skip
        assert expected in text, expected
    # What the escort reads carries no dose, drug or diagnosis.
    assert not re.search(r"\d\s*mg\b", text)
    assert "ketamine" not in text.lower()
    assert len(exports_of(session, "discharge_instructions")) == 1
    for role in Role:
        assert practice_b.client_for(role).get(url).status_code == 404
