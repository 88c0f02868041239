"""The booking rules, each refused with the rule named at its field and nothing stored."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from ketacare.scheduling import services
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.tenancy.models import Role
from tests.factories import PatientFactory
from tests.scheduling import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(practice_a):  # type: ignore[no-untyped-def]
    chairs = b.open_clinic(practice_a, chairs=3)
    iv = b.iv_type(practice_a)
    b.set_ratio(practice_a, 2)
    return practice_a, chairs, iv, b.next_weekday(0)


def _someone(practice):  # type: ignore[no-untyped-def]
    return PatientFactory(organisation=practice.organisation)


def _refused(call):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def test_a_chair_holds_one_patient_at_a_time(ready):
    practice, chairs, iv, monday = ready
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    errors = _refused(
        lambda: b.book(
            practice, iv, b.local(monday, time(10)), space=chairs[0], patient=_someone(practice)
        )
    )
    assert "Chair 1 is taken" in errors["space"][0]
    assert Appointment.objects.count() == 1


def test_back_to_back_bookings_in_a_chair_are_allowed(ready):
    practice, chairs, iv, monday = ready
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    b.book(practice, iv, b.local(monday, time(11)), space=chairs[0], patient=_someone(practice))
    assert Appointment.objects.count() == 2


def test_cancelling_frees_the_chair(ready):
    practice, chairs, iv, monday = ready
    first = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    services.appointment_transition(
        actor=practice.staff[Role.FRONT_DESK], appointment=first, to="cancelled", reason="Unwell"
    )
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0], patient=_someone(practice))
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_a_no_show_needs_a_reason(ready):
    practice, chairs, iv, monday = ready
    first = b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    errors = _refused(
        lambda: services.appointment_transition(
            actor=practice.staff[Role.FRONT_DESK], appointment=first, to="no_show"
        )
    )
    assert "reason" in errors


def test_the_nurse_ratio_limits_patients_watched_at_once(ready):
    practice, chairs, iv, monday = ready
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[1], patient=_someone(practice))
    errors = _refused(
        lambda: b.book(
            practice, iv, b.local(monday, time(10)), space=chairs[2], patient=_someone(practice)
        )
    )
    assert "more than 2 patients at once" in errors["staff"][0]


def test_no_treatment_is_booked_before_the_ratio_is_set(practice_a):
    chairs = b.open_clinic(practice_a)
    iv = b.iv_type(practice_a)
    errors = _refused(
        lambda: b.book(practice_a, iv, b.local(b.next_weekday(0), time(9)), space=chairs[0])
    )
    assert "patients-per-nurse ratio" in errors["staff"][0]


def test_esketamine_needs_a_prescriber_on_the_rota_for_the_whole_session(ready):
    practice, chairs, _, monday = ready
    esk = b.esketamine_type(practice)
    errors = _refused(lambda: b.book(practice, esk, b.local(monday, time(9)), space=chairs[0]))
    assert "No prescriber is on the rota" in errors["starts_at"][0]
    b.on_rota(practice, Role.PRESCRIBER, monday, time(8), time(10))
    errors = _refused(lambda: b.book(practice, esk, b.local(monday, time(9)), space=chairs[0]))
    assert "No prescriber" in errors["starts_at"][0]  # 09:00–11:30 outlasts the shift
    b.on_rota(practice, Role.PRESCRIBER, monday + timedelta(days=1))
    b.book(practice, esk, b.local(monday + timedelta(days=1), time(9)), space=chairs[0])


def test_iv_sessions_keep_the_types_minimum_interval(ready):
    practice, chairs, iv, monday = ready
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    errors = _refused(
        lambda: b.book(practice, iv, b.local(monday + timedelta(days=1), time(9)), space=chairs[0])
    )
    assert "at least 48 h apart" in errors["starts_at"][0]
    b.book(practice, iv, b.local(monday + timedelta(days=2), time(9)), space=chairs[0])


def test_the_weekly_limit_counts_the_patients_week(ready):
    practice, chairs, _, monday = ready
    esk = b.esketamine_type(practice)
    for offset in range(6):
        b.on_rota(practice, Role.PRESCRIBER, monday + timedelta(days=offset))
    b.book(practice, esk, b.local(monday, time(9)), space=chairs[0])
    b.book(practice, esk, b.local(monday + timedelta(days=2), time(9)), space=chairs[0])
    errors = _refused(
        lambda: b.book(practice, esk, b.local(monday + timedelta(days=4), time(9)), space=chairs[0])
    )
    assert "at most 2 a week" in errors["starts_at"][0]


def test_a_closed_day_refuses_bookings(ready):
    practice, chairs, iv, monday = ready
    services.clinic_closure_add(
        actor=practice.staff[Role.FRONT_DESK], clinic=practice.clinic, day=monday, reason="Holiday"
    )
    errors = _refused(lambda: b.book(practice, iv, b.local(monday, time(9)), space=chairs[0]))
    assert "closed" in errors["starts_at"][0] and "Holiday" in errors["starts_at"][0]


def test_outside_hours_is_refused_in_the_clinics_time(ready):
    practice, chairs, iv, monday = ready
    errors = _refused(lambda: b.book(practice, iv, b.local(monday, time(17)), space=chairs[0]))
    assert "17:00–19:00 is outside" in errors["starts_at"][0]
    sunday = monday + timedelta(days=6)
    errors = _refused(lambda: b.book(practice, iv, b.local(sunday, time(9)), space=chairs[0]))
    assert "not open on Sundays" in errors["starts_at"][0]


def test_hours_hold_in_local_time_across_the_dst_change(ready):
    practice, chairs, iv, _ = ready
    before, after = date(2027, 3, 12), date(2027, 3, 15)  # Fri before, Mon after 14 March 2027
    one = b.book(practice, iv, b.local(before, time(8)), space=chairs[0])
    two = b.book(practice, iv, b.local(after, time(8)), space=chairs[0])
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.starts_at.astimezone(UTC).hour == 14 and two.starts_at.astimezone(UTC).hour == 13
    errors = _refused(
        lambda: b.book(practice, iv, b.local(after + timedelta(days=2), time(7)), space=chairs[0])
    )
    assert "07:00–09:00 is outside" in errors["starts_at"][0]


def test_an_end_before_the_start_is_refused(ready):
    practice, chairs, iv, monday = ready
    booking = services.Booking(
        clinic=practice.clinic,
        appointment_type=iv,
        patient=practice.patient,
        starts_at=b.local(monday, time(10)),
        space=chairs[0],
        staff=practice.staff[Role.NURSE].membership,
        ends_at=b.local(monday, time(9)),
    )
    errors = _refused(
        lambda: services.appointment_book(actor=practice.staff[Role.FRONT_DESK], booking=booking)
    )
    assert "end after it starts" in errors["ends_at"][0]
    assert not Appointment.objects.exists()


def test_a_staff_member_of_the_wrong_role_is_refused_by_name(ready):
    practice, chairs, iv, monday = ready
    errors = _refused(
        lambda: b.book(
            practice, iv, b.local(monday, time(9)), space=chairs[0], staff_role=Role.THERAPIST
        )
    )
    assert "needs a nurse" in errors["staff"][0]
    assert str(practice.staff[Role.THERAPIST]) in errors["staff"][0]


def test_the_patient_cannot_be_in_two_places(ready):
    practice, chairs, iv, monday = ready
    consult = b.consultation_type(practice)
    b.book(practice, iv, b.local(monday, time(9)), space=chairs[0])
    errors = _refused(
        lambda: b.book(practice, consult, b.local(monday, time(10)), staff_role=Role.PRESCRIBER)
    )
    assert "already has IV infusion" in errors["starts_at"][0]
