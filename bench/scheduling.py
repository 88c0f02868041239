"""Scheduling: proposing a six-session series in a busy clinic, and the week calendar.

Targets (from the scheduling issue):
- series proposal (scheduling.series.series_propose: the pure core plus every booking rule on
  each proposed session) in a clinic with 10 chairs and 3 months of existing bookings: p95 under
  200 ms; baseline, measured in the same run, a plain SQL select of the same busy intervals;
- the week calendar page with 500 appointments: the query count equal at 50 and at 500
  appointments, and p95 under 150 ms; baselines /healthz and a raw SQL select of the same rows.

The data is synthetic and lives in its own organisation of the bench database, created once and
reused (bumping POPULATION_VERSION regenerates it). Existing bookings are bulk-inserted (the
services would take minutes for thousands of rows): chairs are never double-booked, but the
synthetic patients and nurses are drawn at random.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

NAME = "scheduling"
ORG_SLUG = "bench-scheduling"
POPULATION_VERSION = 1
CHAIRS = 10
NURSES = 6
PATIENTS = 400
ZONE = "America/Chicago"
HOURS = {d: ["07:00", "19:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
SLOTS = (time(7), time(9), time(11), time(13), time(15))  # two-hour chair slots
FILL = 0.8
PROPOSAL_RUNS = 60
VIEW_RUNS = 80
PROPOSAL_P95_TARGET_MS = 200.0
WEEK_P95_TARGET_MS = 150.0
DESK_EMAIL = "bench.desk@example.test"
PRESCRIBER_EMAIL = "bench.prescriber@example.test"


def _user(email: str, name: str) -> Any:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from ketacare.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, full_name=name)
        user.set_unusable_password()
        user.save()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, common.TOTP_SECRET)  # staff pages require MFA to be set up
    return user


def _membership(org: Any, user: Any, role: str) -> Any:
    from ketacare.tenancy.models import Membership

    licence = "BENCH-1" if role == "prescriber" else ""
    membership, _ = Membership.objects.get_or_create(
        user=user, defaults={"organisation": org, "role": role, "licence_number": licence}
    )
    return membership


def _clinic(org: Any, name: str) -> Any:
    from ketacare.tenancy.models import Clinic, TreatmentSpace

    clinic, _ = Clinic.objects.get_or_create(
        organisation=org,
        name=name,
        defaults={"address_line1": "1 Bench Way", "city": "Palos Hills", "state": "IL",
                  "zip_code": "60465", "phone": "(555) 010-0000", "hours": HOURS,
                  "time_zone": ZONE},
    )  # fmt: skip
    for n in range(1, CHAIRS + 1):
        TreatmentSpace.objects.get_or_create(clinic=clinic, name=f"Chair {n:02d}", kind="chair")
    return clinic


def _world() -> dict[str, Any]:
    """The organisation, its busy clinic (3 months), two week clinics (50 and 500 rows)."""
    from django.db import connection, transaction

    from ketacare.patients.models import Patient
    from ketacare.scheduling.models import Appointment, AppointmentType, ClinicSchedule
    from ketacare.tenancy.models import Organisation, TreatmentSpace
    from ketacare.treatment.models import TreatmentPlan

    org, _ = Organisation.objects.get_or_create(
        slug=ORG_SLUG, defaults={"name": "Bench Scheduling Practice", "mrn_prefix": "SC"}
    )
    desk = _user(DESK_EMAIL, "Bench Desk")
    _membership(org, desk, "front_desk")
    prescriber = _user(PRESCRIBER_EMAIL, "Bench Prescriber")
    _membership(org, prescriber, "prescriber")
    nurses = [
        _membership(org, _user(f"bench.sched.nurse{i}@example.test", f"Nurse {i}"), "nurse")
        for i in range(NURSES)
    ]
    busy, week50, week500 = (_clinic(org, n) for n in ("Busy clinic", "Week 50", "Week 500"))
    iv, _ = AppointmentType.objects.get_or_create(
        organisation=org, name="IV infusion",
        defaults={"kind": "treatment", "route": "iv", "duration_minutes": 120,
                  "staff_role": "nurse", "min_hours_between": 48},
    )  # fmt: skip
    for clinic in (busy, week50, week500):
        ClinicSchedule.objects.update_or_create(
            clinic=clinic, defaults={"organisation": org, "patients_per_nurse": 20}
        )
    today = date.today()  # noqa: DTZ011 - a bench date, the zone does not matter here
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    world = {"org": org, "desk": desk, "busy": busy, "iv": iv, "nurses": nurses,
             "week50": week50, "week500": week500, "monday": monday}  # fmt: skip
    if org.settings.get("bench_population_version") == POPULATION_VERSION and (
        org.settings.get("bench_monday") == monday.isoformat()
    ):
        world["plan"] = TreatmentPlan.objects.filter(organisation=org).first()
        return world
    print("generating the scheduling bench data")
    rng = random.Random(7)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ZONE)
    with transaction.atomic():
        Appointment.objects.filter(organisation=org).delete()
        TreatmentPlan.objects.filter(organisation=org).delete()
        Patient.objects.filter(organisation=org).delete()
        patients = Patient.objects.bulk_create(
            Patient(organisation=org, mrn=f"SC{i:06d}", legal_first_name=f"Bench{i}",
                    legal_last_name="Patient", last_name_key="patient",
                    first_name_key=f"bench{i}", date_of_birth=date(1980, 1, 1),
                    sex_assigned_at_birth="female")
            for i in range(PATIENTS)
        )  # fmt: skip
        rows = []

        def add(clinic: Any, space: Any, start: datetime, minutes: int) -> None:
            rows.append(
                Appointment(organisation=org, clinic=clinic, patient=rng.choice(patients[1:]),
                            appointment_type=iv, kind="treatment", route="iv", space=space,
                            staff=rng.choice(nurses), starts_at=start,
                            ends_at=start + timedelta(minutes=minutes), created_by=desk)
            )  # fmt: skip

        chairs = list(TreatmentSpace.objects.filter(clinic=busy))
        for offset in range(-45, 46):  # three months around today
            day = today + timedelta(days=offset)
            if day.weekday() == 6:
                continue
            for chair in chairs:
                for slot in SLOTS:
                    if rng.random() < FILL:
                        add(busy, chair, datetime.combine(day, slot, tzinfo=zone), 120)
        for clinic, count in ((week50, 50), (week500, 500)):
            chairs = list(TreatmentSpace.objects.filter(clinic=clinic))
            cells = [(d, c, h) for d in range(6) for c in chairs for h in range(7, 19)]
            for d, chair, hour in rng.sample(cells, count):
                start = datetime.combine(monday + timedelta(days=d), time(hour), tzinfo=zone)
                add(clinic, chair, start, 60)
        Appointment.objects.bulk_create(rows, batch_size=2_000)
        plan = TreatmentPlan.objects.create(
            organisation=org, patient=patients[0], route="iv", indication="bench",
            protocol_code="iv_racemic_depression", prescriber=prescriber, planned_sessions=6,
            status="active",
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE scheduling_appointment")
    org.settings = {**org.settings, "bench_population_version": POPULATION_VERSION,
                    "bench_monday": monday.isoformat()}  # fmt: skip
    org.save(update_fields=["settings", "updated_at"])
    print(f"  {len(rows):,} appointments")
    world["plan"] = plan
    return world


def _proposal_runs(world: dict[str, Any]) -> tuple[dict[str, float], dict[str, float], int]:
    from django.db import connection

    from ketacare.scheduling import series
    from ketacare.tenancy.models import TreatmentSpace

    chairs = list(TreatmentSpace.objects.filter(clinic=world["busy"]))
    plan, desk = world["plan"], world["desk"]
    first = date.today() + timedelta(days=1)  # noqa: DTZ011
    sql = (
        "SELECT starts_at, ends_at FROM scheduling_appointment WHERE (patient_id = %s OR "
        "space_id = %s) AND status IN ('booked','checked_in','in_progress','completed') "
        "AND starts_at < %s AND ends_at > %s ORDER BY starts_at"
    )

    def propose(chair: Any) -> Any:
        return series.series_propose(
            actor=desk, plan=plan, clinic=world["busy"], appointment_type=world["iv"],
            first_date=first, weekdays=(0, 2, 4), local_time=time(9), space=chair,
            staff=world["nurses"][0], count=6,
        )  # fmt: skip

    def raw(chair: Any) -> None:
        start = datetime.combine(first, time(0))
        with connection.cursor() as cursor:
            cursor.execute(sql, [plan.patient_id, chair.pk, start + timedelta(weeks=17), start])
            cursor.fetchall()

    for chair in chairs[:3]:  # warm up
        propose(chair)
        raw(chair)
    placed = len(propose(chairs[0]).sessions)
    proposals, raws = [], []
    for i in range(PROPOSAL_RUNS):
        chair = chairs[i % len(chairs)]
        proposals.append(common.timed(lambda c=chair: propose(c)))
        raws.append(common.timed(lambda c=chair: raw(c)))
    return common.stats_ms(proposals), common.stats_ms(raws), placed


def _week_runs(world: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(world["desk"])
    monday = world["monday"]
    urls = {
        n: f"/schedule/{world[f'week{n}'].public_id}/week/?date={monday.isoformat()}"
        for n in (50, 500)
    }
    counts, shown = {}, {}
    for n, url in urls.items():
        for _ in range(5):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts[n] = len(queries)
        shown[n] = response.content.decode().count('class="appt ')
    sql = (
        "SELECT a.id, a.starts_at, a.ends_at, a.status, p.legal_first_name, p.legal_last_name, "
        "t.name, s.name, u.full_name FROM scheduling_appointment a "
        "JOIN patients_patient p ON p.id = a.patient_id "
        "JOIN scheduling_appointmenttype t ON t.id = a.appointment_type_id "
        "LEFT JOIN tenancy_treatmentspace s ON s.id = a.space_id "
        "LEFT JOIN tenancy_membership m ON m.id = a.staff_id "
        "LEFT JOIN accounts_user u ON u.id = m.user_id "
        "WHERE a.clinic_id = %s AND a.starts_at >= %s AND a.starts_at < %s ORDER BY a.starts_at"
    )
    start = datetime.combine(monday, time(0))

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [world["week500"].pk, start, start + timedelta(days=7)])
            cursor.fetchall()

    views, healthz, raws = [], [], []
    for _ in range(VIEW_RUNS):
        views.append(common.timed(lambda: client.get(urls[500])))
        healthz.append(common.timed(lambda: client.get("/healthz")))
        raws.append(common.timed(raw))
    return {
        "queries": counts,
        "appointments_shown": shown,
        "view_500": common.stats_ms(views),
        "healthz": common.stats_ms(healthz),
        "raw_sql_500": common.stats_ms(raws),
    }


def run() -> dict[str, Any] | None:
    if not common.setup_django(NAME):
        return None
    world = _world()
    common.fresh_heap()
    proposal, busy_sql, placed = _proposal_runs(world)
    proposal_ratio = common.ratio(proposal["p95_ms"], busy_sql["p95_ms"])
    print(
        f"series proposal (6 sessions, 10 chairs, 3 months booked, {placed} placed): "
        f"p50 {proposal['p50_ms']:.2f} ms, p95 {proposal['p95_ms']:.2f} ms "
        f"(target < {PROPOSAL_P95_TARGET_MS:.0f}); busy-interval SQL p95 "
        f"{busy_sql['p95_ms']:.2f} ms = x{proposal_ratio}"
    )
    common.fresh_heap()
    week = _week_runs(world)
    view, health, raw = week["view_500"], week["healthz"], week["raw_sql_500"]
    print(
        f"week calendar queries: {week['queries'][50]} at 50 appointments, "
        f"{week['queries'][500]} at 500 (shown {week['appointments_shown']})"
    )
    print(
        f"week calendar with 500 appointments p50 {view['p50_ms']:.2f} ms, p95 "
        f"{view['p95_ms']:.2f} ms (target < {WEEK_P95_TARGET_MS:.0f}); /healthz p95 "
        f"{health['p95_ms']:.2f} ms = x{common.ratio(view['p95_ms'], health['p95_ms'])}; "
        f"raw SQL of the rows p95 {raw['p95_ms']:.2f} ms = "
        f"x{common.ratio(view['p95_ms'], raw['p95_ms'])}"
    )
    targets = {
        "proposal_p95_under_ms": {
            "target": PROPOSAL_P95_TARGET_MS,
            "measured": proposal["p95_ms"],
            "met": proposal["p95_ms"] < PROPOSAL_P95_TARGET_MS,
        },
        "week_queries_constant": {
            "target": "same at 50 and 500 appointments",
            "measured": week["queries"],
            "met": week["queries"][50] == week["queries"][500],
        },
        "week_view_p95_under_ms": {
            "target": WEEK_P95_TARGET_MS,
            "measured": view["p95_ms"],
            "met": view["p95_ms"] < WEEK_P95_TARGET_MS,
        },
    }
    result = {
        "proposal": proposal,
        "busy_intervals_sql": busy_sql,
        "ratio_p95_proposal_over_sql": proposal_ratio,
        "sessions_placed": placed,
        "week": week,
        "ratio_p95_week_over_healthz": common.ratio(view["p95_ms"], health["p95_ms"]),
        "ratio_p95_week_over_raw_sql": common.ratio(view["p95_ms"], raw["p95_ms"]),
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets.values()),
        "machine": common.machine(),
    }
    path = common.write_result(NAME, result)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    run()
