"""Twenty front-desk people book the clinic's last free chair at the same instant: exactly one
gets it and nineteen are told it is taken (PostgreSQL; each thread its own connection)."""

from __future__ import annotations

import threading
from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from ketacare.scheduling import services
from ketacare.scheduling.models import Appointment
from ketacare.tenancy.models import Role
from tests.factories import PatientFactory
from tests.scheduling import builders as b

ATTEMPTS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_attempts_on_the_last_chair_book_exactly_one(practice_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL test; SQLite serialises writers anyway")
    chairs = b.open_clinic(practice_a, chairs=2)
    iv = b.iv_type(practice_a)
    b.set_ratio(practice_a, 20)
    monday = b.next_weekday(0)
    b.book(practice_a, iv, b.local(monday, time(9)), space=chairs[0])  # chair 1 is full
    patients = [PatientFactory(organisation=practice_a.organisation) for _ in range(ATTEMPTS)]
    desk = practice_a.staff[Role.FRONT_DESK]
    nurse = practice_a.staff[Role.NURSE].membership
    start = b.local(monday, time(9))
    barrier = threading.Barrier(ATTEMPTS)
    booked: list[str] = []
    refused: list[dict[str, list[str]]] = []
    crashed: list[BaseException] = []

    def attempt(patient) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=30)
            made = services.appointment_book(
                actor=desk,
                booking=services.Booking(practice_a.clinic, iv, patient, start, chairs[1], nurse),
            )
            booked.append(str(made.public_id))
        except ValidationError as exc:
            refused.append(exc.message_dict)
        except BaseException as exc:  # noqa: BLE001 - reported below
            crashed.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashed, crashed
    assert len(booked) == 1
    assert len(refused) == ATTEMPTS - 1
    assert all("Chair 2 is taken" in r["space"][0] for r in refused)
    assert Appointment.objects.filter(space=chairs[1]).count() == 1
