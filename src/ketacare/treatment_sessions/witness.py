"""A witness to a controlled-substance waste, authenticated on the nurse's tablet (the screen)
or in the nurse's API request, without signing them in."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from ketacare.accounts.models import User


def authenticated_witness(request: HttpRequest, email: str, password: str) -> User | None:
    """The witness, if their e-mail and password are right; None if not. Through Django's
    authenticate, so django-axes counts a wrong password against the witness's account and locks
    it after repeated failures, as at sign-in (the screen and the API both use this)."""
    witness = authenticate(request, email=email, password=password)
    if getattr(request, "axes_locked_out", False):
        # The witness's account is locked, not the nurse's: the caller answers, not axes'
        # sign-in lockout page (its middleware looks at this flag after the view).
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise ValidationError(
            {
                "witness_email": [
                    "This witness's account is locked after repeated wrong passwords: ask "
                    "another witness, or an administrator to unlock it."
                ]
            }
        )
    return witness if isinstance(witness, User) else None
