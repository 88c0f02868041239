"""allauth hooks: nobody signs themselves up as staff, and staff can never switch MFA off."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff accounts are created by an organisation admin; patients are invited later.
        return False

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        # The password was right: issue a new session key before the TOTP step, as Django's
        # login() will again after it, so no key survives a change of authentication state.
        request.session.cycle_key()
        response: HttpResponse | None = super().pre_login(request, user, **kwargs)
        return response


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user: Any = authenticator.user
        if user.kind == "staff" and authenticator.type == Authenticator.Type.TOTP:
            return False
        return bool(super().can_delete_authenticator(authenticator))
