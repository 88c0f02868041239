"""Opening a patient's chart: queries per request, and time against the same rows fetched raw.

Targets (from the issue): at most 15 queries per chart open, not growing with the number of
entries (measured at 20 and at 200 entries), and within 3x of raw SQL.

Three timings, of a patient with 200 entries spread over the six chart sections:
- view: GET of the chart page through django.test.Client, as a nurse with TOTP. It runs the
  middleware, the selectors, the audit INSERT (and its commit) and renders the HTML page.
- selectors: `get_patient_for` + `patient_chart`, the data fetch the view makes.
- raw SQL: the statements those selectors send (the patient row, then one SELECT per section
  table for that patient), captured with `connection.execute_wrapper` and replayed through a
  Django cursor, fetching tuples.
selectors vs raw SQL is the fair comparison (same rows, same round trips); view vs raw SQL also
counts session/auth, an audit write and HTML rendering, so its ratio is reported for
information only.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

NAME = "chart_open"
RUNS = 100
WARM_UP = 5
QUERY_TARGET = 15
RATIO_TARGET = 3.0
CHART_PATIENTS = {200: "BL0000001", 20: "BL0000002"}  # entries -> MRN, in the large org

PROBLEMS = (
    ("F33.2", "Major depressive disorder, recurrent, severe"),
    ("F32.9", "Major depressive disorder, single episode"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F43.10", "Post-traumatic stress disorder"),
    ("G43.909", "Migraine, unspecified"),
    ("M79.7", "Fibromyalgia"),
    ("F42.2", "Mixed obsessional thoughts and acts"),
)
MEDICATIONS = (
    ("sertraline", "other", None),
    ("lorazepam", "benzodiazepine", Decimal("10.00")),
    ("phenelzine", "maoi", None),
    ("methylphenidate", "stimulant", None),
    ("lamotrigine", "lamotrigine", None),
    ("tramadol", "opioid", None),
    ("bupropion", "other", None),
)
TRIALS = (
    ("antidepressant", "escitalopram"),
    ("antidepressant", "venlafaxine"),
    ("augmentation", "aripiprazole"),
    ("psychotherapy", "CBT"),
    ("tms", "rTMS"),
    ("ect", "ECT"),
)
ALLERGIES = ("penicillin", "latex", "sulfonamides", "peanuts", "codeine", "iodinated contrast")
CONTACT_NAMES = ("Wren Hollowell", "Idris Penmarch", "Tamsin Quayle", "Odile Farrant")


def _spread(total: int, slugs: list[str]) -> dict[str, int]:
    base, extra = divmod(total, len(slugs))
    return {slug: base + (1 if i < extra else 0) for i, slug in enumerate(slugs)}


def _entry(slug: str, rng: random.Random, now: datetime, nurse: Any) -> dict[str, Any]:
    start = date(2015, 1, 1) + timedelta(days=rng.randrange(3000))
    if slug == "contacts":
        return {
            "kind": rng.choice(("emergency", "escort", "other")),
            "name": rng.choice(CONTACT_NAMES),
            "relationship": rng.choice(("sister", "partner", "friend", "son")),
            "phone": f"(555) 010-{rng.randrange(10_000):04d}",
        }
    if slug == "problems":
        code, description = rng.choice(PROBLEMS)
        return {
            "icd10_code": code,
            "description": description,
            "onset_date": start,
            "status": rng.choice(("active", "resolved")),
        }
    if slug == "medications":
        name, drug_class, dzp = rng.choice(MEDICATIONS)
        active = rng.random() < 0.6
        return {
            "name": name,
            "dose_amount": Decimal(rng.choice(("0.5", "25", "50", "150"))),
            "dose_unit": "mg",
            "frequency": rng.choice(("daily", "twice daily", "at night")),
            "drug_class": drug_class,
            "diazepam_equivalent_mg_per_day": dzp,
            "start_date": start,
            "end_date": None if active else start + timedelta(days=rng.randrange(30, 400)),
            "active": active,
        }
    if slug == "allergies":
        return {
            "substance": rng.choice(ALLERGIES),
            "reaction": rng.choice(("rash", "hives", "anaphylaxis", "")),
            "severity": rng.choice(("mild", "moderate", "severe", "unknown")),
        }
    if slug == "trials":
        kind, name = rng.choice(TRIALS)
        return {
            "kind": kind,
            "name": name,
            "dose": rng.choice(("", "20 mg daily", "225 mg daily")),
            "start_date": start,
            "end_date": start + timedelta(days=rng.randrange(30, 300)),
            "adequate_dose": rng.random() < 0.7,
            "adequate_duration": rng.random() < 0.6,
            "outcome": rng.choice(("no_response", "partial_response", "not_tolerated")),
            "notes": "Synthetic benchmark entry.",
        }
    if slug == "consents":
        return {
            "kind": rng.choice(("treatment", "ketamine", "telehealth", "privacy_notice")),
            "document_version": f"2024.{rng.randrange(1, 4)}",
            "signed_at": now - timedelta(days=rng.randrange(1, 1000)),
            "signed_by_name": "Synthetic Patient",
            "witness": nurse if rng.random() < 0.5 else None,
        }
    raise ValueError(slug)


def _ensure_entries(patient: Any, total: int, nurse: Any) -> dict[str, int]:
    """`total` entries for the patient across the sections; recreated only when they differ."""
    from django.db import connection, transaction

    from ketacare.patients.sections import SECTIONS

    wanted = _spread(total, list(SECTIONS))
    have = {slug: s.model.objects.filter(patient=patient).count() for slug, s in SECTIONS.items()}
    if have == wanted:
        return wanted
    print(f"creating {total} chart entries for {patient.mrn}")
    rng = random.Random(total)
    now = datetime.now(UTC)
    with transaction.atomic():
        for slug, section in SECTIONS.items():
            section.model.objects.filter(patient=patient).delete()
            section.model.objects.bulk_create(
                section.model(
                    organisation_id=patient.organisation_id,
                    patient=patient,
                    recorded_by=nurse,
                    created_at=now - timedelta(seconds=rng.randrange(3 * 365 * 86400)),
                    **_entry(slug, rng, now, nurse),
                )
                for _ in range(wanted[slug])
            )
    with connection.cursor() as cursor:
        for section in SECTIONS.values():
            cursor.execute(f'ANALYZE "{section.model._meta.db_table}"')
    return wanted


def _capture(fn: Any) -> list[tuple[str, tuple[Any, ...]]]:
    from django.db import connection

    sent: list[tuple[str, tuple[Any, ...]]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        sent.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        fn()
    return sent


def _replay(statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def run() -> dict[str, Any] | None:
    if not common.setup_django(NAME):
        return None
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from ketacare.patients.models import Patient
    from ketacare.patients.selectors import get_patient_for, patient_chart
    from ketacare.tenancy.access import require_membership

    world = common.ensure_world()
    nurse = world.nurse
    patients = {
        n: Patient.objects.get(organisation=world.large, mrn=mrn)
        for n, mrn in CHART_PATIENTS.items()
    }
    spreads = {n: _ensure_entries(p, n, nurse) for n, p in patients.items()}

    client = Client()
    client.force_login(nurse)
    per_size: dict[int, dict[str, Any]] = {}
    for n, patient in sorted(patients.items()):
        url = reverse("patients:chart", args=[patient.public_id])
        for _ in range(WARM_UP):  # the first request writes the session's MFA and idle keys
            response = client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        # Read now: every request (request_started) clears the connection's query log.
        captured = [q["sql"] for q in ctx.captured_queries]
        if response.status_code != 200:
            raise RuntimeError(f"chart answered {response.status_code} for {url}")
        shown = response.content.count(b'class="edit"')
        if shown != n:
            raise RuntimeError(f"chart shows {shown} entries, expected {n}")
        common.fresh_heap()
        view = [common.timed(lambda url=url: client.get(url)) for _ in range(RUNS)]
        per_size[n] = {
            "entries": spreads[n],
            "queries": len(captured),
            "query_list": [q[:160] for q in captured],
            "view": common.stats_ms(view),
            "html_bytes": len(response.content),
        }

    # Selectors and raw SQL, for the 200-entry patient.
    big = patients[200]
    user = nurse.__class__.objects.get(pk=nurse.pk)
    membership = require_membership(user)  # cached on the user, as within one request

    def selectors() -> None:
        patient = get_patient_for(user, big.public_id)
        patient_chart(user, patient, membership)

    fetched = get_patient_for(user, big.public_id)
    all_sql = _capture(selectors)
    section_sql = _capture(lambda: patient_chart(user, fetched, membership))
    if len(all_sql) != len(section_sql) + 1:
        raise RuntimeError(f"expected the patient row + sections, got {len(all_sql)} statements")
    for _ in range(WARM_UP):
        selectors()
        _replay(all_sql)
    sel, raw, chart_only, raw_sections = [], [], [], []
    common.fresh_heap()
    for _ in range(RUNS):  # interleaved, so drift hits both sides alike
        sel.append(common.timed(selectors))
        raw.append(common.timed(lambda: _replay(all_sql)))
        chart_only.append(common.timed(lambda: patient_chart(user, fetched, membership)))
        raw_sections.append(common.timed(lambda: _replay(section_sql)))

    sel_s, raw_s = common.stats_ms(sel), common.stats_ms(raw)
    chart_s, raw_sections_s = common.stats_ms(chart_only), common.stats_ms(raw_sections)
    view_s = per_size[200]["view"]
    sel_ratio = common.ratio(sel_s["p95_ms"], raw_s["p95_ms"])
    chart_ratio = common.ratio(chart_s["p95_ms"], raw_sections_s["p95_ms"])
    view_ratio = common.ratio(view_s["p95_ms"], raw_s["p95_ms"])
    q20, q200 = per_size[20]["queries"], per_size[200]["queries"]

    print(f"chart open, nurse with TOTP ({RUNS} runs each)")
    print(f"  queries per chart open: {q20} with 20 entries, {q200} with 200 entries")
    for n in sorted(per_size):
        v = per_size[n]["view"]
        print(
            f"  {'view GET, ' + str(n) + ' entries':44} p50 {v['p50_ms']:7.2f} ms"
            f"  p95 {v['p95_ms']:7.2f} ms  ({per_size[n]['html_bytes']:,} bytes of HTML)"
        )
    lines = (
        ("selectors (get_patient_for + patient_chart)", sel_s),
        (f"raw SQL, same {len(all_sql)} statements", raw_s),
        ("patient_chart only", chart_s),
        (f"raw SQL, its {len(section_sql)} section statements", raw_sections_s),
    )
    for label, s in lines:
        print(f"  {label:44} p50 {s['p50_ms']:7.2f} ms  p95 {s['p95_ms']:7.2f} ms")
    print(f"  ratio p95 selectors / raw SQL (fair comparison):    {sel_ratio}")
    print(f"  ratio p95 patient_chart / raw section SQL:          {chart_ratio}")
    print(f"  ratio p95 view / raw SQL (view renders HTML, info):  {view_ratio}")
    print("  queries of one chart open (200 entries):")
    for q in per_size[200]["query_list"]:
        print(f"    {q[:110]}")

    targets = {
        "queries_at_most": {
            "target": QUERY_TARGET,
            "measured": {"20_entries": q20, "200_entries": q200},
            "met": max(q20, q200) <= QUERY_TARGET,
        },
        "query_count_constant": {
            "target": "same at 20 and 200 entries",
            "measured": {"20_entries": q20, "200_entries": q200},
            "met": q20 == q200,
        },
        "selectors_p95_within_x_of_raw_sql": {
            "target": RATIO_TARGET,
            "measured": sel_ratio,
            "met": sel_ratio <= RATIO_TARGET,
        },
    }
    result = {
        "skipped": False,
        "database": common.BENCH_DATABASE_URL.rsplit("@", 1)[-1],
        "runs": RUNS,
        "machine": common.machine(),
        "by_entries": {str(n): v for n, v in sorted(per_size.items())},
        "selectors_200": sel_s,
        "raw_sql_200": raw_s,
        "patient_chart_only_200": chart_s,
        "raw_section_sql_200": raw_sections_s,
        "ratio_p95_selectors_over_raw": sel_ratio,
        "ratio_p95_patient_chart_over_raw_sections": chart_ratio,
        "ratio_p95_view_over_raw_informational": view_ratio,
        "notes": (
            "selectors vs raw SQL is the fair comparison. The view additionally loads the "
            "session and user, writes and commits an audit event and renders HTML. The test "
            "client skips the per-request CONN_HEALTH_CHECKS round trip a server would make."
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
