"""The list of a clinic's published pages, for its directory listing."""

from __future__ import annotations

from typing import Any

from django import template

from ketacare.public.selectors import published_clinic_pages

register = template.Library()


@register.inclusion_tag("public/partials/clinic_page_links.html")
def clinic_page_links(clinic: Any) -> dict[str, Any]:
    """`clinic` is the directory's listing (anything with a `public_id` and a `name`)."""
    pages = published_clinic_pages().filter(clinic__public_id=clinic.public_id)
    return {"clinic": clinic, "pages": list(pages)}
