"""The booking rules read in bulk: a proposed series loads what the rules need once for its
whole range and checks each session in memory, with the same rules and the same messages as a
single booking; the number of queries does not grow with the sessions."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.scheduling import series, services
from ketacare.tenancy.models import Role
from tests.factories import PatientFactory
from tests.scheduling import builders as b
from tests.treatment.builders import active_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(practice_a):  # type: ignore[no-untyped-def]
    """A ratio of one, and another patient's session with the same nurse on the second
    Wednesday: that session of the series breaks the ratio."""
    chairs = b.open_clinic(practice_a, chairs=2)
    iv = b.iv_type(practice_a)
    b.set_ratio(practice_a, 1)
    plan = active_plan(practice_a)
    monday = b.next_weekday(0)
    other = PatientFactory(organisation=practice_a.organisation)
    b.book(practice_a, iv, b.local(monday + timedelta(days=9), time(9)), space=chairs[1],
           patient=other)  # fmt: skip
    return practice_a, chairs, iv, plan, monday


def _propose(practice, plan, iv, monday, chair, count):  # type: ignore[no-untyped-def]
    return series.series_propose(
        actor=practice.staff[Role.FRONT_DESK], plan=plan, clinic=practice.clinic,
        appointment_type=iv, first_date=monday, weekdays=(0, 2, 4), local_time=time(9),
        space=chair, staff=practice.staff[Role.NURSE].membership, count=count,
    )  # fmt: skip


def test_the_proposal_reads_as_many_queries_for_two_sessions_as_for_twelve(busy):
    practice, chairs, iv, plan, monday = busy
    _propose(practice, plan, iv, monday, chairs[0], 1)  # warm the plan's and actor's caches
    counts = {}
    for count in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            proposal = _propose(practice, plan, iv, monday, chairs[0], count)
        assert len(proposal.sessions) == count
        counts[count] = len(queries)
    assert counts[2] == counts[12]


def test_each_proposed_session_gets_what_a_single_booking_check_answers(busy):
    practice, chairs, iv, plan, monday = busy
    proposal = _propose(practice, plan, iv, monday, chairs[0], 6)
    nurse = practice.staff[Role.NURSE].membership
    for session in proposal.sessions:
        booking = services.Booking(practice.clinic, iv, plan.patient, session.starts_at,
                                   chairs[0], nurse)  # fmt: skip
        assert session.problems == services.booking_problems(booking)
    broken = [s for s in proposal.sessions if not s.bookable]
    assert [s.local_date for s in broken] == [monday + timedelta(days=9)]
    assert "more than 1 patients" in broken[0].problems["staff"][0]


def test_facts_loaded_for_one_booking_refuse_to_answer_for_another(busy):
    practice, chairs, iv, plan, monday = busy
    nurse = practice.staff[Role.NURSE].membership
    start = b.local(monday, time(9))
    facts = services.booking_facts(
        clinic=practice.clinic, appointment_type=iv, patient=plan.patient, space=chairs[0],
        staff=nurse, start=start, end=start + timedelta(hours=2),
    )  # fmt: skip
    later = services.Booking(practice.clinic, iv, plan.patient, start + timedelta(days=1),
                             chairs[0], nurse)  # fmt: skip
    with pytest.raises(ValueError, match="another booking"):
        services.booking_problems(later, facts=facts)
    other_chair = services.Booking(practice.clinic, iv, plan.patient, start, chairs[1], nurse)
    with pytest.raises(ValueError, match="another booking"):
        services.booking_problems(other_chair, facts=facts)
    same = services.Booking(practice.clinic, iv, plan.patient, start, chairs[0], nurse)
    with CaptureQueriesContext(connection) as queries:
        assert services.booking_problems(same, facts=facts) == {}
    assert len(queries) == 0
