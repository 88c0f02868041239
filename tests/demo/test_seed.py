import pytest
from django.core.management import call_command

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEvent
from ketacare.measures.models import Assessment
from ketacare.patients.models import Consent, Medication, Patient, PriorTreatmentTrial
from ketacare.tenancy.models import Clinic, Membership, Organisation, Role

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Organisation, Clinic, User, Patient, Medication, Assessment, AuditEvent)
    )


def test_the_demo_seed_builds_two_practices_and_running_it_again_duplicates_nothing():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first

    lakeside = Organisation.objects.get(slug="lakeside")
    palos_hills = Clinic.objects.get(organisation=lakeside, zip_code="60465")
    assert palos_hills.city == "Palos Hills" and palos_hills.latitude is not None
    assert Clinic.objects.filter(organisation=lakeside).count() == 3
    assert Patient.objects.filter(organisation=lakeside).count() >= 60
    assert Patient.objects.filter(organisation__slug="harbor").exists()
    roles = set(Membership.objects.filter(organisation=lakeside).values_list("role", flat=True))
    assert roles == set(Role.values)
    for model in (Medication, PriorTreatmentTrial, Consent, Assessment):
        assert model.objects.filter(organisation=lakeside).exists(), model
    assert not User.objects.filter(email__in=["admin", "root"]).exists()
    # The demo practices can discharge after every route: their own observation minimums are
    # set (a real practice sets its own on the Treatment-day settings page).
    for practice in Organisation.objects.all():
        day = practice.settings["treatment_day"]
        assert day["minimum_observation_minutes"]["iv"] > 0
        assert practice.settings["vital_alerts"]["systolic_above"] == 180  # S39's cut-off
