"""Proposing and booking a plan's series: the pattern, the busy chair, the rules each session
breaks, DST, esketamine phases, adjusting a session by hand, and the page."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.scheduling import series, services
from ketacare.scheduling.models import Appointment, AppointmentSeries
from ketacare.tenancy.models import Role, Route
from ketacare.treatment.models import TreatmentPlan
from tests.factories import PatientFactory
from tests.scheduling import builders as b
from tests.treatment.builders import active_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def iv_ready(practice_a):  # type: ignore[no-untyped-def]
    chairs = b.open_clinic(practice_a, chairs=2)
    iv = b.iv_type(practice_a)
    b.set_ratio(practice_a, 2)
    plan = active_plan(practice_a)
    return practice_a, chairs, iv, plan


def _propose(practice, plan, kind_type, first, weekdays=(0, 2, 4), at=time(9), space=None, count=6):  # type: ignore[no-untyped-def]
    return series.series_propose(
        actor=practice.staff[Role.FRONT_DESK],
        plan=plan,
        clinic=practice.clinic,
        appointment_type=kind_type,
        first_date=first,
        weekdays=weekdays,
        local_time=at,
        space=space,
        staff=practice.staff[Role.NURSE].membership,
        count=count,
    )


def test_it_proposes_six_iv_sessions_on_the_pattern(iv_ready):
    practice, chairs, iv, plan = iv_ready
    monday = b.next_weekday(0)
    proposal = _propose(practice, plan, iv, monday, space=chairs[0])
    assert proposal.bookable
    assert [s.local_date.weekday() for s in proposal.sessions] == [0, 2, 4, 0, 2, 4]
    assert all(s.local_start == time(9) for s in proposal.sessions)
    assert [s.number for s in proposal.sessions] == [1, 2, 3, 4, 5, 6]
    assert not Appointment.objects.exists()  # proposing writes nothing


def test_a_busy_chair_moves_the_session_later_and_says_why(iv_ready):
    practice, chairs, iv, plan = iv_ready
    monday = b.next_weekday(0)
    other = PatientFactory(organisation=practice.organisation)
    b.book(practice, iv, b.local(monday, time(8)), space=chairs[0], patient=other)
    proposal = _propose(practice, plan, iv, monday, space=chairs[0])
    first = proposal.sessions[0]
    assert first.local_start == time(10)
    assert "busy" in first.notes[0]
    assert first.bookable


def test_a_closure_skips_the_date_with_the_reason(iv_ready):
    practice, chairs, iv, plan = iv_ready
    monday = b.next_weekday(0)
    services.clinic_closure_add(
        actor=practice.staff[Role.FRONT_DESK],
        clinic=practice.clinic,
        day=monday + timedelta(days=2),
        reason="Staff training",
    )
    proposal = _propose(practice, plan, iv, monday, space=chairs[0])
    assert monday + timedelta(days=2) not in [s.local_date for s in proposal.sessions]
    assert any("closed" in r for s in proposal.skipped for r in s.reasons)
    assert len(proposal.sessions) == 6


def test_the_nurse_ratio_is_reported_on_the_session_it_breaks(iv_ready):
    practice, chairs, iv, plan = iv_ready
    b.set_ratio(practice, 1)
    monday = b.next_weekday(0)
    other = PatientFactory(organisation=practice.organisation)
    b.book(
        practice, iv, b.local(monday + timedelta(days=2), time(9)), space=chairs[1], patient=other
    )
    proposal = _propose(practice, plan, iv, monday, space=chairs[0])
    broken = [s for s in proposal.sessions if not s.bookable]
    assert [s.local_date for s in broken] == [monday + timedelta(days=2)]
    assert "more than 1 patients" in broken[0].problems["staff"][0]
    assert not proposal.bookable


def test_iv_spacing_from_the_type_skips_too_close_days(iv_ready):
    practice, chairs, iv, plan = iv_ready
    monday = b.next_weekday(0)
    proposal = _propose(practice, plan, iv, monday, weekdays=(0, 1, 2, 3, 4), space=chairs[0])
    days = [s.local_date for s in proposal.sessions]
    assert all((b_ - a).days >= 2 for a, b_ in zip(days, days[1:], strict=False))
    assert any("at least" in r for s in proposal.skipped for r in s.reasons)


def test_a_series_across_the_dst_change_keeps_0900_local(iv_ready):
    practice, chairs, iv, plan = iv_ready
    first = date(2027, 3, 8)  # a Monday; clocks spring forward on Sunday 14 March 2027
    proposal = _propose(practice, plan, iv, first, space=chairs[0])
    assert all(s.local_start == time(9) for s in proposal.sessions)
    offsets = {s.starts_at.astimezone(b.CHICAGO).utcoffset() for s in proposal.sessions}
    assert offsets == {timedelta(hours=-6), timedelta(hours=-5)}
    utc_hours = [s.starts_at.hour for s in proposal.sessions]
    assert utc_hours[:3] == [15, 15, 15] and utc_hours[3:] == [14, 14, 14]
    made = services.series_book(
        actor=practice.staff[Role.FRONT_DESK],
        plan=plan,
        appointment_type=iv,
        clinic=practice.clinic,
        sessions=[(s.starts_at, s.space, s.staff) for s in proposal.sessions],
        weekdays=[0, 2, 4],
        local_time=time(9),
    )
    local = [timezone.localtime(a.starts_at, b.CHICAGO).time() for a in made.appointments.all()]
    assert local == [time(9)] * 6


@pytest.fixture
def esketamine_ready(practice_a):  # type: ignore[no-untyped-def]
    chairs = b.open_clinic(practice_a, chairs=2)
    esk = b.esketamine_type(practice_a)
    b.set_ratio(practice_a, 2)
    plan = TreatmentPlan.objects.create(
        organisation=practice_a.organisation,
        patient=practice_a.patient,
        route=Route.ESKETAMINE,
        protocol_code="esketamine_trd",
        indication="TRD",
        prescriber=practice_a.staff[Role.PRESCRIBER],
        planned_sessions=12,
        status="active",
    )
    return practice_a, chairs, esk, plan


def test_esketamine_follows_the_label_phases(esketamine_ready):
    practice, chairs, esk, plan = esketamine_ready
    monday = b.next_weekday(0)
    for week in range(8):
        for weekday in (0, 3):
            b.on_rota(practice, Role.PRESCRIBER, monday + timedelta(days=7 * week + weekday))
    proposal = _propose(practice, plan, esk, monday, weekdays=(0, 3), space=chairs[0], count=12)
    days = [s.local_date for s in proposal.sessions]
    per_week = [sum(1 for d in days if (d - monday).days // 7 == w) for w in range(8)]
    assert per_week == [2, 2, 2, 2, 1, 1, 1, 1]
    assert proposal.phases[0].name == "Induction"
    assert proposal.bookable


def test_esketamine_without_a_prescriber_on_the_rota_is_refused_per_session(esketamine_ready):
    practice, chairs, esk, plan = esketamine_ready
    monday = b.next_weekday(0)
    b.on_rota(practice, Role.PRESCRIBER, monday)
    proposal = _propose(practice, plan, esk, monday, weekdays=(0, 3), space=chairs[0], count=2)
    assert proposal.sessions[0].bookable
    assert "No prescriber is on the rota" in proposal.sessions[1].problems["starts_at"][0]


def test_a_hand_adjusted_session_is_checked_against_the_others(iv_ready):
    practice, chairs, iv, plan = iv_ready
    monday = b.next_weekday(0)
    nurse = practice.staff[Role.NURSE].membership
    checked = series.series_check(
        actor=practice.staff[Role.FRONT_DESK],
        plan=plan,
        clinic=practice.clinic,
        appointment_type=iv,
        sessions=[
            (b.local(monday, time(9)), chairs[0], nurse),
            (b.local(monday + timedelta(days=1), time(9)), chairs[0], nurse),
        ],
    )
    assert checked.sessions[0].bookable
    assert "at least 48 h apart" in checked.sessions[1].problems["starts_at"][0]


def test_proposing_for_another_organisations_plan_is_404(iv_ready, practice_b):
    practice, chairs, iv, plan = iv_ready
    url = reverse("scheduling:plan_series", args=[plan.public_id])
    assert practice_b.client_for(Role.FRONT_DESK).get(url).status_code == 404


def _pattern(practice, chairs, iv, first):  # type: ignore[no-untyped-def]
    return {
        "clinic": practice.clinic.pk,
        "appointment_type": iv.pk,
        "first_date": first.isoformat(),
        "weekdays": ["0", "2", "4"],
        "local_time": "09:00",
        "space": chairs[0].pk,
        "staff": practice.staff[Role.NURSE].membership.pk,
        "count": "6",
    }


def test_the_page_proposes_then_books_the_series(iv_ready):
    practice, chairs, iv, plan = iv_ready
    monday = b.next_weekday(0)
    client = practice.client_for(Role.FRONT_DESK)
    url = reverse("scheduling:plan_series", args=[plan.public_id])
    page = client.get(url).content.decode()
    assert 'value="6"' in page  # count defaults to the plan's planned sessions
    data = _pattern(practice, chairs, iv, monday)
    proposed = client.post(url, {**data, "action": "propose"}).content.decode()
    assert proposed.count('class="session"') == 6
    rows = {"rows": "6"}
    for i in range(6):
        day = monday + timedelta(days=[0, 2, 4, 7, 9, 11][i])
        rows |= {
            f"s-{i}-date": day.isoformat(),
            f"s-{i}-time": "09:00",
            f"s-{i}-space": str(chairs[0].public_id),
        }
    response = client.post(url, {**data, **rows, "action": "book"})
    assert response.status_code == 302, response.content.decode()
    made = AppointmentSeries.objects.get()
    assert made.appointments.count() == 6
    assert sorted(made.appointments.values_list("session_number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_the_page_books_nothing_when_an_adjusted_session_breaks_a_rule(iv_ready):
    practice, chairs, iv, plan = iv_ready
    monday = b.next_weekday(0)
    other = PatientFactory(organisation=practice.organisation)
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[1], patient=other)
    client = practice.client_for(Role.FRONT_DESK)
    url = reverse("scheduling:plan_series", args=[plan.public_id])
    rows = {
        "rows": "2",
        "s-0-date": monday.isoformat(),
        "s-0-time": "09:00",
        "s-0-space": str(chairs[1].public_id),
        "s-1-date": (monday + timedelta(days=2)).isoformat(),
        "s-1-time": "09:00",
        "s-1-space": str(chairs[0].public_id),
    }
    page = client.post(url, {**_pattern(practice, chairs, iv, monday), **rows, "action": "book"})
    html = page.content.decode()
    assert "Nothing was booked" in html
    assert "Chair 2 is taken" in html
    assert Appointment.objects.filter(plan=plan).count() == 0
