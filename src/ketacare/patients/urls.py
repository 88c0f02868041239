from django.urls import path

from ketacare.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.register, name="register"),
    path("<uuid:public_id>/", views.chart, name="chart"),
    path("<uuid:public_id>/edit/", views.edit, name="edit"),
    path("<uuid:public_id>/<slug:section>/add/", views.entry_add, name="entry_add"),
    path(
        "<uuid:public_id>/<slug:section>/<uuid:entry_id>/edit/",
        views.entry_edit,
        name="entry_edit",
    ),
    path(
        "<uuid:public_id>/consents/<uuid:entry_id>/countersign/",
        views.consent_countersign,
        name="consent_countersign",
    ),
    path(
        "<uuid:public_id>/consents/<uuid:entry_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "<uuid:public_id>/consents/<uuid:entry_id>/print/",
        views.consent_print,
        name="consent_print",
    ),
]
