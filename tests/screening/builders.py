"""A realistic consultation case shared by the screening tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ketacare.measures import services as measure_services
from ketacare.patients.models import Medication, PriorTreatmentTrial
from ketacare.tenancy.models import Role


def with_treatment_history(practice) -> None:  # type: ignore[no-untyped-def]
    """Two adequate failed antidepressant trials, lorazepam 6 mg/day, a baseline PHQ-9."""
    patient = practice.patient
    today = timezone.localdate()
    for name, weeks in (("Sertraline", 10), ("Escitalopram", 8)):
        start = today - timedelta(weeks=40 - weeks)
        PriorTreatmentTrial.objects.create(
            organisation=practice.organisation, patient=patient, kind="antidepressant", name=name,
            start_date=start, end_date=start + timedelta(weeks=weeks), adequate_dose=True,
            adequate_duration=True, outcome="no_response",
        )  # fmt: skip
    Medication.objects.create(
        organisation=practice.organisation, patient=patient, name="Lorazepam",
        dose_amount=Decimal("2"), dose_unit="mg", frequency="three times daily",
        drug_class="benzodiazepine", diazepam_equivalent_mg_per_day=Decimal("60"),
    )  # fmt: skip
    measure_services.assessment_record(
        actor=practice.staff[Role.NURSE], patient=patient, instrument_code="phq9",
        answers={str(i): 2 for i in range(1, 9)} | {"9": 0},
    )  # fmt: skip
