"""Scheduling pages: calendars, floor board, appointment actions, series and consultation
booking, schedule settings."""

from django.urls import path

from ketacare.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("schedule/", views.index, name="index"),
    path("schedule/settings/", views.settings_index, name="settings_index"),
    path("schedule/<uuid:clinic_id>/week/", views.week, name="week"),
    path("schedule/<uuid:clinic_id>/day/", views.day, name="day"),
    path("schedule/<uuid:clinic_id>/floor/", views.floor, name="floor"),
    path("schedule/<uuid:clinic_id>/floor/board/", views.floor_board, name="floor_board"),
    path("schedule/<uuid:clinic_id>/settings/", views.settings, name="settings"),
    path("schedule/<uuid:clinic_id>/settings/types/new/", views.type_edit, name="type_add"),
    path(
        "schedule/<uuid:clinic_id>/settings/types/<uuid:type_id>/",
        views.type_edit,
        name="type_edit",
    ),
    path("schedule/<uuid:clinic_id>/settings/closures/", views.closure_add, name="closure_add"),
    path("schedule/<uuid:clinic_id>/settings/ratio/", views.ratio_set, name="ratio_set"),
    path("schedule/<uuid:clinic_id>/settings/shifts/", views.shift_add, name="shift_add"),
    path("appointments/<uuid:public_id>/move/", views.move, name="move"),
    path("appointments/<uuid:public_id>/status/", views.status, name="status"),
    path(
        "patients/<uuid:public_id>/appointments/",
        views.patient_appointments,
        name="patient_appointments",
    ),
    path("plans/<uuid:plan_id>/series/", views.plan_series, name="plan_series"),
    path(
        "consultations/<uuid:request_id>/book/",
        views.book_consultation,
        name="book_consultation",
    ),
]
