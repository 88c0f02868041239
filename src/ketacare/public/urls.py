from django.urls import path

from ketacare.public import views

app_name = "public"

urlpatterns = [
    path("learn/", views.learn_index, name="learn"),
    path("learn/<slug:slug>/", views.learn_page, name="learn_page"),
    path("prescreen/", views.prescreen, name="prescreen"),
    path("consultation/request/", views.consultation_request, name="request"),
    path("consultation/thanks/", views.thanks, name="thanks"),
    path("consultation/requests/", views.queue, name="queue"),
    path("consultation/requests/<uuid:public_id>/", views.request_detail, name="request_detail"),
    path("consultation/requests/<uuid:public_id>/mark", views.request_mark, name="request_mark"),
    path(
        "consultation/requests/<uuid:public_id>/convert",
        views.request_convert,
        name="request_convert",
    ),
    path("clinic-pages/", views.clinic_pages, name="clinic_pages"),
    path("clinic-pages/new/", views.clinic_page_create, name="clinic_page_create"),
    path("clinic-pages/<uuid:public_id>/edit/", views.clinic_page_edit, name="clinic_page_edit"),
    path("clinics/<uuid:clinic_id>/pages/<slug:slug>/", views.clinic_page, name="clinic_page"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
]
