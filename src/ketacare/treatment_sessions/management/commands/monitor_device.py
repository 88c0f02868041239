"""`ketacare monitor_device issue|revoke|list`: register bedside monitors and their API tokens.

    ketacare monitor_device issue --by admin@clinic.example --clinic <clinic id> --name "Bay 3"
    ketacare monitor_device revoke --by admin@clinic.example <device public id>
    ketacare monitor_device list --by admin@clinic.example

The token is printed once, on issue; only its hash is stored. The acting administrator is named
with --by (the audit trail records who issued or revoked), and needs the permission to manage
staff in their organisation.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from ketacare.accounts.models import User
from ketacare.tenancy.access import require_membership
from ketacare.tenancy.models import Clinic
from ketacare.treatment_sessions import devices
from ketacare.treatment_sessions.models import MonitorDevice


class Command(BaseCommand):
    help = "Issue, revoke or list bedside-monitor API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["issue", "revoke", "list"])
        parser.add_argument("device", nargs="?", help="the device's public id (revoke)")
        parser.add_argument("--by", required=True, help="e-mail of the acting administrator")
        parser.add_argument("--clinic", help="the clinic's public id (issue)")
        parser.add_argument("--name", help="the monitor's name, e.g. its bay (issue)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(email__iexact=options["by"], is_active=True).first()
        if actor is None:
            raise CommandError("No active user with that e-mail.")
        try:
            organisation_id = require_membership(actor).organisation_id
            if options["action"] == "issue":
                clinic = Clinic.objects.filter(
                    public_id=options["clinic"] or "", organisation_id=organisation_id
                ).first()
                if clinic is None:
                    raise CommandError("No such clinic in your organisation (--clinic).")
                device, token = devices.device_issue(
                    actor=actor, clinic=clinic, name=options["name"] or ""
                )
                self.stdout.write(f"monitor {device.public_id} ({device.name}, {clinic.name})")
                self.stdout.write(f"token (shown once, store it in the monitor): {token}")
            elif options["action"] == "revoke":
                found = MonitorDevice.objects.filter(
                    public_id=options["device"] or "", organisation_id=organisation_id
                ).first()
                if found is None:
                    raise CommandError("No such monitor in your organisation.")
                devices.device_revoke(actor=actor, device=found)
                self.stdout.write(f"revoked monitor {found.public_id} ({found.name})")
            else:
                for d in MonitorDevice.objects.filter(organisation_id=organisation_id):
                    state = "active" if d.active else f"revoked {d.revoked_at:%Y-%m-%d}"
                    self.stdout.write(f"{d.public_id}  {d.clinic_id}  {d.name}  {state}")
        except (ValidationError, PermissionDenied, Http404) as exc:
            raise CommandError(str(exc)) from exc
