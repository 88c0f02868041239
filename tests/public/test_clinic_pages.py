"""Clinics' own pages: written by an organisation admin, shown on the public site when
published, never across organisations, and always as plain (escaped) text."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.audit.models import AuditAction, AuditEvent
from ketacare.public.models import ClinicPage
from ketacare.tenancy.models import Role
from tests.conftest import Practice


def _page(practice: Practice, **overrides: Any) -> ClinicPage:
    values: dict[str, Any] = {
        "organisation": practice.organisation,
        "clinic": practice.clinic,
        "slug": "what-to-expect",
        "title": "What to expect",
        "summary": "Your first visit.",
        "body": "First paragraph.\n\nSecond paragraph.",
        "published": True,
    }
    values.update(overrides)
    return ClinicPage.objects.create(**values)


def _post_data(practice: Practice, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "clinic": str(practice.clinic.public_id),
        "title": "Getting here",
        "slug": "getting-here",
        "summary": "Parking and buses.",
        "body": "Park at the back.\n\nBus 12 stops outside.",
        "published": "on",
    }
    data.update(overrides)
    return data


def _public_url(page: ClinicPage) -> str:
    return reverse("public:clinic_page", args=[page.clinic.public_id, page.slug])


def test_an_org_admin_creates_a_page_and_it_is_audited(listed_a: Practice) -> None:
    client = listed_a.client_for(Role.ORG_ADMIN)
    assert client.get(reverse("public:clinic_page_create")).status_code == 200
    response = client.post(reverse("public:clinic_page_create"), _post_data(listed_a))
    assert response.status_code == 302
    page = ClinicPage.objects.get(slug="getting-here")
    assert page.organisation == listed_a.organisation
    assert page.published is True
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=str(page.public_id)
    ).exists()
    listing = client.get(reverse("public:clinic_pages"))
    assert "Getting here" in listing.content.decode()


def test_an_org_admin_edits_a_page_and_the_change_is_audited(listed_a: Practice) -> None:
    page = _page(listed_a, published=False)
    client = listed_a.client_for(Role.ORG_ADMIN)
    url = reverse("public:clinic_page_edit", args=[page.public_id])
    assert "What to expect" in client.get(url).content.decode()
    response = client.post(
        url, _post_data(listed_a, title="What to expect, updated", slug="what-to-expect")
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "What to expect, updated"
    assert page.published is True
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(page.public_id))
    assert "title" in event.changed_fields


def test_a_duplicate_slug_is_refused_with_a_message(listed_a: Practice) -> None:
    _page(listed_a, slug="getting-here")
    client = listed_a.client_for(Role.ORG_ADMIN)
    response = client.post(reverse("public:clinic_page_create"), _post_data(listed_a))
    assert response.status_code == 400
    assert "already has a page" in response.content.decode()
    assert ClinicPage.objects.filter(slug="getting-here").count() == 1


@pytest.mark.parametrize("name", ["public:clinic_pages", "public:clinic_page_create"])
def test_a_nurse_may_not_manage_pages(listed_a: Practice, name: str) -> None:
    client = listed_a.client_for(Role.NURSE)
    assert client.get(reverse(name)).status_code == 403
    assert (
        client.post(reverse("public:clinic_page_create"), _post_data(listed_a)).status_code == 403
    )


def test_a_nurse_may_not_edit_a_page(listed_a: Practice) -> None:
    page = _page(listed_a)
    url = reverse("public:clinic_page_edit", args=[page.public_id])
    assert listed_a.client_for(Role.NURSE).get(url).status_code == 403


def test_another_organisations_page_answers_404(listed_a: Practice, listed_b: Practice) -> None:
    page = _page(listed_b)
    client = listed_a.client_for(Role.ORG_ADMIN)
    url = reverse("public:clinic_page_edit", args=[page.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, _post_data(listed_b)).status_code == 404
    assert "What to expect" not in client.get(reverse("public:clinic_pages")).content.decode()


def test_an_admin_cannot_write_a_page_for_another_organisations_clinic(
    listed_a: Practice, listed_b: Practice
) -> None:
    client = listed_a.client_for(Role.ORG_ADMIN)
    data = _post_data(listed_a, clinic=str(listed_b.clinic.public_id))
    response = client.post(reverse("public:clinic_page_create"), data)
    assert response.status_code == 400
    assert not ClinicPage.objects.exists()


def test_a_published_page_is_shown_with_the_notice_and_paragraphs(listed_a: Practice) -> None:
    page = _page(listed_a)
    response = Client().get(_public_url(page))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<p>First paragraph.</p>" in html
    assert "<p>Second paragraph.</p>" in html
    assert "This is not medical advice" in html


def test_an_unpublished_page_answers_404(listed_a: Practice) -> None:
    page = _page(listed_a, published=False)
    assert Client().get(_public_url(page)).status_code == 404


def test_a_page_of_an_unlisted_clinic_answers_404(practice_a: Practice) -> None:
    page = _page(practice_a)
    assert Client().get(_public_url(page)).status_code == 404


def test_a_page_under_another_clinic_answers_404(listed_a: Practice, listed_b: Practice) -> None:
    page = _page(listed_a)
    url = reverse("public:clinic_page", args=[listed_b.clinic.public_id, page.slug])
    assert Client().get(url).status_code == 404


def test_html_in_a_page_is_shown_as_text(listed_a: Practice) -> None:
    page = _page(
        listed_a,
        title="<script>alert(1)</script>",
        summary="<b>bold</b>",
        body='<img src=x onerror="alert(1)">\n\n<script>alert(2)</script>',
    )
    html = Client().get(_public_url(page)).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    detail = Client().get(reverse("directory:clinic", args=[listed_a.clinic.public_id]))
    assert "<script>alert" not in detail.content.decode()


def test_the_clinic_listing_links_its_published_pages(listed_a: Practice) -> None:
    shown = _page(listed_a)
    _page(listed_a, slug="draft", title="Secret draft", published=False)
    html = Client().get(reverse("directory:clinic", args=[listed_a.clinic.public_id])).content
    assert _public_url(shown) in html.decode()
    assert "Secret draft" not in html.decode()


def test_the_sitemap_lists_published_pages_only(listed_a: Practice, practice_b: Practice) -> None:
    shown = _page(listed_a)
    draft = _page(listed_a, slug="draft", published=False)
    unlisted = _page(practice_b, slug="unlisted")
    xml = Client().get(reverse("public:sitemap")).content.decode()
    assert _public_url(shown) in xml
    assert _public_url(draft) not in xml
    assert _public_url(unlisted) not in xml


def test_the_page_list_keeps_to_a_query_budget(
    listed_a: Practice, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        _page(listed_a, slug=f"page-{n}", title=f"Page {n}")
    client = listed_a.client_for(Role.ORG_ADMIN)
    client.get(reverse("public:clinic_pages"))  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(reverse("public:clinic_pages"))
    assert response.content.decode().count("/edit/") == 5
