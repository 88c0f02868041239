"""factory_boy factories for synthetic test data."""

from __future__ import annotations

from datetime import date

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from ketacare.accounts.models import User
from ketacare.patients.models import Patient
from ketacare.patients.selectors import name_key
from ketacare.tenancy.models import Clinic, Membership, Organisation, Role

TEST_PASSWORD = "quiet-harbour-2291-test"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Clinic {n}")
    address_line1 = "1 Test Way"
    city = "Palos Hills"
    state = "IL"
    zip_code = "60465"
    phone = "(555) 010-0000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Staff Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def mfa(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        self.save()
        if create and extracted is not False:
            TOTP.activate(self, TEST_TOTP_SECRET)


def make_staff(
    organisation: Organisation, role: str, *, mfa: bool = True, email: str | None = None
) -> User:
    user = UserFactory(mfa=mfa, **({"email": email} if email else {}))
    Membership.objects.create(
        user=user,
        organisation=organisation,
        role=role,
        licence_number="LIC-1" if role == Role.PRESCRIBER else "",
    )
    return user


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    organisation = factory.SubFactory(OrganisationFactory)
    mrn = factory.Sequence(lambda n: f"T{n:06d}")
    legal_first_name = factory.Sequence(lambda n: f"Firstname{n}")
    legal_last_name = factory.Sequence(lambda n: f"Lastname{n}")
    date_of_birth = date(1980, 5, 17)
    sex_assigned_at_birth = "female"
    last_name_key = factory.LazyAttribute(lambda p: name_key(p.legal_last_name))
    first_name_key = factory.LazyAttribute(lambda p: name_key(p.legal_first_name))


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
