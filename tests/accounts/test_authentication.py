"""Signing in: password then TOTP, lockout, timeouts, deactivation, reset without MFA bypass."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.accounts.services import staff_deactivate
from ketacare.audit.models import AuditEvent
from ketacare.tenancy.models import Membership, Role
from tests.factories import TEST_PASSWORD, TEST_TOTP_SECRET, make_staff

LOGIN = "/accounts/login/"
MFA = "/accounts/2fa/authenticate/"


def current_code(offset: int = 0) -> str:
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // 30 + offset))


def sign_in_with_password(client: Client, user: User, password: str = TEST_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"login": user.email, "password": password})


def test_staff_sign_in_asks_for_totp_and_then_reaches_patients(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    client = Client()
    response = sign_in_with_password(client, nurse)
    assert response.status_code == 302 and response["Location"] == MFA
    # Password alone reaches no health information.
    assert client.get("/patients/").status_code == 302
    response = client.post(MFA, {"code": current_code()})
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(actor=nurse, action="login").exists()


def test_a_new_session_key_is_issued_at_login_and_at_mfa(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    client = Client()
    client.get(LOGIN)
    before = client.session.session_key
    sign_in_with_password(client, nurse)
    after_password = client.session.session_key
    client.post(MFA, {"code": current_code()})
    after_mfa = client.session.session_key
    assert len({before, after_password, after_mfa}) == 3


def test_a_wrong_totp_code_is_refused(practice_a):
    client = Client()
    sign_in_with_password(client, practice_a.staff[Role.NURSE])
    response = client.post(MFA, {"code": "000000" if current_code() != "000000" else "111111"})
    assert response.status_code == 200
    assert client.get("/patients/").status_code == 302


def test_a_totp_code_works_only_once(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    code = current_code()
    first = Client()
    sign_in_with_password(first, nurse)
    assert first.post(MFA, {"code": code}).status_code == 302
    second = Client()
    sign_in_with_password(second, nurse)
    second.post(MFA, {"code": code})
    assert second.get("/patients/").status_code == 302


def test_a_recovery_code_signs_in_once(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    codes = RecoveryCodes.activate(nurse).get_unused_codes()
    client = Client()
    sign_in_with_password(client, nurse)
    client.post(MFA, {"code": codes[0]})
    assert client.get("/patients/").status_code == 200
    again = Client()
    sign_in_with_password(again, nurse)
    again.post(MFA, {"code": codes[0]})
    assert again.get("/patients/").status_code == 302


def test_staff_without_mfa_are_sent_to_enrol_before_any_health_information(db, practice_a):
    newcomer = make_staff(practice_a.organisation, Role.NURSE, mfa=False)
    client = Client()
    sign_in_with_password(client, newcomer)
    for url in ("/patients/", f"/patients/{practice_a.patient.public_id}/", "/audit/"):
        response = client.get(url)
        assert (
            response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
        )
    api = client.get(f"/api/patients/{practice_a.patient.public_id}")
    assert api.status_code == 403
    assert b"Quillfeather" not in api.content


def test_staff_cannot_switch_their_totp_off(practice_a):
    client = practice_a.client_for(Role.NURSE)
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=practice_a.staff[Role.NURSE], type="totp").exists()


def test_repeated_failures_lock_the_account_at_the_login_page(practice_a, settings):
    nurse = practice_a.staff[Role.NURSE]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_with_password(client, nurse, password="wrong-password-123")
    response = sign_in_with_password(client, nurse)  # the right password, too late
    assert response.status_code == 429
    assert AccessAttempt.objects.filter(username=nurse.email).exists()
    assert AuditEvent.objects.filter(action="login_failed").count() >= settings.AXES_FAILURE_LIMIT


def test_the_admin_login_goes_through_the_same_throttled_mfa_sign_in(db, settings):
    admin = User.objects.create_superuser("root-admin@example.test", TEST_PASSWORD)
    client = Client()
    # Django's own admin login form is never reached: it would skip MFA.
    response = client.post("/admin/login/", {"username": admin.email, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/admin/").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_with_password(client, admin, password="nope-nope-nope")
    assert sign_in_with_password(client, admin).status_code == 429


def test_a_failed_sign_in_does_not_say_whether_the_account_exists(practice_a):
    known = Client().post(
        LOGIN, {"login": practice_a.staff[Role.NURSE].email, "password": "x" * 12}
    )
    unknown = Client().post(LOGIN, {"login": "nobody@example.test", "password": "x" * 12})
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(rb'name="(csrfmiddlewaretoken|login)"[^>]*>|"X-CSRFToken": "[^"]*"')
    assert strip.sub(b"", known.content).replace(
        practice_a.staff[Role.NURSE].email.encode(), b""
    ) == strip.sub(b"", unknown.content).replace(b"nobody@example.test", b"")


def test_idle_sessions_end_after_the_organisation_timeout(practice_a):
    org = practice_a.organisation
    org.idle_timeout_minutes = 10
    org.save()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = practice_a.client_for(Role.NURSE)
        assert client.get("/patients/").status_code == 200
        clock.shift(timedelta(minutes=9))
        assert client.get("/patients/").status_code == 200
        clock.shift(timedelta(minutes=11))
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert client.get("/patients/").status_code == 302


def test_a_screen_refreshing_itself_does_not_keep_the_session_open(practice_a):
    # The floor board and the live vitals chart poll every few seconds; only a person's own
    # requests count as activity, so an unattended tablet still signs out.
    org = practice_a.organisation
    org.idle_timeout_minutes = 10
    org.save()
    background = {"HTTP_X_KETACARE_BACKGROUND": "1"}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = practice_a.client_for(Role.NURSE)
        assert client.get("/patients/").status_code == 200
        for _ in range(5):
            clock.shift(timedelta(minutes=2))
            assert client.get("/patients/", **background).status_code == 200
        clock.shift(timedelta(minutes=1))
        response = client.get("/patients/", **background)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_the_idle_timeout_can_never_exceed_30_minutes(practice_a):
    from django.core.exceptions import ValidationError

    org = practice_a.organisation
    org.idle_timeout_minutes = 45
    with pytest.raises(ValidationError):
        org.full_clean()


def test_sessions_end_after_the_absolute_lifetime_even_when_active(practice_a, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = practice_a.client_for(Role.NURSE)
        for _ in range(settings.KETACARE_SESSION_ABSOLUTE_HOURS * 6):
            clock.shift(timedelta(minutes=10))
            client.get("/patients/")
        clock.shift(timedelta(minutes=10))
        response = client.get("/patients/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_deactivating_a_user_ends_their_sessions_at_once(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    client = Client()
    sign_in_with_password(client, nurse)
    client.post(MFA, {"code": current_code()})
    assert client.get("/patients/").status_code == 200
    session_key = client.session.session_key
    admin = Client()
    admin.force_login(practice_a.staff[Role.ORG_ADMIN])
    membership = Membership.objects.get(user=nurse)
    response = admin.post(f"/staff/{membership.public_id}/deactivate/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/patients/").status_code == 302
    nurse.refresh_from_db()
    assert nurse.is_active is False
    assert AuditEvent.objects.filter(action="deactivate", object_id=str(nurse.public_id)).exists()


def test_only_an_org_admin_may_deactivate_staff(practice_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        staff_deactivate(
            actor=practice_a.staff[Role.NURSE],
            membership=Membership.objects.get(user=practice_a.staff[Role.BILLING]),
        )


def test_password_reset_does_not_bypass_mfa(practice_a):
    nurse = practice_a.staff[Role.NURSE]
    client = Client()
    client.post("/accounts/password/reset/", {"email": nurse.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link
    response = client.get(link.group(1), follow=True)
    new_password = "a-brand-new-passphrase-77"
    response = client.post(
        response.redirect_chain[-1][0] if response.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 302  # not signed in by the reset
    signin = sign_in_with_password(client, nurse, password=new_password)
    assert signin["Location"] == MFA


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from ketacare import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_no_default_accounts_exist_after_migrate(db):
    assert not User.objects.filter(email__in=["admin", "root", "admin@localhost"]).exists()
    assert User.objects.count() == 0


def test_a_patient_account_reaches_no_staff_page(practice_a):
    patient_user = User.objects.create_user("portal@example.test", TEST_PASSWORD, kind="patient")
    practice_a.patient.portal_user = patient_user
    practice_a.patient.save()
    client = Client()
    client.force_login(patient_user)
    # The staff area is closed to patient accounts as a whole, the same for every record.
    for url in ("/patients/", f"/patients/{practice_a.patient.public_id}/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 403 and b"Quillfeather" not in response.content
    assert client.get(f"/api/patients/{practice_a.patient.public_id}").status_code == 403
    assert client.get("/").status_code == 200  # the (coming) portal's start page, not a 2FA prompt


def test_pages_tell_the_browser_when_the_idle_warning_is_due(practice_a):
    practice_a.organisation.idle_timeout_minutes = 20
    practice_a.organisation.save()
    client = practice_a.client_for(Role.NURSE)
    page = client.get("/patients/")
    assert b'data-idle-seconds="1200"' in page.content
    assert b'id="idle-warning"' in page.content
    assert client.post("/session/keep-alive").status_code == 204
    assert client.get("/session/keep-alive").status_code == 405
