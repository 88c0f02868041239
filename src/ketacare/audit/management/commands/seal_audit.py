"""`ketacare seal_audit [--every N] [--full]`: link pending audit events into their chains.

Each cycle looks at the events above the settled mark; once an hour (or with --full) it looks
at every event (audit.chain says why)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketacare.audit.chain import seal_pending_events


class Command(BaseCommand):
    help = "Seal pending audit events into their organisation's chain (once, or every N seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")
        parser.add_argument(
            "--full", action="store_true", help="look at every event now, not only the new ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sealed = seal_pending_events(full=True if options["full"] else None)
            options["full"] = False
            if sealed:
                self.stdout.write(f"sealed {sealed} audit events")
            if not options["every"]:
                return
            time.sleep(options["every"])
