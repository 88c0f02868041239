"""Bookkeeping on sign-in and sign-out: which sessions a user has, and the audit of auth events.

These are infrastructure (who is signed in), not domain rules.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from ketacare.accounts.middleware import LAST_SEEN_KEY, MFA_SEEN_KEY, SIGNED_IN_AT_KEY
from ketacare.accounts.models import User, UserSession
from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_auth_event


@receiver(user_logged_in)
def remember_session(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if request is not None:
        now = time.time()
        request.session[SIGNED_IN_AT_KEY] = now
        request.session[LAST_SEEN_KEY] = now
        request.session.pop(MFA_SEEN_KEY, None)
    if request is not None and request.session.session_key:
        UserSession.objects.get_or_create(
            session_key=request.session.session_key, defaults={"user": user}
        )
    record_auth_event(user=user, action=AuditAction.LOGIN)


@receiver(user_logged_out)
def forget_session(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    if user is not None:
        record_auth_event(user=user, action=AuditAction.LOGOUT)


@receiver(user_login_failed)
def note_failed_login(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    record_auth_event(user=None, action=AuditAction.LOGIN_FAILED)
