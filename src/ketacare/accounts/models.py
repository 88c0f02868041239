"""People who sign in: staff (who work in an organisation) and patients (portal)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserKind(models.TextChoices):
    STAFF = "staff", "Staff"
    PATIENT = "patient", "Patient"


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, kind=UserKind.STAFF)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address. Never deleted: deactivated instead."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=254)
    full_name = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=10, choices=UserKind.choices, default=UserKind.STAFF)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May open the Django admin (a separate admin identity)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_unique_ci",
                violation_error_message="A user with this e-mail address already exists.",
            ),
            models.CheckConstraint(
                condition=~(models.Q(kind="patient") & models.Q(is_staff=True)),
                name="accounts_user_patient_never_admin",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        """The name to show (Django's admin and templates ask for it by this name)."""
        return self.full_name or self.email

    @property
    def is_patient_account(self) -> bool:
        return self.kind == UserKind.PATIENT


class UserSession(models.Model):
    """Which server-side session belongs to whom, so deactivation can end them all at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"session of {self.user_id}"
