"""`ketacare seal_audit [--every N]`: link pending audit events into their chains."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketacare.audit.chain import seal_pending_events


class Command(BaseCommand):
    help = "Seal pending audit events into their organisation's chain (once, or every N seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sealed = seal_pending_events()
            if sealed:
                self.stdout.write(f"sealed {sealed} audit events")
            if not options["every"]:
                return
            time.sleep(options["every"])
