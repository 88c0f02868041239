"""Builds the demo practice. Running it again changes nothing: every row is looked up first."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import zipcodes
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.demo import people
from ketacare.measures import services as measure_services
from ketacare.patients import services
from ketacare.patients.models import Patient
from ketacare.patients.sections import SECTIONS
from ketacare.screening import selectors as screening_selectors
from ketacare.screening import services as screening_services
from ketacare.tenancy.models import Clinic, Membership, Organisation, Role, TreatmentSpace

DEMO_PASSWORD = "calm-chair-4417-demo"  # noqa: S105  (synthetic demo credential, printed on start)
# One TOTP secret for every demo account so a newcomer adds a single entry to an authenticator
# app (or runs `ketacare demo_totp`). Never use a shared secret outside the demo.
DEMO_TOTP_SECRET = "KETACAREDEMOMFAXKETACAREDEMOMFAX"  # noqa: S105


@dataclass(frozen=True)
class ClinicSpec:
    name: str
    address: str
    city: str
    state: str
    zip_code: str
    time_zone: str
    routes: tuple[str, ...]
    listed: bool = True
    conditions: tuple[str, ...] = ("depression", "anxiety", "ptsd", "chronic_pain")
    insurance_policy: str = "Superbill provided for out-of-network reimbursement"


ORGANISATIONS = {
    "lakeside": (
        "Lakeside Ketamine & Wellness",
        "America/Chicago",
        "LK",
        (
            ClinicSpec(
                "Lakeside — Palos Hills",
                "10400 S Roberts Rd, Suite 120",
                "Palos Hills",
                "IL",
                "60465",
                "America/Chicago",
                ("iv", "esketamine", "im_sc"),
            ),
            ClinicSpec(
                "Lakeside — Naperville",
                "1200 E Ogden Ave",
                "Naperville",
                "IL",
                "60563",
                "America/Chicago",
                ("iv", "esketamine"),
            ),
            ClinicSpec(
                "Lakeside — Milwaukee",
                "700 N Water St",
                "Milwaukee",
                "WI",
                "53202",
                "America/Chicago",
                ("iv", "sublingual_oral", "topical"),
            ),
        ),
        72,
    ),
    "harbor": (
        "Harbor Mind Clinic",
        "America/Los_Angeles",
        "HM",
        (
            ClinicSpec(
                "Harbor Mind — Portland",
                "1500 SW 1st Ave",
                "Portland",
                "OR",
                "97201",
                "America/Los_Angeles",
                ("iv", "esketamine"),
            ),
        ),
        16,
    ),
}

ROLES = (
    (Role.ORG_ADMIN, "admin", "Dana Okafor"),
    (Role.PRESCRIBER, "prescriber", "Dr. Lena Marsh"),
    (Role.NURSE, "nurse", "Sam Rivera, RN"),
    (Role.FRONT_DESK, "frontdesk", "Alex Kim"),
    (Role.THERAPIST, "therapist", "Jo Bennett, LCSW"),
    (Role.BILLING, "billing", "Pat Moreno"),
)


def _clinic(org: Organisation, spec: ClinicSpec) -> Clinic:
    place = zipcodes.matching(spec.zip_code)[0]
    # Synthetic self-pay prices, one per route offered (demo data, not a market survey).
    demo_prices = (
        ("iv", "IV infusion", 450),
        ("esketamine", "Esketamine session (before insurance)", 650),
        ("im_sc", "IM injection", 350),
        ("sublingual_oral", "Sublingual programme, per month", 250),
    )
    clinic, _ = Clinic.objects.get_or_create(
        organisation=org,
        name=spec.name,
        defaults={
            "address_line1": spec.address,
            "city": spec.city,
            "state": spec.state,
            "zip_code": spec.zip_code,
            "latitude": Decimal(place["lat"]).quantize(Decimal("0.000001")),
            "longitude": Decimal(place["long"]).quantize(Decimal("0.000001")),
            "phone": "(555) 010-" + spec.zip_code[-4:],
            "time_zone": spec.time_zone,
            "routes_offered": list(spec.routes),
            "publicly_listed": spec.listed,
            "hours": {d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "conditions_treated": list(spec.conditions),
            "esketamine_rems_certified": "esketamine" in spec.routes,
            "published_prices": [
                {"service": service, "price_usd": price}
                for route, service, price in demo_prices
                if route in spec.routes
            ],
            "insurance_policy": spec.insurance_policy,
        },
    )
    for i in range(1, 5):
        TreatmentSpace.objects.get_or_create(
            clinic=clinic, name=f"Chair {i}", defaults={"kind": "chair", "organisation": org}
        )
    TreatmentSpace.objects.get_or_create(
        clinic=clinic, name="Room A", defaults={"kind": "room", "organisation": org}
    )
    return clinic


def _staff(org: Organisation, slug: str, clinics: list[Clinic]) -> dict[str, User]:
    users = {}
    for role, handle, name in ROLES:
        email = f"{handle}@{slug}.test"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(user)
        membership, created = Membership.objects.get_or_create(
            user=user,
            defaults={
                "organisation": org,
                "role": role,
                "licence_number": "IL-036-123456" if role == Role.PRESCRIBER else "",
                "dea_number": "BM1234563" if role == Role.PRESCRIBER else "",
            },
        )
        if created:
            membership.clinics.set(clinics)
        users[handle] = user
    return users


def _seed_patients(
    org: Organisation, clinics: list[Clinic], staff: dict[str, User], count: int
) -> int:
    rng = random.Random(f"ketacare-demo-{org.slug}")  # noqa: S311  (demo data, not secrets)
    created = 0
    today = timezone.localdate()
    for n in range(1, count + 1):
        mrn = f"{org.mrn_prefix}{n:06d}"
        first = rng.choice(people.FIRST_NAMES)
        last = rng.choice(people.LAST_NAMES)
        dob = date(today.year - rng.randint(19, 78), rng.randint(1, 12), rng.randint(1, 28))
        clinic = clinics[n % len(clinics)]
        # Draw every value even when the patient exists, so the sequence is stable on re-runs.
        plan = {
            "status": rng.choice(
                [
                    "lead",
                    "consultation",
                    "active_treatment",
                    "active_treatment",
                    "maintenance",
                    "discharged",
                ]
            ),
            "problems": rng.sample(people.PROBLEMS, rng.randint(1, 3)),
            "meds": rng.sample(people.MEDICATIONS, rng.randint(1, 4)),
            "trials": rng.sample(people.TRIALS, rng.randint(1, 4)),
            "allergies": rng.sample(people.ALLERGIES, rng.randint(0, 2)),
            "pronouns": rng.choice(people.PRONOUNS),
            "sex": rng.choice(["female", "male", "female", "male", "intersex"]),
            "street": f"{rng.randint(100, 9999)} {rng.choice(people.STREETS)}",
            "phone": f"(555) 01{rng.randint(0, 9)}-{rng.randint(1000, 9999)}",
            "escort": rng.random() < 0.8,
            "phq9_start": rng.randint(14, 26),
            "phq9_drop": rng.choice([0, 1, 2, 3, 4]),
            "suicide_item_now": rng.random() < 0.06,
        }
        if Patient.objects.filter(organisation=org, mrn=mrn).exists():
            continue
        with transaction.atomic():
            _one_patient(org, clinic, staff, mrn, first, last, dob, plan, today)
        created += 1
    return created


def _one_patient(org, clinic, staff, mrn, first, last, dob, plan, today):  # type: ignore[no-untyped-def]
    patient = services.patient_register(
        actor=staff["frontdesk"],
        data={
            "mrn": mrn,
            "legal_first_name": first,
            "legal_last_name": last,
            "pronouns": plan["pronouns"],
            "date_of_birth": dob,
            "sex_assigned_at_birth": plan["sex"],
            "email": f"{first.lower()}.{last.lower()}@example.test".encode(
                "ascii", "ignore"
            ).decode(),
            "phone": plan["phone"],
            "address_line1": plan["street"],
            "city": clinic.city,
            "state": clinic.state,
            "zip_code": clinic.zip_code,
            "preferred_clinic": clinic,
            "status": plan["status"],
        },
    )
    add = services.chart_entry_add
    nurse, desk = staff["nurse"], staff["frontdesk"]
    add(
        actor=desk,
        patient=patient,
        section=SECTIONS["contacts"],
        data={
            "kind": "emergency",
            "name": "Robin " + last,
            "relationship": "sibling",
            "phone": "(555) 019-2200",
        },
    )
    if plan["escort"]:
        add(
            actor=desk,
            patient=patient,
            section=SECTIONS["contacts"],
            data={
                "kind": "escort",
                "name": "Chris " + last,
                "relationship": "partner",
                "phone": "(555) 019-3300",
            },
        )
    for code, description in plan["problems"]:
        add(
            actor=nurse,
            patient=patient,
            section=SECTIONS["problems"],
            data={
                "icd10_code": code,
                "description": description,
                "status": "active",
                "onset_date": today - timedelta(days=400),
            },
        )
    for name, amount, freq, drug_class, dzp in plan["meds"]:
        add(
            actor=nurse,
            patient=patient,
            section=SECTIONS["medications"],
            data={
                "name": name,
                "dose_amount": Decimal(amount),
                "dose_unit": "mg",
                "frequency": freq,
                "drug_class": drug_class,
                "diazepam_equivalent_mg_per_day": Decimal(dzp) if dzp else None,
                "active": True,
            },
        )
    for kind, name, dose, weeks, dose_ok, time_ok, outcome in plan["trials"]:
        start = today - timedelta(days=700 - weeks * 7)
        add(
            actor=nurse,
            patient=patient,
            section=SECTIONS["trials"],
            data={
                "kind": kind,
                "name": name,
                "dose": dose,
                "start_date": start,
                "end_date": start + timedelta(weeks=weeks),
                "adequate_dose": dose_ok,
                "adequate_duration": time_ok,
                "outcome": outcome,
            },
        )
    for substance, reaction, severity in plan["allergies"]:
        add(
            actor=nurse,
            patient=patient,
            section=SECTIONS["allergies"],
            data={"substance": substance, "reaction": reaction, "severity": severity},
        )
    signed = timezone.make_aware(datetime.combine(today - timedelta(days=30), datetime.min.time()))
    add(
        actor=desk,
        patient=patient,
        section=SECTIONS["consents"],
        data={
            "kind": "privacy_notice",
            "document_version": "2026.1",
            "signed_at": signed,
            "signed_by_name": f"{first} {last}",
        },
    )
    if plan["status"] in ("active_treatment", "maintenance"):
        add(
            actor=desk,
            patient=patient,
            section=SECTIONS["consents"],
            data={
                "kind": "ketamine",
                "route": "iv",
                "document_version": "2026.1",
                "signed_at": signed,
                "signed_by_name": f"{first} {last}",
            },
        )
        _measures(patient, staff, plan, today)
        _eligibility(patient, staff, sign=True)
    elif plan["status"] == "consultation":
        _eligibility(patient, staff, sign=False)


def _phq9_answers(total: int, item9: int) -> dict[str, int]:
    """Synthetic PHQ-9 answers adding up to `total` (items 1-8 filled first, then item 9)."""
    answers = {str(i): 0 for i in range(1, 10)}
    remaining = total - item9
    for i in range(1, 9):
        answers[str(i)] = min(3, remaining)
        remaining -= answers[str(i)]
    answers["9"] = item9
    return answers


def _eligibility(patient, staff, *, sign: bool):  # type: ignore[no-untyped-def]
    """A consultation assessment; for patients already in treatment, signed as the rules say."""
    prescriber = staff["prescriber"]
    draft = screening_services.assessment_start(actor=prescriber, patient=patient)
    draft = screening_services.assessment_update(
        actor=prescriber,
        assessment=draft,
        data={
            "indications": ["major_depressive_disorder"],
            "pregnancy": "not_applicable" if patient.sex_assigned_at_birth == "male" else "unknown",
            "alcohol_use": "occasional",
            "systolic_mmhg": 122,
            "diastolic_mmhg": 78,
            "heart_rate_bpm": 72,
            "weight_kg": Decimal("74.0"),
            "height_cm": Decimal("171.0"),
            "ecg": "normal",
        },
        expected_version=draft.version,
    )
    if not sign:
        return
    report = screening_selectors.eligibility_report(draft)
    verdict = report.for_route("iv").verdict.value
    if verdict == "not_eligible":
        return
    screening_services.assessment_sign(
        actor=prescriber,
        assessment=draft,
        choices={"iv": screening_services.RouteChoice(verdict)},
    )


def _measures(patient, staff, plan, today):  # type: ignore[no-untyped-def]
    """Weekly PHQ-9s since the start of treatment, GAD-7 at the start, schedules going on."""
    nurse = staff["nurse"]
    for frequency, code in (("before_each_session", "phq9"), ("weekly", "gad7")):
        measure_services.measure_schedule_set(
            actor=nurse, patient=patient, instrument_code=code, frequency=frequency
        )
    start = timezone.now() - timedelta(weeks=5)
    total = plan["phq9_start"]
    for week in range(6):
        last = week == 5
        item9 = 1 if last and plan["suicide_item_now"] else 0
        measure_services.assessment_record(
            actor=nurse,
            patient=patient,
            instrument_code="phq9",
            answers=_phq9_answers(max(item9, total), item9),
            completed_at=start + timedelta(weeks=week),
        )
        total = max(0, total - plan["phq9_drop"] - (1 if week % 2 else 0))
    measure_services.assessment_record(
        actor=nurse,
        patient=patient,
        instrument_code="gad7",
        answers={str(i): 2 for i in range(1, 8)},
        completed_at=start,
    )


def seed_demo() -> dict[str, int]:
    """Create (or find) both demo organisations. Returns how many patients were added per org."""
    added = {}
    for slug, (name, tz, prefix, clinic_specs, count) in ORGANISATIONS.items():
        org, _ = Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "time_zone": tz,
                "mrn_prefix": prefix,
                "next_mrn_number": count + 1,
            },
        )
        clinics = [_clinic(org, spec) for spec in clinic_specs]
        staff = _staff(org, slug, clinics)
        added[slug] = _seed_patients(org, clinics, staff, count)
    if not User.objects.filter(email="superadmin@ketacare.test").exists():
        User.objects.create_superuser(
            "superadmin@ketacare.test", DEMO_PASSWORD, full_name="Site administrator"
        )
    superadmin = User.objects.get(email="superadmin@ketacare.test")
    if not Authenticator.objects.filter(user=superadmin, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(superadmin, DEMO_TOTP_SECRET)
    _treatment_plans(Organisation.objects.get(slug="lakeside"))
    from ketacare.demo.scheduling_seed import seed_scheduling

    for org in Organisation.objects.filter(slug__in=ORGANISATIONS):
        seed_scheduling(org)
        _treatment_day_settings(org)
    return added


# The demo practices' own treatment-day numbers where the reference gives none. They are
# example choices of a synthetic practice, not recommendations: a real practice's medical
# director sets its own on the Treatment-day settings page. The alert limits are the one
# candidate the reference names (S39).
DEMO_OBSERVATION_MINUTES = {"iv": 60, "im_sc": 60, "intranasal_compounded": 60,
                            "sublingual_oral": 60, "topical": 30}  # fmt: skip
DEMO_PADSS_THRESHOLD = 8
DEMO_ESKETAMINE_MINUTES_AFTER_40 = 15
DEMO_OTHER_ROUTE_MINUTES = 15


def _treatment_day_settings(org: Organisation) -> None:
    from ketacare.clinical.treatment_day import CANDIDATE_HYPERTENSION_S39
    from ketacare.treatment_sessions.services.settings import treatment_day_page_save

    if org.settings.get("treatment_day", {}).get("minimum_observation_minutes"):
        return  # already set (the seed is idempotent; a practice's own changes are kept)
    treatment_day_page_save(
        actor=User.objects.get(email=f"prescriber@{org.slug}.test"),
        day_values={
            "minimum_observation_minutes": DEMO_OBSERVATION_MINUTES,
            "padss_threshold": DEMO_PADSS_THRESHOLD,
        },
        alert_limits={
            "systolic_above": CANDIDATE_HYPERTENSION_S39.systolic_above,
            "diastolic_above": CANDIDATE_HYPERTENSION_S39.diastolic_above,
        },
        cadence={
            "esketamine_interval_after_40_min": DEMO_ESKETAMINE_MINUTES_AFTER_40,
            "other_route_interval": DEMO_OTHER_ROUTE_MINUTES,
        },
    )


# Demo clinic settings for the IV depression protocol (reference.md gives no number for the
# rounding step or the maximum age of a weight: each clinic sets them).
DEMO_IV_SETTINGS = {"rounding_step_mg": "0.5", "max_weight_age_days": 30}
DEMO_PLANS = 3


def _treatment_plans(org: Organisation) -> None:
    """An active IV plan with a first signed order for a few patients in active treatment who
    have a signed eligible IV decision. Idempotent: a patient with a plan is skipped."""
    from ketacare.patients.models import Consent, PatientStatus
    from ketacare.patients.selectors import consent_problem
    from ketacare.treatment import selectors as treatment_selectors
    from ketacare.treatment import services as treatment_services
    from ketacare.treatment.models import TreatmentPlan

    prescriber = User.objects.get(email="prescriber@lakeside.test")
    nurse = User.objects.get(email="nurse@lakeside.test")
    iv = "iv_racemic_depression"
    if treatment_selectors.settings_values(org.pk, iv) != {
        k: str(v) for k, v in DEMO_IV_SETTINGS.items()
    }:
        treatment_services.protocol_settings_set(
            actor=prescriber, protocol_code=iv, values=dict(DEMO_IV_SETTINGS)
        )
    patients = Patient.objects.filter(
        organisation=org, status=PatientStatus.ACTIVE_TREATMENT
    ).order_by("mrn")
    made = TreatmentPlan.objects.filter(organisation=org).count()
    for index, patient in enumerate(patients):
        if made >= DEMO_PLANS:
            break
        if TreatmentPlan.objects.filter(patient=patient).exists():
            continue
        if treatment_selectors.eligible_decision(patient, "iv") is None:
            continue
        if consent_problem(patient, "iv"):
            consent = Consent.objects.filter(
                patient=patient, kind="ketamine", route="iv", withdrawn_at__isnull=True
            ).first()
            if consent is None:
                consent = services.chart_entry_add(
                    actor=nurse,
                    patient=patient,
                    section=SECTIONS["consents"],
                    data={
                        "kind": "ketamine",
                        "route": "iv",
                        "document_version": "2026.1",
                        "signed_at": timezone.now(),
                        "signed_by_name": patient.display_name,
                    },
                )
            services.consent_countersign(actor=prescriber, consent=consent)
        with transaction.atomic():
            treatment_services.weight_record(
                actor=nurse, patient=patient, value=Decimal(68 + 6 * index), unit="kg"
            )
            plan = treatment_services.plan_create(
                actor=prescriber,
                patient=patient,
                protocol_code=iv,
                indication="treatment-resistant depression",
                planned_sessions=6,
                goals="PHQ-9 below 10 after the induction series",
                measures=["phq9"],
            )
            plan = treatment_services.plan_transition(actor=prescriber, plan=plan, to="active")
            treatment_services.order_sign(
                actor=prescriber,
                plan=plan,
                request=treatment_selectors.DoseRequest(
                    dose=Decimal("0.5"),
                    dose_unit="mg/kg",
                    concentration_mg_per_ml=Decimal(1),
                    concentration_salt_form="hydrochloride salt",
                    bag_volume_ml=Decimal(100),
                    duration_minutes=Decimal(40),
                ),
            )
        made += 1
