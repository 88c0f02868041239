"""Crash safety: a reading the API acknowledged survives `kill -9` of the server.

A real server (granian, as `make demo` runs it) runs against a PostgreSQL database made for this
test; the reading is posted, answered 201, the server's whole process group is SIGKILLed, and
the row is read back from the database. Skipped when PostgreSQL does not answer.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ketacare import serve

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER = "postgres://postgres@127.0.0.1:5432"
DBNAME = f"ketacare_killtest_{os.getpid()}"

# Run in the server's database by `ketacare shell -c`: a practice, a session in monitoring, and
# a signed-in nurse whose Django session has passed MFA (the middleware's flag), as a browser
# would have after signing in with TOTP.
SETUP = r"""
import json, time
from types import SimpleNamespace
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from ketacare.accounts.middleware import LAST_SEEN_KEY, MFA_SEEN_KEY, SIGNED_IN_AT_KEY
from ketacare.tenancy.models import Role
from tests.factories import ClinicFactory, OrganisationFactory, PatientFactory, make_staff
from tests.treatment_sessions.monitoring_builders import monitoring_session

org = OrganisationFactory(name="Kill test practice")
practice = SimpleNamespace(
    organisation=org,
    clinic=ClinicFactory(organisation=org),
    staff={r: make_staff(org, r) for r in (Role.NURSE, Role.PRESCRIBER, Role.FRONT_DESK)},
)
practice.patient = PatientFactory(organisation=org)
session = monitoring_session(practice, first_dose_at=timezone.now())
nurse = practice.staff[Role.NURSE]
store = SessionStore()
store[SESSION_KEY] = str(nurse.pk)
store[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
store[HASH_SESSION_KEY] = nurse.get_session_auth_hash()
store[MFA_SEEN_KEY] = True
store[SIGNED_IN_AT_KEY] = store[LAST_SEEN_KEY] = time.time()
store.create()
from ketacare.treatment_sessions import devices
admin = make_staff(org, Role.ORG_ADMIN)
token = devices.device_issue(actor=admin, clinic=practice.clinic, name="Kill bay")[1]
print(json.dumps({"cookie": store.session_key, "session": str(session.public_id), "token": token}))
"""


def _postgres_answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=2):
            return True
    except Exception:  # noqa: BLE001 - any failure means: not reachable, skip
        return False


pytestmark = pytest.mark.skipif(not _postgres_answers(), reason="PostgreSQL is not reachable")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def database():  # type: ignore[no-untyped-def]
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DBNAME}"')
        conn.execute(f'CREATE DATABASE "{DBNAME}"')
    try:
        yield f"{SERVER}/{DBNAME}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return env | {
        "DATABASE_URL": url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "ketacare.settings",
        "PYTHONPATH": str(ROOT),
        "CONN_MAX_AGE": "0",
    }


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("the server exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback
                return
        except (urllib.error.URLError, OSError):  # refused, reset or still booting
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 30 s")


def test_an_acknowledged_reading_survives_kill_9_of_the_server(database):  # type: ignore[no-untyped-def]
    import psycopg

    env = _env(database)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "timeout": 180}
    subprocess.run([BIN / "ketacare", "migrate", "--no-input", "-v0"], **run)  # noqa: S603
    subprocess.run([BIN / "ketacare", "createcachetable"], **run)  # noqa: S603
    made = subprocess.run([BIN / "ketacare", "shell", "-c", SETUP], **run)  # noqa: S603
    setup = json.loads(made.stdout.decode().strip().splitlines()[-1])

    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own server on loopback
        serve.command(port=port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("KILLTEST_LOG", os.devnull), "wb"),  # noqa: SIM115
        start_new_session=True,  # its own process group: master and workers die together
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked secret form
        taken_at = datetime.now(UTC) - timedelta(seconds=30)
        url = f"http://127.0.0.1:{port}/api/treatment-sessions/{setup['session']}/readings"
        body = {"device_id": "kill-test-monitor", "taken_at": taken_at.isoformat(),
                "systolic": 131, "diastolic": 84, "heart_rate": 77, "spo2": 97}  # fmt: skip
        # A nurse's post goes through the whole stack ...
        staff_id = _post(url, body, {"Cookie": f"sessionid={setup['cookie']}; csrftoken={csrf}",
                                     "X-CSRFToken": csrf})  # fmt: skip
        # ... and a monitor's through the WSGI front's one statement.
        device_body = body | {"device_id": "kill-test-bay"}
        device_id = _post(url, device_body, {"Authorization": f"Bearer {setup['token']}"})
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    assert server.returncode == -signal.SIGKILL

    with psycopg.connect(database) as conn:
        rows = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, systolic, diastolic, heart_rate, spo2, device_id, taken_at "
                "FROM treatment_sessions_vitalsignreading WHERE id = ANY(%s)",
                [[staff_id, device_id]],
            )
        }
        device_events = conn.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = 'device' AND object_id = %s",
            [str(device_id)],
        ).fetchone()
    assert staff_id in rows, "the nurse's acknowledged reading was lost"
    assert device_id in rows, "the monitor's acknowledged reading was lost"
    assert rows[staff_id] == (131, 84, 77, 97, "kill-test-monitor", taken_at)
    assert rows[device_id] == (131, 84, 77, 97, "kill-test-bay", taken_at)
    assert device_events == (1,), "the monitor's reading was stored without its audit event"


def _post(url: str, body: dict[str, object], headers: dict[str, str]) -> int:
    """POST the reading; the id the server acknowledged with 201."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 201
        return int(json.loads(response.read())["id"])
