"""The public clinic finder and clinic pages: no sign-in, no JavaScript, public data only."""

from __future__ import annotations

import hashlib
from uuid import UUID

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketacare.directory import ratelimit
from ketacare.directory.forms import FinderForm
from ketacare.directory.listing import structured_data
from ketacare.directory.places import PlaceInputInvalid, PlaceNotFound, resolve_place
from ketacare.directory.selectors import find_clinics, get_listed_clinic

# The ZIP coordinates are GeoNames data under CC BY 4.0: the finder page credits them. (Plain
# links, kept here because templates hold no external URL: assets are all local.)
ATTRIBUTION = {
    "geonames_url": "https://www.geonames.org/",
    "licence_url": "https://creativecommons.org/licenses/by/4.0/",
}
RATE_LIMITED_MESSAGE = (
    "You have searched many times in the last minute. Please wait a minute, then try again."
)


def _rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "directory/rate_limited.html",
        {"message": RATE_LIMITED_MESSAGE},
        status=429,
    )
    response["Retry-After"] = str(ratelimit.WINDOW_SECONDS)
    return response


# A search's page is public data, the same for everyone: a repeat of the same search within a
# minute is served as rendered (a listing change shows within the minute). Rendering ten clinic
# cards costs several milliseconds of template work; serving the stored page costs none.
RESULTS_CACHE_SECONDS = 60


@require_GET
def finder(request: HttpRequest) -> HttpResponse:
    if ratelimit.over_budget(request):
        return _rate_limited(request)
    cache = caches["public_reads"]
    key = "directory:finder:page:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()
    stored = cache.get(key)
    if stored is not None:
        return HttpResponse(stored)
    response = _finder_page(request)
    if response.status_code == 200:
        cache.set(key, response.content, RESULTS_CACHE_SECONDS)
    return response


def _finder_page(request: HttpRequest) -> HttpResponse:
    form = FinderForm(request.GET or None)
    context: dict[str, object] = {"form": form, "searched": False, "attribution": ATTRIBUTION}
    status = 200
    if form.is_bound and form.is_valid() and form.cleaned_data["near"]:
        data = form.cleaned_data
        try:
            place = resolve_place(data["near"])
        except PlaceInputInvalid as exc:
            form.add_error("near", str(exc))
            status = 400
        except PlaceNotFound as exc:
            context["not_found"] = str(exc)
        else:
            result = find_clinics(
                origin=place,
                within_miles=data["within"],
                route=data["route"],
                condition=data["condition"],
            )
            context.update(searched=True, place=place, result=result, within=data["within"])
    elif form.is_bound and form.errors:
        status = 400
    return render(request, "directory/finder.html", context, status=status)


@require_GET
def clinic_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    if ratelimit.over_budget(request):
        return _rate_limited(request)
    clinic = get_listed_clinic(public_id)
    url = request.build_absolute_uri()
    return render(
        request,
        "directory/clinic_detail.html",
        {"clinic": clinic, "structured_data": structured_data(clinic, url)},
    )
