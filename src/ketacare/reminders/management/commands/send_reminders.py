"""`ketacare send_reminders [--every N]`: send every due reminder once (see
`ketacare.reminders.sending` for how a killed worker is recovered)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from ketacare.reminders.sending import send_due_reminders


class Command(BaseCommand):
    help = "Send due reminders, confirmations and escort requests (once, or every N seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            close_old_connections()
            settled = send_due_reminders()
            if settled:
                self.stdout.write(f"settled {settled} reminders")
                self.stdout.flush()
            if not options["every"]:
                return
            time.sleep(options["every"])
