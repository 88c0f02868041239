"""Read queries of the public clinic finder.

Unlike the staff selectors these take no user: the finder is public and reads only clinics
that opted in to public listing (of any organisation), and only their public fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from ketacare.directory.geo import bounding_box, haversine_miles
from ketacare.directory.listing import PUBLIC_FIELDS, PublicClinic, public_clinic
from ketacare.directory.places import Place
from ketacare.tenancy.models import Clinic

RESULTS_SHOWN = 10


@dataclass(frozen=True)
class FinderResult:
    clinics: tuple[PublicClinic, ...]  # nearest first, at most RESULTS_SHOWN
    total: int  # every matching clinic within the radius


def listed_clinics() -> QuerySet[Clinic]:
    return Clinic.objects.filter(publicly_listed=True)


def find_clinics(
    *,
    origin: Place,
    within_miles: int,
    route: str = "",
    condition: str = "",
    limit: int = RESULTS_SHOWN,
) -> FinderResult:
    """Listed clinics within `within_miles` of `origin`, nearest first.

    The bounding box is filtered in SQL (index on publicly_listed, latitude, longitude); the
    exact distance and the route/condition filters (JSON lists, portable across SQLite and
    PostgreSQL) run in Python on the slim rows, and only the shown clinics are loaded in full.
    """
    box = bounding_box(origin.latitude, origin.longitude, within_miles)
    # order_by(): the model's default ordering joins the organisation, which the box never needs.
    rows = (
        listed_clinics()
        .order_by()
        .filter(
            latitude__gte=box.min_lat,
            latitude__lte=box.max_lat,
            longitude__gte=box.min_lon,
            longitude__lte=box.max_lon,
        )
    )
    fields = ["id", "latitude", "longitude"]
    if route:
        fields.append("routes_offered")
    if condition:
        fields.append("conditions_treated")
    near: list[tuple[float, int]] = []
    for row in rows.values_list(*fields):
        if route and route not in (row[3] or []):
            continue
        if condition and condition not in (row[-1] or []):
            continue
        miles = haversine_miles(origin.latitude, origin.longitude, float(row[1]), float(row[2]))
        if miles <= within_miles:
            near.append((miles, row[0]))
    near.sort()
    shown = near[:limit]
    by_id = {
        c.id: c
        for c in Clinic.objects.order_by()
        .filter(id__in=[i for _, i in shown])
        .only("id", *PUBLIC_FIELDS)
    }
    clinics = tuple(public_clinic(by_id[i], miles) for miles, i in shown if i in by_id)
    return FinderResult(clinics=clinics, total=len(near))


def get_listed_clinic(public_id: UUID) -> PublicClinic:
    """A listed clinic's public page data; an unlisted or unknown clinic is a 404."""
    clinic = listed_clinics().only(*PUBLIC_FIELDS).filter(public_id=public_id).first()
    if clinic is None:
        raise Http404("No listed clinic")
    return public_clinic(clinic)
