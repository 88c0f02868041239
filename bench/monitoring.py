"""Bedside monitors posting vital signs to a live server (granian, as `make demo`) on loopback.

Phases (each against the same server and PostgreSQL database, `ketacare_bench`):
- clinic day: 40 sessions in monitoring, a monitor per session posting one reading a "minute"
  at accelerated time (120 readings each, back to back), 40 client threads at once;
- burst, single readings: CLIENTS Python threads posting as fast as they can, then wrk (a C
  load generator) with CLIENTS connections for WRK_SECONDS, when wrk is installed;
- burst, batches: CLIENTS threads posting BATCH_SIZE readings a request;
- baseline: the same rows inserted with psycopg, one INSERT per row in autocommit, by the same
  number of threads, in the same run.

Targets (issue #8): single readings at >= 40 % of the plain-INSERT rate with p99 < 100 ms; the
batch endpoint >= 20,000 readings/s. The ratio uses wrk's rate when wrk is there: the Python
client threads would otherwise take a share of the same two CPUs that the server and
PostgreSQL need. The monitors post as registered devices (bearer token, as a bedside monitor
would: H-09). What a single reading costs beyond the plain INSERT (it is honest to say what):
an HTTP request through granian to the WSGI front (treatment_sessions/device_wsgi.py), which
answers a device's post before Django's handler; the host checked; the body checked by the
clinical core's plausibility guard and the alert limits; and one prepared statement that checks
the token's device (active, never cached), the session (the device's clinic, still taking
readings) and the alert limits the alerts were worked out from, then inserts the reading, its
alerts and its audit event, committed before the answer. A smaller
burst also posts as a signed-in nurse (session cookie + CSRF) for comparison.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from ketacare import serve  # noqa: E402

NAME = "monitoring"
ORG_SLUG = "bench-monitoring"
NURSE_EMAIL = "bench.monitor@example.test"
ADMIN_EMAIL = "bench.monitor.admin@example.test"
SESSIONS = 40
READINGS_PER_SESSION = 120
CLIENTS = int(os.environ.get("BENCH_MONITOR_CLIENTS", "8"))
# As `make demo` serves: granian, 2 workers x 4 threads (BENCH_MONITOR_WORKERS and
# BENCH_MONITOR_THREADS change it).
WORKERS = int(os.environ.get("BENCH_MONITOR_WORKERS", serve.WORKERS))
THREADS = int(os.environ.get("BENCH_MONITOR_THREADS", serve.THREADS))
WRK_SECONDS = 8
BURST_SINGLE = 4_000
BURST_SINGLE_STAFF = 1_000
BATCH_SIZE = 500
BURST_BATCHES = 48
SINGLE_RATIO_TARGET = 0.40
SINGLE_P99_TARGET_MS = 100.0
BATCH_RATE_TARGET = 20_000.0
VALUES = {"systolic": 124, "diastolic": 79, "heart_rate": 72, "spo2": 98, "respiratory_rate": 14}


# --- the practice ------------------------------------------------------------------------------


def _world() -> tuple[Any, list[Any]]:
    """The organisation, its nurse and SESSIONS sessions in monitoring, without readings."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import transaction
    from django.utils import timezone

    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient
    from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentType
    from ketacare.tenancy.models import Clinic, Membership, Organisation, Role, Route
    from ketacare.treatment.models import PlanStatus, TreatmentPlan
    from ketacare.treatment_sessions.models import (
        SessionState,
        TreatmentSession,
        VitalSignAlert,
        VitalSignReading,
    )

    org, _ = Organisation.objects.get_or_create(
        slug=ORG_SLUG, defaults={"name": "Bench Monitoring Practice", "mrn_prefix": "BM"}
    )
    clinic, _ = Clinic.objects.get_or_create(
        organisation=org,
        name="Bench monitoring clinic",
        defaults={"address_line1": "1 Bench Way", "city": "Palos Hills", "state": "IL",
                  "zip_code": "60465", "phone": "(555) 010-0000"},
    )  # fmt: skip
    nurse = User.objects.filter(email=NURSE_EMAIL).first()
    if nurse is None:
        nurse = User(email=NURSE_EMAIL, full_name="Bench Monitor Nurse")
        nurse.set_unusable_password()
        nurse.save()
    Membership.objects.get_or_create(user=nurse, defaults={"organisation": org, "role": Role.NURSE})
    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        admin = User(email=ADMIN_EMAIL, full_name="Bench Monitor Admin")
        admin.set_unusable_password()
        admin.save()
    Membership.objects.get_or_create(
        user=admin, defaults={"organisation": org, "role": Role.ORG_ADMIN}
    )
    if not Authenticator.objects.filter(user=nurse, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(nurse, common.TOTP_SECRET)
    kind, _ = AppointmentType.objects.get_or_create(
        organisation=org,
        name="IV infusion",
        defaults={"kind": AppointmentKind.TREATMENT, "route": Route.IV,
                  "duration_minutes": 150, "staff_role": Role.NURSE},
    )  # fmt: skip
    now = timezone.now()
    with transaction.atomic():
        # Each run starts from empty sessions (readings and alerts of earlier runs removed;
        # audit events stay, they are append-only).
        VitalSignAlert.objects.filter(organisation=org).delete()
        VitalSignReading.objects.filter(organisation=org).delete()
        sessions = list(TreatmentSession.objects.filter(organisation=org).order_by("pk"))
        for n in range(len(sessions), SESSIONS):
            patient = Patient.objects.create(
                organisation=org, mrn=f"BM{n:06d}", legal_first_name=f"Bench{n}",
                legal_last_name="Monitor", date_of_birth=date(1980, 1, 1),
                sex_assigned_at_birth="female", last_name_key="monitor",
                first_name_key=f"bench{n}",
            )  # fmt: skip
            plan = TreatmentPlan.objects.create(
                organisation=org, patient=patient, route=Route.IV,
                protocol_code="iv_racemic_depression", indication="bench",
                prescriber=nurse, planned_sessions=6, status=PlanStatus.ACTIVE,
            )  # fmt: skip
            appointment = Appointment.objects.create(
                organisation=org, clinic=clinic, patient=patient, appointment_type=kind,
                kind=AppointmentKind.TREATMENT, route=Route.IV, starts_at=now,
                ends_at=now + timedelta(minutes=150), status="in_progress", created_by=nurse,
            )  # fmt: skip
            sessions.append(
                TreatmentSession.objects.create(
                    organisation=org,
                    clinic=clinic,
                    patient=patient,
                    appointment=appointment,
                    plan=plan,
                    route=Route.IV,
                    state=SessionState.MONITORING,
                    checked_in_by=nurse,
                    first_dose_at=now,
                )  # fmt: skip
            )
        TreatmentSession.objects.filter(organisation=org).update(state=SessionState.MONITORING)
    return nurse, sessions


def _device_token(sessions: list[Any]) -> str:
    """A registered monitor for the bench clinic, issued as an administrator would (the token
    is shown once); the previous run's monitor is revoked first."""
    from ketacare.accounts.models import User
    from ketacare.treatment_sessions import devices
    from ketacare.treatment_sessions.models import MonitorDevice

    admin = User.objects.get(email=ADMIN_EMAIL)
    clinic = sessions[0].clinic
    for old in MonitorDevice.objects.filter(clinic=clinic, active=True):
        devices.device_revoke(actor=admin, device=old)
    return devices.device_issue(actor=admin, clinic=clinic, name="Bench bay")[1]


def _signed_in_cookie(nurse: Any) -> str:
    """A Django session for the nurse as after a TOTP sign-in (MFA flag set)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from ketacare.accounts.middleware import LAST_SEEN_KEY, MFA_SEEN_KEY, SIGNED_IN_AT_KEY

    store = SessionStore()
    store[SESSION_KEY] = str(nurse.pk)
    store[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    store[HASH_SESSION_KEY] = nurse.get_session_auth_hash()
    store[MFA_SEEN_KEY] = True
    store[SIGNED_IN_AT_KEY] = store[LAST_SEEN_KEY] = time.time()
    store.create()
    return str(store.session_key)


# --- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": common.BENCH_DATABASE_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "600",
    }
    server = subprocess.Popen(  # noqa: S603 - our own server on loopback
        serve.command(port=port, workers=WORKERS, threads=THREADS),
        cwd=common.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("granian did not answer within 60 s")


class Monitor:
    """One client thread's keep-alive connection: a registered monitor (`credential` is its
    bearer token) or a signed-in nurse (`credential` is the session cookie)."""

    def __init__(self, port: int, credential: str) -> None:
        self.port = port
        if credential.startswith("kcm_"):
            self.headers = {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {credential}",
            }
        else:
            csrf = secrets.token_hex(16)
            self.headers = {
                "Content-Type": "application/json",
                "Cookie": f"sessionid={credential}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
            }
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: object) -> tuple[int, float, dict[str, Any]]:
        data = json.dumps(body)
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request("POST", path, data, self.headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        return response.status, elapsed, json.loads(payload or b"{}")


def _run_threads(jobs: list[Any]) -> float:
    threads = [threading.Thread(target=job) for job in jobs]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def _readings(device: str, count: int, start: datetime, step: timedelta) -> list[dict[str, Any]]:
    return [
        {"device_id": device, "taken_at": (start + step * i).isoformat(), **VALUES}
        for i in range(count)
    ]


# --- phases ------------------------------------------------------------------------------------


def _post_singles(
    port: int, cookie: str, work: list[tuple[str, list[dict[str, Any]]]]
) -> tuple[float, list[float], int]:
    """Each (session id, readings) list is one client thread posting its readings in turn."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def job(public_id: str, readings: list[dict[str, Any]]) -> None:
        monitor = Monitor(port, cookie)
        mine = []
        bad = 0
        for body in readings:
            status, elapsed, _ = monitor.post(f"/api/treatment-sessions/{public_id}/readings", body)
            mine.append(elapsed)
            bad += status != 201
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    wall = _run_threads([lambda p=p, r=r: job(p, r) for p, r in work])
    return wall, latencies, failures[0]


def _clinic_day(port: int, cookie: str, sessions: list[Any]) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(minutes=READINGS_PER_SESSION + 10)
    work = [
        (str(s.public_id), _readings(f"day-{n}", READINGS_PER_SESSION, start, timedelta(minutes=1)))
        for n, s in enumerate(sessions)
    ]
    wall, latencies, failures = _post_singles(port, cookie, work)
    total = SESSIONS * READINGS_PER_SESSION
    return {
        "sessions": SESSIONS,
        "readings": total,
        "client_threads": SESSIONS,
        "wall_s": round(wall, 3),
        "readings_per_s": round(total / wall, 1),
        "failures": failures,
        "latency": _latency(latencies),
        "equivalent_clinic_minutes_per_s": round(READINGS_PER_SESSION / wall, 1),
    }


def _latency(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "p50_ms": round(common.percentile(ms, 50), 2),
        "p99_ms": round(common.percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
    }


def _burst_single(
    port: int, cookie: str, sessions: list[Any], count: int = BURST_SINGLE, label: str = "burst"
) -> dict[str, Any]:
    per_client = count // CLIENTS
    start = datetime.now(UTC) - timedelta(hours=3)
    work = [
        (
            str(sessions[n % len(sessions)].public_id),
            _readings(f"{label}-{n}", per_client, start, timedelta(seconds=1)),
        )
        for n in range(CLIENTS)
    ]
    wall, latencies, failures = _post_singles(port, cookie, work)
    total = per_client * CLIENTS
    return {
        "readings": total,
        "client_threads": CLIENTS,
        "wall_s": round(wall, 3),
        "readings_per_s": round(total / wall, 1),
        "failures": failures,
        "latency": _latency(latencies),
    }


def _burst_batch(port: int, cookie: str, sessions: list[Any]) -> dict[str, Any]:
    per_client = BURST_BATCHES // CLIENTS
    start = datetime.now(UTC) - timedelta(hours=8)
    latencies: list[float] = []
    counts = {"accepted": 0, "duplicates": 0, "failures": 0}
    lock = threading.Lock()

    def job(n: int) -> None:
        monitor = Monitor(port, cookie)
        public_id = sessions[n % len(sessions)].public_id
        rows = _readings(f"batch-{n}", per_client * BATCH_SIZE, start, timedelta(milliseconds=500))
        mine, accepted, dup, bad = [], 0, 0, 0
        for b in range(per_client):
            body = {"readings": rows[b * BATCH_SIZE : (b + 1) * BATCH_SIZE]}
            status, elapsed, answer = monitor.post(
                f"/api/treatment-sessions/{public_id}/readings/batch", body
            )
            mine.append(elapsed)
            if status == 200:
                accepted += answer["accepted"]
                dup += answer["duplicates"]
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            counts["accepted"] += accepted
            counts["duplicates"] += dup
            counts["failures"] += bad

    wall = _run_threads([lambda n=n: job(n) for n in range(CLIENTS)])
    total = per_client * CLIENTS * BATCH_SIZE
    return {
        "readings": total,
        "batch_size": BATCH_SIZE,
        "requests": per_client * CLIENTS,
        "client_threads": CLIENTS,
        "wall_s": round(wall, 3),
        "readings_per_s": round(total / wall, 1),
        **counts,
        "request_latency": _latency(latencies),
    }


WRK_SCRIPT = """
-- One device per wrk thread; each request a new reading one second earlier than the last, so
-- every post is a new reading (none is refused as a repeat or as dated in the future).
local counter = 0
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"device_id":"%s-%d","taken_at":"%s","systolic":124,"diastolic":79,"heart_rate":72,'
    .. '"spo2":98,"respiratory_rate":14}',
    prefix, tid, os.date("!%Y-%m-%dT%H:%M:%S+00:00", start - counter))
  return wrk.format("POST", path, headers, body)
end
"""


def _burst_single_wrk(port: int, token: str, session: Any) -> dict[str, Any] | None:
    """The single-reading endpoint driven by wrk (a C load generator, from Debian's `wrk`)
    with CLIENTS keep-alive connections for WRK_SECONDS: the endpoint's own rate, without the
    Python client's share of the two CPUs. None when wrk is not installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    prefix = f"wrk{int(time.time())}"
    script = common.OUT_DIR / "monitoring_wrk.lua"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(
        f'prefix = "{prefix}"\nstart = {int(time.time()) - 60}\n'
        f'path = "/api/treatment-sessions/{session.public_id}/readings"\n'
        f'headers = {{["Content-Type"] = "application/json", '
        f'["Authorization"] = "Bearer {token}"}}\n' + WRK_SCRIPT
    )
    done = subprocess.run(  # noqa: S603 - wrk against our own server on loopback
        [wrk, "-t", "2", "-c", str(CLIENTS), "-d", f"{WRK_SECONDS}s", "--latency", "-s",
         str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True, timeout=WRK_SECONDS + 30,
    )  # fmt: skip
    out = done.stdout
    from ketacare.treatment_sessions.models import VitalSignReading

    stored = VitalSignReading.objects.filter(device_id__startswith=f"{prefix}-").count()
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    seconds = float(re.search(r"requests in ([\d.]+)s", out)[1])  # type: ignore[index]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "client": f"wrk, 2 threads, {CLIENTS} connections, {WRK_SECONDS} s",
        "requests": requests,
        "stored": stored,
        "failures": int(bad[1]) if bad else 0,
        "readings_per_s": round(requests / seconds, 1),
        "latency": {
            "p50_ms": _wrk_ms(out, "50%"),
            "p99_ms": _wrk_ms(out, "99%"),
        },
    }


def _wrk_ms(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def _baseline(sessions: list[Any], threads: int, count: int) -> dict[str, Any]:
    """Plain single-row INSERTs of the same kind of row, autocommit, `threads` connections."""
    import psycopg

    url = common.BENCH_DATABASE_URL.replace("postgres://", "postgresql://", 1)
    per = count // threads
    start = datetime.now(UTC) - timedelta(hours=5)
    latencies: list[float] = []
    lock = threading.Lock()
    sql = (
        "INSERT INTO treatment_sessions_vitalsignreading (organisation_id, session_id, taken_at,"
        " systolic, diastolic, heart_rate, spo2, respiratory_rate, on_oxygen, source, device_id,"
        " recorded_by_id, recorded_at, struck_reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s,"
        " false, 'device', %s, NULL, now(), '')"
    )

    def job(n: int) -> None:
        session = sessions[n % len(sessions)]
        mine = []
        with psycopg.connect(url, autocommit=True) as conn:
            for i in range(per):
                params = (session.organisation_id, session.pk, start + timedelta(seconds=i),
                          *VALUES.values(), f"raw-{threads}-{n}")  # fmt: skip
                t0 = time.perf_counter()
                conn.execute(sql, params)
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    wall = _run_threads([lambda n=n: job(n) for n in range(threads)])
    return {
        "rows": per * threads,
        "threads": threads,
        "wall_s": round(wall, 3),
        "rows_per_s": round(per * threads / wall, 1),
        "latency": _latency(latencies),
    }


def run() -> dict[str, Any] | None:
    if not common.setup_django(NAME):
        return None
    from ketacare.treatment_sessions.models import VitalSignReading

    nurse, sessions = _world()
    cookie = _signed_in_cookie(nurse)
    token = _device_token(sessions)
    port = _free_port()
    server = _start_server(port)
    try:
        # warm every worker (imports, connections) before measuring
        warm = _readings("warm", 200, datetime.now(UTC) - timedelta(hours=9), timedelta(seconds=1))
        _post_singles(port, token, [(str(sessions[0].public_id), warm[:100])])
        _post_singles(port, cookie, [(str(sessions[0].public_id), warm[100:])])
        common.fresh_heap()
        day = _clinic_day(port, token, sessions)
        print(
            f"clinic day: {SESSIONS} sessions x {READINGS_PER_SESSION} readings from "
            f"{SESSIONS} threads in {day['wall_s']} s = {day['readings_per_s']} readings/s, "
            f"p50 {day['latency']['p50_ms']} ms, p99 {day['latency']['p99_ms']} ms, "
            f"failures {day['failures']}"
        )
        base = _baseline(sessions, CLIENTS, BURST_SINGLE)
        base_1 = _baseline(sessions, 1, BURST_SINGLE // 4)
        single = _burst_single(port, token, sessions)
        single_wrk = _burst_single_wrk(port, token, sessions[1])
        staff = _burst_single(port, cookie, sessions, BURST_SINGLE_STAFF, "staff")
        batch = _burst_batch(port, token, sessions)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    stored_day = VitalSignReading.objects.filter(device_id__startswith="day-").count()
    python_ratio = common.ratio(single["readings_per_s"], base["rows_per_s"])
    # The endpoint's rate is the one wrk measures: the Python client threads share the two CPUs
    # with the server and PostgreSQL (the plain INSERTs' client is psycopg in C, run the same way).
    measured = single_wrk or single
    single_ratio = common.ratio(measured["readings_per_s"], base["rows_per_s"])
    print(
        f"plain INSERT, autocommit: {base['rows_per_s']} rows/s with {CLIENTS} connections "
        f"(p99 {base['latency']['p99_ms']} ms); {base_1['rows_per_s']} rows/s with one"
    )
    print(
        f"single-reading endpoint, Python client: {single['readings_per_s']} readings/s with "
        f"{CLIENTS} threads, p50 {single['latency']['p50_ms']} ms, p99 "
        f"{single['latency']['p99_ms']} ms = x{python_ratio} of plain INSERT"
    )
    if single_wrk is not None:
        print(
            f"single-reading endpoint, wrk: {single_wrk['readings_per_s']} readings/s with "
            f"{CLIENTS} connections, p50 {single_wrk['latency']['p50_ms']} ms, p99 "
            f"{single_wrk['latency']['p99_ms']} ms = x{single_ratio} of plain INSERT "
            f"({single_wrk['stored']} stored of {single_wrk['requests']} posted, "
            f"{single_wrk['failures']} refused)"
        )
    else:
        print("wrk is not installed (apt-get install wrk): the ratio uses the Python client")
    print(
        f"single-reading endpoint as a signed-in nurse (cookie + CSRF): "
        f"{staff['readings_per_s']} readings/s, p99 {staff['latency']['p99_ms']} ms"
    )
    print(
        f"batch endpoint ({BATCH_SIZE} a request): {batch['readings_per_s']} readings/s, request"
        f" p99 {batch['request_latency']['p99_ms']} ms, accepted {batch['accepted']}"
    )
    targets = {
        "single_rate_ratio_to_plain_insert_at_least": {
            "target": SINGLE_RATIO_TARGET,
            "measured": single_ratio,
            "met": single_ratio >= SINGLE_RATIO_TARGET,
        },
        "single_p99_under_ms": {
            "target": SINGLE_P99_TARGET_MS,
            "measured": max(single["latency"]["p99_ms"], measured["latency"]["p99_ms"]),
            "met": max(single["latency"]["p99_ms"], measured["latency"]["p99_ms"])
            < SINGLE_P99_TARGET_MS,
        },
        "single_wrk_all_stored": {
            "target": single_wrk["requests"] if single_wrk else None,
            "measured": single_wrk["stored"] if single_wrk else None,
            "met": single_wrk is None
            # a post still in flight when wrk stops is stored but not counted
            or (single_wrk["stored"] >= single_wrk["requests"] and single_wrk["failures"] == 0),
        },
        "batch_readings_per_s_at_least": {
            "target": BATCH_RATE_TARGET,
            "measured": batch["readings_per_s"],
            "met": batch["readings_per_s"] >= BATCH_RATE_TARGET,
        },
        "clinic_day_all_stored": {
            "target": SESSIONS * READINGS_PER_SESSION,
            "measured": stored_day,
            "met": stored_day == SESSIONS * READINGS_PER_SESSION and day["failures"] == 0,
        },
    }
    result = {
        "skipped": False,
        "database": common.BENCH_DATABASE_URL.rsplit("@", 1)[-1],
        "machine": common.machine(),
        "server": (
            f"granian (WSGI), {WORKERS} workers x {THREADS} threads, loopback (make demo runs 2 "
            "workers x 4 threads; BENCH_MONITOR_WORKERS and BENCH_MONITOR_THREADS set it)"
        ),
        "auth": "monitor phases: device bearer token; burst_single_staff: nurse session cookie",
        "clinic_day": day,
        "burst_single": single,
        "burst_single_wrk": single_wrk,
        "ratio_single_python_client_over_plain_insert": python_ratio,
        "burst_single_staff": staff,
        "burst_batch": batch,
        "plain_insert": base,
        "plain_insert_one_connection": base_1,
        "ratio_single_over_plain_insert": single_ratio,
        "notes": (
            "Baseline and endpoint use the same number of client threads/connections. Client "
            "threads run in this process and share its CPU with nothing else but the server "
            "and PostgreSQL on the same machine. synchronous_commit is left as configured "
            "(an acknowledged reading is durable)."
        ),
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
    }
    path = common.write_result(NAME, result)
    print(
        "\ntargets: "
        + ", ".join(f"{k}={'met' if t['met'] else 'MISSED'}" for k, t in targets.items())
    )
    print(f"wrote {path.relative_to(common.ROOT)}")
    return result


if __name__ == "__main__":
    run()
