"""What both benchmarks share: the bench database, the synthetic practice, timing and results.

The benchmarks run against their own PostgreSQL database (`ketacare_bench`, or
BENCH_DATABASE_URL), never the demo or test databases. Everything they create is synthetic and
reused on the next run.
"""

from __future__ import annotations

import gc
import json
import os
import random
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ketacare_bench"
)

LARGE_ORG_SLUG = "bench-large"
SMALL_ORG_SLUG = "bench-small"
LARGE_ORG_PATIENTS = 100_000
SMALL_ORG_PATIENTS = 5_000
NURSE_EMAIL = "bench.nurse@example.test"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - the tests' synthetic secret
BATCH = 5_000
# Bump when the generator changes, so an existing bench database is regenerated.
POPULATION_VERSION = 2


# --- results ---------------------------------------------------------------------------------


def write_result(name: str, data: dict[str, Any]) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.json"
    payload = {"benchmark": name, "generated_at": datetime.now(UTC).isoformat(), **data}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def skip(name: str, reason: str) -> None:
    print(f"{name}: skipped: {reason}")
    write_result(name, {"skipped": True, "reason": reason})


# --- the database ----------------------------------------------------------------------------


def _maintenance_url(url: str) -> tuple[str, str]:
    """The URL of the `postgres` database on the same server, and the bench database's name."""
    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "pgsql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/postgres", parts.query, "")), dbname


def prepare_database() -> str | None:
    """Create the bench database when missing. Returns why not, when PostgreSQL does not answer."""
    import psycopg
    from psycopg import sql

    maintenance, dbname = _maintenance_url(BENCH_DATABASE_URL)
    try:
        with psycopg.connect(maintenance, connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [dbname]
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
                print(f"created database {dbname}")
    except psycopg.Error as exc:
        detail = " ".join(str(exc).split())
        return f"PostgreSQL does not answer at {maintenance.rsplit('@', 1)[-1]}: {detail}"
    return None


def setup_django(name: str) -> bool:
    """Point Django at the bench database, set it up and migrate. False (and a skipped result
    written) when PostgreSQL does not answer."""
    problem = prepare_database()
    if problem:
        skip(name, problem)
        return False
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    # The static root is only built by collectstatic; the benchmarks serve no static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    return True


# --- timing ----------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def stats_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(sum(ms) / len(ms), 3),
    }


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fresh_heap() -> None:
    """Collect garbage between phases so one phase's garbage is not paid by the next."""
    gc.collect()


def machine() -> dict[str, Any]:
    """CPU count and load, so noisy figures (other work on the machine) can be recognised."""
    cpus = os.cpu_count() or 1
    load = round(os.getloadavg()[0], 2)
    busy = load > cpus  # this benchmark and its PostgreSQL backend alone keep about one busy
    if busy:
        print(f"note: load average {load} on {cpus} CPUs: other work is running, p95s are noisy")
    return {"cpus": cpus, "loadavg_1m": load, "busy": busy}


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


# --- the synthetic practice ------------------------------------------------------------------

# Invented name parts (space-separated strings). A surname is a syllable, an optional joint and a
# tail: a few thousand of them with several hundred distinct 3-letter prefixes, handed out with a
# Zipf-like skew (the commonest surname about 0.5% of patients, as in a real population). A few
# carry accents.
ONSETS = "b c d f g h j k l m n p r s t v w y z br bl cr cl dr fl fr gl gr pr pl sh st th tr wh"
VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou")
CODAS = ("", "", "l", "n", "r", "s", "t", "m", "nd", "rt", "ck", "ll", "rr", "st")
LAST_JOINTS = ("", "", "", "a", "e", "i", "o", "er", "en", "in", "ing")
LAST_TAILS = (
    "ton ford wick ley man son field by more well worth ridge stead dale berg holm croft ham "
    "land mont ard ell ett ier ova ski ez ani oni ura"
)
ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ü"}
FIRST_HEADS = (
    "Ada Ali Bea Cal Dor Eli Fen Gra Hal Ili Jor Kai Lia Mar Nia Oli Pia Rae Sol Tam Una Vel "
    "Wyn Xan Yas Zoë Ren Jos Mat Ell Sam Tob Ivo Noa Lu Ro Ky Ma Jo Da"
)
FIRST_TAILS = ("", "na", "ra", "lie", "en", "ton", "ric", "sa", "ia", "an", "ette", "o", "us", "é")
STREETS = ("Oak", "Maple", "Cedar", "Harbour", "Mill", "Station", "Church", "Lake", "Hill")
CITIES = ("Palos Hills", "Oak Lawn", "Orland Park", "Evergreen Park", "Bridgeview", "Worth")
SEXES = ("female", "male", "intersex", "unknown")
STATUSES = ("lead", "consultation", "active_treatment", "maintenance", "discharged")


def _zipf_pool(rng: random.Random, names: list[str], size: int, flatten: int) -> list[str]:
    """`size` names drawn from `names` with weight 1/(rank + flatten)."""
    weights = [1 / (rank + flatten) for rank in range(len(names))]
    return rng.choices(names, weights=weights, k=size)


def _surname(rng: random.Random) -> str:
    syllable = rng.choice(ONSETS.split()) + rng.choice(VOWELS) + rng.choice(CODAS)
    name = syllable + rng.choice(LAST_JOINTS) + rng.choice(LAST_TAILS.split())
    if rng.random() < 0.02:
        vowel = next(c for c in name if c in ACCENTED)
        name = name.replace(vowel, ACCENTED[vowel], 1)
    return name.capitalize()


def _name_lists(rng: random.Random) -> tuple[list[str], list[str]]:
    surnames: set[str] = set()
    while len(surnames) < 4_000:
        surnames.add(_surname(rng))
    firsts = sorted({f"{h}{t}" for h in FIRST_HEADS.split() for t in FIRST_TAILS})
    last_list, first_list = sorted(surnames), firsts
    rng.shuffle(last_list)
    rng.shuffle(first_list)
    return last_list, first_list


@dataclass
class World:
    large: Any  # Organisation
    small: Any  # Organisation
    nurse: Any  # User, nurse of the large organisation, with TOTP


def _organisation(slug: str, name: str, prefix: str) -> Any:
    from ketacare.tenancy.models import Clinic, Organisation

    org, _ = Organisation.objects.get_or_create(
        slug=slug, defaults={"name": name, "mrn_prefix": prefix}
    )
    for n in (1, 2):
        Clinic.objects.get_or_create(
            organisation=org,
            name=f"{name} clinic {n}",
            defaults={
                "address_line1": f"{n} Bench Way",
                "city": "Palos Hills",
                "state": "IL",
                "zip_code": "60465",
                "phone": "(555) 010-0000",
            },
        )
    return org


def _nurse(org: Any) -> Any:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from ketacare.accounts.models import User
    from ketacare.tenancy.models import Membership, Role

    user = User.objects.filter(email=NURSE_EMAIL).first()
    if user is None:
        user = User(email=NURSE_EMAIL, full_name="Bench Nurse")
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, defaults={"organisation": org, "role": Role.NURSE})
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)
    return user


def _populate(org: Any, prefix: str, count: int, seed: int) -> None:
    from django.db import connection, transaction

    from ketacare.patients.models import Patient
    from ketacare.patients.selectors import name_key

    rng = random.Random(seed)
    surnames, firsts = _name_lists(random.Random(1))  # same names in both organisations
    lasts = _zipf_pool(rng, surnames, count, flatten=50)
    common_firsts = _zipf_pool(rng, firsts, count, flatten=10)
    clinics = list(org.clinics.values_list("id", flat=True))
    now = datetime.now(UTC)
    earliest_dob = date(1940, 1, 1).toordinal()
    latest_dob = date(2006, 12, 31).toordinal()
    started = time.perf_counter()
    with transaction.atomic():
        deleted = Patient.objects.filter(organisation=org).delete()[0]
        if deleted:
            print(f"  removed {deleted} rows of an incomplete population")
        for start in range(0, count, BATCH):
            rows = []
            for i in range(start, min(start + BATCH, count)):
                first = common_firsts[i]
                last = lasts[i]
                if rng.random() < 0.05:  # some double-barrelled surnames
                    last = f"{last}-{rng.choice(surnames)}"
                preferred = ""
                if rng.random() < 0.1:
                    preferred = rng.choice(firsts)
                middle = rng.choice(firsts) if rng.random() < 0.4 else ""
                created = now - timedelta(seconds=rng.randrange(5 * 365 * 86400))
                rows.append(
                    Patient(
                        organisation=org,
                        mrn=f"{prefix}{i + 1:07d}",
                        legal_first_name=first,
                        legal_middle_name=middle,
                        legal_last_name=last,
                        preferred_name=preferred,
                        date_of_birth=date.fromordinal(rng.randint(earliest_dob, latest_dob)),
                        sex_assigned_at_birth=rng.choice(SEXES),
                        email=f"{name_key(first)}.{i}@example.test" if rng.random() < 0.7 else "",
                        phone=f"(555) 01{rng.randrange(10)}-{rng.randrange(10_000):04d}",
                        address_line1=f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} St",
                        city=rng.choice(CITIES),
                        state="IL",
                        zip_code="60465",
                        preferred_clinic_id=rng.choice(clinics),
                        status=rng.choice(STATUSES),
                        last_name_key=name_key(last),
                        first_name_key=name_key(first),
                        preferred_name_key=name_key(preferred),
                        created_at=created,
                    )
                )
            Patient.objects.bulk_create(rows, batch_size=1_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_patient")
    print(f"  {count} patients for {org.slug} in {time.perf_counter() - started:.1f} s")


def ensure_world() -> World:
    """The two organisations, their patients and the nurse; created once, then reused."""
    from ketacare.patients.models import Patient

    large = _organisation(LARGE_ORG_SLUG, "Bench Large Practice", "BL")
    small = _organisation(SMALL_ORG_SLUG, "Bench Small Practice", "BS")
    for org, prefix, count, seed in (
        (large, "BL", LARGE_ORG_PATIENTS, 11),
        (small, "BS", SMALL_ORG_PATIENTS, 22),
    ):
        have = Patient.objects.filter(organisation=org).count()
        version = org.settings.get("bench_population_version")
        if have != count or version != POPULATION_VERSION:
            print(
                f"generating {count:,} synthetic patients for {org.slug} "
                f"(found {have:,}, generator version {version})"
            )
            _populate(org, prefix, count, seed)
            org.settings = {**org.settings, "bench_population_version": POPULATION_VERSION}
            org.save(update_fields=["settings", "updated_at"])
    return World(large=large, small=small, nurse=_nurse(large))


def flush() -> None:
    sys.stdout.flush()
