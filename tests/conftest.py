"""Personas: every role of organisation A, every role of organisation B, and their patients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.test import Client

from ketacare.accounts.models import User
from ketacare.patients.models import Patient
from ketacare.tenancy.models import Clinic, Organisation, Role
from tests.factories import ClinicFactory, OrganisationFactory, PatientFactory, make_staff


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    # Argon2 is the production hasher (tested in tests/test_settings.py); MD5 keeps tests fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Practice:
    organisation: Organisation
    clinic: Clinic
    staff: dict[str, User]
    patient: Patient

    def client_for(self, role: str) -> Client:
        client = Client()
        client.force_login(self.staff[role])
        return client


def _practice(name: str, patient_first_name: str, patient_last_name: str) -> Practice:
    org = OrganisationFactory(name=name)
    clinic = ClinicFactory(organisation=org)
    staff = {role.value: make_staff(org, role.value) for role in Role}
    patient = PatientFactory(
        organisation=org,
        legal_first_name=patient_first_name,
        legal_last_name=patient_last_name,
        preferred_clinic=clinic,
        last_name_key=patient_last_name.lower(),
        first_name_key=patient_first_name.lower(),
    )
    return Practice(org, clinic, staff, patient)


@pytest.fixture
def practice_a(db) -> Practice:  # type: ignore[no-untyped-def]
    return _practice("Practice A", "Marigold", "Quillfeather")


@pytest.fixture
def practice_b(db) -> Practice:  # type: ignore[no-untyped-def]
    return _practice("Practice B", "Juniper", "Brightwater")


@pytest.fixture
def nurse_client(practice_a: Practice) -> Client:
    return practice_a.client_for(Role.NURSE)
