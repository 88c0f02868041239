"""The pre-screen's choice inputs keep Django's widget markup (they are written in one
template loop rather than through option.tag, for speed)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from ketacare.public.forms import _BLANK_FIELDS, blank_prescreen_form


def test_an_unanswered_form_marks_required_radios_only() -> None:
    html = Client().get(reverse("public:prescreen")).content.decode()
    assert (
        '<input type="radio" name="antidepressants_tried" value="0" '
        'id="id_antidepressants_tried_0" required>'
    ) in html
    assert '<input type="checkbox" name="seeking" value="depression" id="id_seeking_0">' in html
    assert '<input type="radio" name="helped" value="no" id="id_helped_0">' in html


def test_a_refused_form_keeps_the_answers_and_marks_invalid_fields(db: object) -> None:
    response = Client().post(
        reverse("public:prescreen"),
        {"seeking": ["anxiety"], "conditions": ["avm", "stroke"], "age": "x"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="anxiety" id="id_seeking_2" checked>' in html
    assert 'value="avm" id="id_conditions_2" checked>' in html
    assert 'value="stroke" id="id_conditions_4" checked>' in html
    assert 'value="aneurysm" id="id_conditions_1">' in html
    assert 'name="pregnancy" value="no" id="id_pregnancy_0" required aria-invalid="true">' in html


def test_a_visitors_answers_never_reach_the_next_visitors_blank_form(db: object) -> None:
    _BLANK_FIELDS.clear()  # the filled-in form is the first this process renders
    blank_prescreen_form.cache_clear()
    Client().post(
        reverse("public:prescreen"),
        {"seeking": ["ptsd"], "conditions": ["stroke"], "medicines": ["maoi"], "age": "41"},
    )
    after = Client().get(reverse("public:prescreen")).content.decode()
    assert " checked" not in after
    assert 'value="41"' not in after
    assert "aria-invalid" not in after


def test_the_blank_form_is_built_once_and_never_bound(db: object) -> None:
    blank_prescreen_form.cache_clear()
    Client().get(reverse("public:prescreen"))
    Client().post(reverse("public:prescreen"), {"seeking": ["ptsd"], "age": "41"})
    blank = blank_prescreen_form()
    assert blank is blank_prescreen_form()
    assert not blank.is_bound and not blank.errors
