"""Walks every staff URL and API route from the URL resolver, as every role of both practices.

A URL added later is covered automatically: if it takes a parameter this walker does not know,
the walker fails and asks for it to be taught.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ketacare.measures import services as measure_services
from ketacare.measures.models import SafetyAlert
from ketacare.patients.models import Medication
from ketacare.public.models import ClinicPage, ConsultationRequest
from ketacare.screening import services as screening_services
from ketacare.tenancy.models import Membership, Role
from ketacare.tenancy.permissions import Permission, role_may
from ketacare.treatment import services as treatment_services
from tests.treatment.builders import active_plan
from tests.treatment.builders import dose as treatment_dose

PUBLIC_ROUTES = {
    "",
    "healthz",
    "r/<slug:token>/",
    "clinics/",
    "clinics/<uuid:public_id>/",
    "learn/",
    "learn/<slug:slug>/",
    "prescreen/",
    "consultation/request/",
    "consultation/thanks/",
    "sitemap.xml",
    "clinics/<uuid:clinic_id>/pages/<slug:slug>/",
    # Tokenised links: the token is the key (tests/reminders cover revocation and hashing).
    "ical/<str:token>.ics",
    "escort/<str:token>/",
}
# Shared reference data, the same for every practice (not health information), and routes that
# act only on the caller's own organisation (a protocol's settings): no other practice's object.
SHARED_ROUTES = {
    "api/measures/instruments",
    "api/measures/instruments/<code>",
    "api/treatment/protocols/<code>/settings",
}
SKIPPED_PREFIXES = ("accounts/", "admin/", "static/")


@dataclass(frozen=True)
class Route:
    path: str
    namespace: str | None
    name: str | None
    params: tuple[str, ...]


def _walk(patterns: list[object], prefix: str = "", ns: str | None = None) -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or ns)
        elif isinstance(p, URLPattern):
            yield Route(prefix + str(p.pattern), ns, p.name, tuple(p.pattern.converters))


def staff_routes() -> list[Route]:
    routes = [
        r
        for r in _walk(get_resolver().url_patterns)
        if not r.path.startswith(SKIPPED_PREFIXES)
        and r.path not in PUBLIC_ROUTES
        and r.path not in SHARED_ROUTES
    ]
    assert len(routes) >= 10, "the walker found suspiciously few routes"
    return routes


def _fill(route: Route, objects: dict[tuple[str, ...] | tuple[str | None, str], str]) -> str:
    path = route.path
    for param in route.params:
        key = (route.namespace, param)
        # A parameter after a literal segment ("consents/<uuid:entry_id>") may have an object
        # of its own kind: (namespace, param, segment) is looked up first.
        before = re.split(rf"<(?:\w+:)?{param}>", path)[0].rstrip("/").rsplit("/", 1)[-1]
        specific = (route.namespace, param, before)
        assert key in objects, f"teach the isolation walker about {key} (route {route.path})"
        value = objects.get(specific, objects[key])  # type: ignore[call-overload]
        path = re.sub(rf"<(?:\w+:)?{param}>", value, path)
    return "/" + path


def _objects_of(practice) -> dict[tuple[str | None, str], str]:  # type: ignore[no-untyped-def]
    medication = Medication.objects.create(
        organisation=practice.organisation,
        patient=practice.patient,
        name="Sertraline",
        drug_class="other",
    )
    membership = Membership.objects.get(user=practice.staff[Role.NURSE])
    patient_id = str(practice.patient.public_id)
    nurse = practice.staff[Role.NURSE]
    measure_services.assessment_record(
        actor=nurse,
        patient=practice.patient,
        instrument_code="phq9",
        answers={str(i): 1 for i in range(1, 10)},  # item 9 = 1 opens an alert
    )
    alert = SafetyAlert.objects.get(patient=practice.patient)
    assessment_id = str(
        screening_services.assessment_start(
            actor=practice.staff[Role.PRESCRIBER], patient=practice.patient
        ).public_id
    )
    treated = active_plan(practice)
    plan_id = str(treated.public_id)
    order_id = str(
        treatment_services.order_sign(
            actor=practice.staff[Role.PRESCRIBER], plan=treated, request=treatment_dose()
        ).public_id
    )
    schedule = measure_services.measure_schedule_set(
        actor=nurse, patient=practice.patient, instrument_code="gad7", frequency="weekly"
    )
    return {
        ("measures", "public_id"): patient_id,
        ("measures", "code"): "phq9",
        ("measures", "alert_id"): str(alert.public_id),
        ("measures", "schedule_id"): str(schedule.public_id),
        ("api", "alert_id"): str(alert.public_id),
        ("api", "assessment_id"): assessment_id,
        ("screening", "public_id"): patient_id,
        ("api", "plan_id"): plan_id,
        ("treatment", "public_id"): patient_id,
        ("treatment", "plan_id"): plan_id,
        ("treatment", "order_id"): order_id,
        ("public", "public_id", "clinic-pages"): str(
            ClinicPage.objects.create(
                organisation=practice.organisation,
                clinic=practice.clinic,
                slug="what-to-bring",
                title="What to bring",
                body="Your medicine list.",
            ).public_id
        ),
        ("public", "public_id"): str(
            ConsultationRequest.objects.create(
                organisation=practice.organisation,
                clinic=practice.clinic,
                name="Robin Example",
                email="robin@example.test",
            ).public_id
        ),
        ("screening", "assessment_id"): assessment_id,
        ("patients", "public_id"): patient_id,
        ("patients", "section"): "medications",
        ("patients", "entry_id"): str(medication.public_id),
        ("patients", "entry_id", "consents"): services_add_consent(practice),
        ("staff", "public_id"): str(membership.public_id),
        ("api", "public_id"): patient_id,
        **_scheduling_and_session_objects(practice, treated),
    }


def _scheduling_and_session_objects(practice, plan):  # type: ignore[no-untyped-def]
    """An appointment, a treatment session with a reading, an alert and an incident review,
    a consultation request with its patient: the objects behind #7 and #8's URLs."""
    from ketacare.treatment_sessions.models import (
        AdverseEvent,
        IncidentReview,
        ReadingSource,
        TreatmentSession,
        VitalSignAlert,
        VitalSignReading,
    )
    from tests.scheduling import builders as sb

    chairs = sb.open_clinic(practice, chairs=1)
    iv = sb.iv_type(practice)
    sb.set_ratio(practice, 2)
    appointment = sb.book(
        practice, iv, sb.local(sb.next_weekday(0), time(9)), space=chairs[0], plan=plan
    )
    request = ConsultationRequest.objects.create(
        organisation=practice.organisation,
        clinic=practice.clinic,
        name="Sky Example",
        email="sky@example.test",
        patient=practice.patient,
    )
    nurse = practice.staff[Role.NURSE]
    session = TreatmentSession.objects.create(
        organisation=practice.organisation,
        clinic=practice.clinic,
        patient=practice.patient,
        appointment=appointment,
        plan=plan,
        route="iv",
        space=chairs[0],
        state="monitoring",
        checked_in_by=nurse,
    )
    reading = VitalSignReading.objects.create(
        organisation=practice.organisation,
        session=session,
        taken_at=session.checked_in_at,
        systolic=190,
        diastolic=100,
        source=ReadingSource.MANUAL,
        recorded_by=nurse,
    )
    alert = VitalSignAlert.objects.create(
        organisation=practice.organisation,
        session=session,
        reading=reading,
        code="systolic_high",
        message="Systolic above the clinic's limit",
        value=190,
        limit=180,
    )
    event = AdverseEvent.objects.create(
        organisation=practice.organisation,
        session=session,
        patient=practice.patient,
        event_type="hypertension",
        onset_at=session.checked_in_at,
        ctcae_grade=3,
        outcome="resolved",
        recorded_by=nurse,
    )
    review = IncidentReview.objects.create(organisation=practice.organisation, adverse_event=event)
    a, c, t = str(appointment.public_id), str(practice.clinic.public_id), str(session.public_id)
    patient_id = str(practice.patient.public_id)
    return {
        ("scheduling", "clinic_id"): c,
        ("scheduling", "type_id"): str(iv.public_id),
        ("scheduling", "public_id"): a,
        ("scheduling", "public_id", "patients"): patient_id,
        ("scheduling", "plan_id"): str(plan.public_id),
        ("scheduling", "request_id"): str(request.public_id),
        ("treatment_sessions", "public_id"): t,
        ("treatment_sessions", "public_id", "appointments"): a,
        ("treatment_sessions", "public_id", "incidents"): str(review.public_id),
        ("treatment_sessions", "code"): "fasting",
        ("treatment_sessions", "scale"): "aldrete",
        ("treatment_sessions", "alert_id"): str(alert.public_id),
        ("treatment_sessions", "reading_id"): str(reading.pk),
        ("treatment_sessions", "event_id"): str(event.public_id),
        ("reminders", "public_id"): patient_id,
        ("api", "clinic_id"): c,
        ("api", "public_id", "appointments"): a,
        ("api", "public_id", "treatment-sessions"): t,
        ("api", "code"): "fasting",
    }


METHODS = ("get", "post", "put")

# Valid bodies, so that what answers is the object check and not the input validation.
VALID_PATIENT = {
    "legal_first_name": "Ivy",
    "legal_last_name": "Example",
    "date_of_birth": "1985-04-02",
    "sex_assigned_at_birth": "female",
}
ORDER_BODY = {
    "dose": "0.5",
    "dose_unit": "mg/kg",
    "concentration_mg_per_ml": "0.4",
    "concentration_salt_form": "hydrochloride salt",
    "bag_volume_ml": "100",
    "duration_minutes": "40",
}
API_BODIES = {
    ("api/patients/<public_id>", "put"): {**VALID_PATIENT, "version": 1},
    ("api/patients/<public_id>/medications", "post"): {"name": "Bupropion", "drug_class": "other"},
    ("api/patients/<public_id>/problems", "post"): {"icd10_code": "F33.2", "description": "MDD"},
    ("api/patients/<public_id>/allergies", "post"): {"substance": "Latex"},
    ("api/patients/<public_id>/trials", "post"): {"kind": "antidepressant", "name": "Sertraline"},
    ("api/patients/<public_id>/contacts", "post"): {
        "kind": "escort",
        "name": "Robin Example",
        "phone": "555 010 2000",
    },
    ("api/patients/<public_id>/consents", "post"): {
        "kind": "ketamine",
        "document_version": "1",
        "signed_at": "2026-01-02T10:00:00Z",
        "signed_by_name": "Ivy Example",
    },
    ("api/patients/search", "post"): {"q": "Quillfeather"},
    ("api/eligibility/<assessment_id>", "put"): {"version": 1},
    ("api/eligibility/<assessment_id>/sign", "post"): {
        "decisions": {"iv": {"decision": "eligible"}}
    },
    ("api/patients/<public_id>/weights", "post"): {"value": "80", "unit": "kg"},
    ("api/patients/<public_id>/plans", "post"): {
        "protocol_code": "iv_racemic_depression",
        "indication": "TRD",
        "planned_sessions": 6,
        "measures": ["phq9"],
    },
    ("api/treatment/plans/<plan_id>/transition", "post"): {"to": "active"},
    ("api/treatment/plans/<plan_id>/calculate", "post"): ORDER_BODY,
    ("api/treatment/plans/<plan_id>/orders", "post"): ORDER_BODY,
    ("api/patients/<public_id>/assessments", "post"): {
        "instrument": "phq9",
        "answers": {str(i): 0 for i in range(1, 10)},
    },
    ("api/measures/alerts/<alert_id>/acknowledge", "post"): {
        "action": "safety_plan",
        "note": "Done.",
    },
    ("api/patients/", "post"): VALID_PATIENT,
    ("api/appointments/<public_id>/transition", "post"): {"to": "checked_in"},
    ("api/appointments/<public_id>/move", "post"): {"starts_at": "2030-01-07T09:00:00-06:00"},
    ("api/treatment-sessions/<public_id>/transition", "post"): {"to": "recovery"},
    ("api/treatment-sessions/<public_id>/checks/<code>/override", "post"): {"reason": "Seen."},
    ("api/treatment-sessions/<public_id>/administrations", "post"): {"kind": "intervention"},
    ("api/treatment-sessions/<public_id>/wastes", "post"): {
        "amount_mg": "1",
        "lot_number": "LOT-1",
        "method": "not_given",
        "witness_email": "witness@example.test",
        "witness_password": "not-checked-before-the-404",
    },
    ("api/treatment-sessions/<public_id>/observations", "post"): {
        "kind": "sedation_moaas",
        "value": 5,
    },
    ("api/treatment-sessions/<public_id>/adverse-events", "post"): {
        "event_type": "nausea",
        "ctcae_grade": 1,
        "outcome": "resolved",
    },
    ("api/treatment-sessions/<public_id>/recovery-scores", "post"): {
        "scale": "aldrete",
        "items": {},
    },
    ("api/treatment-sessions/<public_id>/readings/batch", "post"): {"readings": []},
    ("api/treatment-sessions/<public_id>/readings", "post"): {
        "device_id": "monitor-1",
        "taken_at": "2030-01-07T09:00:00-06:00",
        "systolic": 120,
        "diastolic": 80,
    },
}


def _request(client: Client, method: str, url: str, route: Route | None = None):  # type: ignore[no-untyped-def]
    if method == "get":
        return client.get(url)
    if url.startswith("/api/"):
        body = API_BODIES.get((route.path if route else "", method), {})
        return getattr(client, method)(url, data=body, content_type="application/json")
    return getattr(client, method)(url, data={})


def test_every_role_of_another_practice_gets_404_for_every_object_url(practice_a, practice_b):
    objects = _objects_of(practice_a)
    routes = [r for r in staff_routes() if r.params]
    checked = 0
    for role in Role:
        client = practice_b.client_for(role)
        for route in routes:
            url = _fill(route, objects)
            for method in METHODS:
                response = _request(client, method, url, route)
                if response.status_code == 405:
                    continue
                assert response.status_code == 404, (role, method, url, response.status_code)
                assert b"Quillfeather" not in response.content
                checked += 1
    assert checked >= len(routes) * len(Role)


def test_list_pages_of_another_practice_never_show_its_patients(practice_a, practice_b):
    # The searcher's own query is echoed back in the search box; what must never appear is
    # anything of the other practice's patient that the query did not contain.
    markers = (b"Marigold", str(practice_a.patient.public_id).encode())
    for role in Role:
        client = practice_b.client_for(role)
        for route in (r for r in staff_routes() if not r.params):
            url = "/" + route.path
            for method in ("get", "post"):
                response = _request(client, method, url, route)
                assert response.status_code != 500, (role, method, url)
                assert not any(m in response.content for m in markers), (role, method, url)
        for query in ("Quillfeather", practice_a.patient.mrn, "1980-05-17"):
            search = client.post("/patients/", {"q": query})
            assert not any(m in search.content for m in markers), (role, query)
            api_search = client.post(
                "/api/patients/search", data={"q": query}, content_type="application/json"
            )
            assert not any(m in api_search.content for m in markers), (role, query)


def test_anonymous_visitors_reach_no_staff_url(practice_a):
    objects = _objects_of(practice_a)
    client = Client()
    for route in staff_routes():
        url = _fill(route, objects)
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code in (401, 404, 405), url
        else:
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), url
        assert b"Quillfeather" not in response.content


# (url name, how to build it, permission it needs) for the role matrix on one's own practice.
PERMISSION_MATRIX = [
    ("/patients/", Permission.VIEW_PATIENT),
    ("/patients/new/", Permission.EDIT_PATIENT),
    ("/patients/{p}/", Permission.VIEW_PATIENT),
    ("/patients/{p}/edit/", Permission.EDIT_PATIENT),
    ("/patients/{p}/medications/add/", Permission.EDIT_CLINICAL),
    ("/patients/{p}/problems/add/", Permission.EDIT_CLINICAL),
    ("/patients/{p}/consents/add/", Permission.RECORD_CONSENT),
    ("/patients/{p}/contacts/add/", Permission.EDIT_PATIENT),
    ("/patients/{p}/medications/{m}/edit/", Permission.EDIT_CLINICAL),
    ("/audit/", Permission.VIEW_AUDIT),
    ("/staff/", Permission.MANAGE_STAFF),
    ("/staff/settings/", Permission.MANAGE_STAFF),
    ("/clinic-pages/", Permission.MANAGE_STAFF),
    ("/api/patients/{p}", Permission.VIEW_PATIENT),
    ("/api/patients/{p}/medications", Permission.VIEW_CLINICAL),
    ("/api/patients/{p}/consents", Permission.VIEW_PATIENT),
    ("/patients/{p}/measures/", Permission.VIEW_CLINICAL),
    ("/patients/{p}/measures/phq9/new/", Permission.EDIT_CLINICAL),
    ("/measures/", Permission.VIEW_PATIENT),
    ("/api/patients/{p}/assessments", Permission.VIEW_CLINICAL),
    ("/api/patients/{p}/outcomes", Permission.VIEW_CLINICAL),
    ("/api/measures/alerts", Permission.VIEW_CLINICAL),
    ("/patients/{p}/consents/{c}/print/", Permission.VIEW_PATIENT),
    ("/patients/{p}/consents/{c}/withdraw/", Permission.RECORD_CONSENT),
    ("/api/eligibility/{a}", Permission.VIEW_CLINICAL),
    ("/api/eligibility/{a}/report", Permission.VIEW_CLINICAL),
    ("/schedule/{k}/week/", Permission.VIEW_SCHEDULE),
    ("/schedule/{k}/day/", Permission.VIEW_SCHEDULE),
    ("/schedule/{k}/floor/", Permission.VIEW_SCHEDULE),
    ("/schedule/{k}/settings/", Permission.MANAGE_SCHEDULE),
    ("/patients/{p}/appointments/", Permission.VIEW_SCHEDULE),
    ("/api/clinics/{k}/appointments", Permission.VIEW_SCHEDULE),
    ("/treatment-sessions/{s}/", Permission.CHART_SESSION),
    ("/treatment-sessions/{s}/monitoring/", Permission.CHART_SESSION),
    ("/treatment-sessions/rems-forms/", Permission.CHART_SESSION),
    ("/treatment-sessions/controlled-substances/", Permission.CHART_SESSION),
    ("/treatment-sessions/incidents/", Permission.REVIEW_INCIDENT),
    ("/reminders/settings/", Permission.MANAGE_SCHEDULE),
    ("/patients/{p}/calendar-feed/", Permission.VIEW_PATIENT),
    ("/treatment-sessions/settings/", Permission.SIGN_TREATMENT_DECISION),
]


@pytest.mark.parametrize("role", list(Role))
def test_roles_lacking_a_permission_get_403_on_their_own_practice(practice_a, role):
    objects = _objects_of(practice_a)
    patient = objects[("patients", "public_id")]
    medication = objects[("patients", "entry_id")]
    assessment = objects[("api", "assessment_id")]
    consent = services_add_consent(practice_a)
    client = practice_a.client_for(role)
    for template, permission in PERMISSION_MATRIX:
        url = template.format(
            p=patient,
            m=medication,
            c=consent,
            a=assessment,
            k=objects[("scheduling", "clinic_id")],
            s=objects[("treatment_sessions", "public_id")],
        )
        response = client.get(url)
        if role_may(role, permission):
            assert response.status_code == 200, (role, url, response.status_code)
        else:
            assert response.status_code == 403, (role, url, response.status_code)
            assert b"Quillfeather" not in response.content, (role, url)


def services_add_consent(practice) -> str:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from ketacare.patients import services as patient_services
    from ketacare.patients.sections import SECTIONS

    consent = patient_services.chart_entry_add(
        actor=practice.staff[Role.NURSE],
        patient=practice.patient,
        section=SECTIONS["consents"],
        data={
            "kind": "ketamine",
            "route": "iv",
            "document_version": "2026.1",
            "signed_at": timezone.now(),
            "signed_by_name": "Marigold Quillfeather",
        },
    )
    return str(consent.public_id)
