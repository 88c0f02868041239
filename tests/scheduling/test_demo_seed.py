"""The demo scheduling seed: types, ratio, rota, closures and a spread of appointments, all
through the services; running it again adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from ketacare.demo.scheduling_seed import seed_scheduling
from ketacare.scheduling.models import Appointment, AppointmentStatus, ClinicClosure, StaffShift
from ketacare.tenancy.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_scheduling_seed_builds_a_believable_calendar_once():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    org = Organisation.objects.get(slug="lakeside")
    first = seed_scheduling(org)
    assert first["appointment_types"] == 6
    statuses = set(Appointment.objects.filter(organisation=org).values_list("status", flat=True))
    assert AppointmentStatus.COMPLETED in statuses and AppointmentStatus.BOOKED in statuses
    assert Appointment.objects.filter(organisation=org, plan__isnull=False).count() >= 12
    assert Appointment.objects.filter(organisation=org, kind="consultation").exists()
    assert ClinicClosure.objects.filter(organisation=org).exists()
    assert StaffShift.objects.filter(organisation=org).count() > 20
    again = seed_scheduling(org)
    assert again == first
    for other in Organisation.objects.exclude(pk=org.pk).filter(clinics__isnull=False).distinct():
        made = seed_scheduling(other)  # a practice without active plans still gets its calendar
        assert made["appointment_types"] == 6 and seed_scheduling(other) == made
