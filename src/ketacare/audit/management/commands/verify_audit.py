"""`ketacare verify_audit`: check every audit chain; exit non-zero naming the first broken event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ketacare.audit.chain import verify_chains


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains. Pending (unsealed) events are listed apart."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chains()
        for chain in report.chains:
            if chain.broken_event_id is not None:
                self.stderr.write(
                    f"{chain.chain}: BROKEN at audit event {chain.broken_event_id}: {chain.problem}"
                )
            else:
                self.stdout.write(
                    f"{chain.chain}: {chain.sealed} sealed events valid, {chain.pending} pending"
                )
        if not report.ok:
            first = next(c for c in report.chains if c.broken_event_id is not None)
            raise CommandError(f"audit chain broken at event {first.broken_event_id}")
        self.stdout.write("audit trail verified")
