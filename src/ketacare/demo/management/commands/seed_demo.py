"""`ketacare seed_demo`: the demo practice, its staff and synthetic patients (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketacare.demo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, ROLES, seed_demo


class Command(BaseCommand):
    help = "Seed the demo organisations, clinics, staff and synthetic patients."

    def handle(self, *args: Any, **options: Any) -> None:
        added = seed_demo()
        for slug, count in added.items():
            self.stdout.write(f"{slug}: {count} new synthetic patients")
        self.stdout.write("")
        self.stdout.write("Demo sign-in (synthetic data only):")
        for _, handle, name in ROLES:
            self.stdout.write(f"  {handle}@lakeside.test   ({name})")
        self.stdout.write("  ...and the same roles @harbor.test (a second practice, for isolation)")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        self.stdout.write(f"  two-factor: add secret {DEMO_TOTP_SECRET} to an authenticator app,")
        self.stdout.write(
            "              or run `.venv/bin/ketacare demo_totp` for the current code"
        )
