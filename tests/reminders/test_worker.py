"""The real sender, killed with SIGKILL mid-run and started again, sends every due reminder
exactly once: one message per idempotency key, every row marked sent.

The worker is a subprocess (`ketacare send_reminders --every`) on the same database as the
test: the PostgreSQL test database itself, or, on SQLite (whose test database lives in
memory), a file copy of it made with VACUUM INTO. The file backends model a provider with
idempotency keys and are slowed (KETACARE_MESSAGING_DELAY), half before and half after a
message is accepted, so that the kill lands in the worst window: delivered, not yet marked.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from ketacare.reminders.models import Channel, Reminder, ReminderKind, ReminderStatus
from tests.reminders import builders as rb

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 40
DELAY = 0.12  # seconds per message


def _database_url(tmp_path: Path) -> tuple[str, Path | None]:
    if connection.vendor == "sqlite":
        copy = tmp_path / "worker.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        return f"sqlite:///{copy}", copy
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}", None


def _rows(copy: Path | None) -> dict[str, tuple[str, str]]:
    """idempotency key → (status, last_error), from the database the worker used."""
    if copy is None:
        return {r.idempotency_key: (r.status, r.last_error) for r in Reminder.objects.all()}
    with sqlite3.connect(copy) as db:
        return {
            key: (status, error)
            for key, status, error in db.execute(
                "SELECT idempotency_key, status, last_error FROM reminders_reminder"
            )
        }


def _delivered(var: Path) -> list[str]:
    """The idempotency key written inside each delivered message (one file per message)."""
    keys = []
    for folder, suffix in ((var / "sms", ".txt"), (var / "mail", ".eml")):
        for path in folder.glob(f"*{suffix}") if folder.exists() else []:
            for line in path.read_text().splitlines():
                if line.startswith(("Idempotency-Key: ", "X-Idempotency-Key: ")):
                    keys.append(line.split(": ", 1)[1].strip())
                    break
    return keys


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603  (our own interpreter and command)
        [sys.executable, "-m", "ketacare.cli", "send_reminders", "--every", "0.2"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait(condition, seconds: float, every: float = 0.005) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def test_a_killed_worker_sends_every_due_reminder_exactly_once_after_restart(practice_a, tmp_path):
    rb.reachable(practice_a)
    appointment = rb.book_session(practice_a, kind="iv")
    Reminder.objects.all().delete()  # only the rows below
    past = timezone.now() - timedelta(minutes=5)
    for n in range(COUNT):
        channel = Channel.EMAIL if n % 4 == 0 else Channel.SMS
        Reminder.objects.create(
            organisation=practice_a.organisation,
            appointment=appointment,
            kind=ReminderKind.APPOINTMENT,
            channel=channel,
            hours_before=2,
            due_at=past + timedelta(seconds=n),
            idempotency_key=f"crash-test-{n:03d}-{channel}",
        )
    url, copy = _database_url(tmp_path)
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketacare.settings",
        "DATABASE_URL": url,
        "KETACARE_VAR_DIR": str(var),
        "SMS_BACKEND": "ketacare.messaging.sms.FileSmsBackend",
        "EMAIL_BACKEND": "ketacare.messaging.outbox.IdempotentFileEmailBackend",
        "KETACARE_MESSAGING_DELAY": str(DELAY),
    }
    log = tmp_path / "worker.log"
    worker = _start(env, log)
    try:
        # Let a third go out, then kill the worker just after a message was accepted: it is
        # then waiting on the slow provider, before its transaction commits.
        assert _wait(lambda: len(_delivered(var)) >= COUNT // 3, 60), log.read_text()
        seen = len(_delivered(var))
        assert _wait(lambda: len(_delivered(var)) > seen, 10), log.read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        at_kill = _delivered(var)
        assert len(at_kill) < COUNT  # the kill really was mid-run

        worker = _start(env, log)
        done = _wait(lambda: all(s == ReminderStatus.SENT for s, _ in _rows(copy).values()), 90)
        assert done, log.read_text()
    finally:
        worker.kill()
        worker.wait(10)

    delivered = _delivered(var)
    rows = _rows(copy)
    assert len(rows) == COUNT
    assert sorted(delivered) == sorted(rows)  # one message per key, no more, none missing
    assert len(set(delivered)) == len(delivered) == COUNT
    # The message delivered just before the kill was sent again after the restart, and the
    # provider refused it as a duplicate: the row was marked sent without a second message.
    refused = [
        key for key, (_, error) in rows.items() if error == "already accepted by the provider"
    ]
    assert refused, "the kill did not land between delivery and commit"
    assert set(refused) <= set(at_kill)
