"""Public pages render for anyone, with the notice and the crisis lines, and store nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketacare.audit.models import AuditEvent
from ketacare.public.content import PAGES
from ketacare.public.models import ConsultationRequest
from tests.conftest import Practice
from tests.public.conftest import WORTH

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/learn/",
    *(f"/learn/{page.slug}/" for page in PAGES),
    "/prescreen/",
    "/consultation/request/",
    "/consultation/thanks/",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_each_public_page_renders_with_notice_and_crisis_lines(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "not medical advice" in html
    assert "988" in html and "911" in html
    assert "<title>" in html and 'name="description" content="' in html
    assert 'content=""' not in html  # every page has its own description
    assert "style=" not in html and "<script" not in html


def test_the_home_page_links_to_learn_prescreen_and_the_clinic_finder() -> None:
    html = Client().get("/").content.decode()
    assert 'href="/learn/"' in html and 'href="/prescreen/"' in html
    assert 'href="/clinics/"' in html and "Find a clinic near me" in html


def test_signed_in_staff_still_go_to_their_start_page(practice_a: Practice) -> None:
    response = practice_a.client_for("front_desk").get("/")
    assert response.status_code == 302 and response.url.startswith("/patients/")


def test_an_unknown_learn_page_is_a_404() -> None:
    assert Client().get("/learn/nothing-here/").status_code == 404


def test_the_learn_pages_cover_the_brief() -> None:
    text = " ".join(
        " ".join(p for s in page.sections for p in (s.heading, *s.paragraphs)) for page in PAGES
    )
    for words in ("NMDA", "40 to 60 minutes", "nasal spray", "lozenge", "injection", "cream",
                  "drive you home", "next day", "PTSD", "not a cure", "insurance"):  # fmt: skip
        assert words in text


def test_sitemap_lists_the_public_pages() -> None:
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    body = response.content.decode()
    for url in ("/learn/", "/prescreen/", "/clinics/", f"/learn/{PAGES[0].slug}/"):
        assert f"{url}</loc>" in body


def test_viewing_a_prescreen_result_stores_nothing() -> None:
    response = Client().post("/prescreen/", WORTH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Worth a consultation" in html
    assert "Find a clinic near me" in html and "Request a consultation" in html
    assert "988" in html
    assert ConsultationRequest.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_result_shows_the_medicine_note() -> None:
    html = Client().post("/prescreen/", {**WORTH, "medicines": ["benzodiazepine"]}).content.decode()
    assert "Worth a consultation" in html and "medicine list" in html


def test_avm_and_pregnancy_shows_probably_not() -> None:
    answers = {**WORTH, "conditions": ["avm"], "pregnancy": "pregnant"}
    html = Client().post("/prescreen/", answers).content.decode()
    assert "Probably not the right next step now" in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age": "abc"}, "age"),
        ({"age": "-3"}, "age"),
        ({"age": "999"}, "age"),
        ({"pregnancy": "definitely"}, "pregnancy"),
        ({"seeking": ["magic"]}, "seeking"),
        ({"antidepressants_tried": "7"}, "antidepressants_tried"),
        ({"conditions": ["<script>"]}, "conditions"),
        ({"taken_properly": ""}, "taken_properly"),
    ],
)
def test_tampered_prescreen_values_give_field_errors(changes: dict[str, Any], field: str) -> None:
    response = Client().post("/prescreen/", {**WORTH, **changes})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Nothing was saved" in html
    assert AuditEvent.objects.count() == 0


def test_a_bad_prescreen_keeps_what_was_typed() -> None:
    html = Client().post("/prescreen/", {**WORTH, "age": "abc"}).content.decode()
    assert 'value="depression"' in html and "checked" in html
