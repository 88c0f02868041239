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
    path("sitemap.xml", views.sitemap, name="sitemap"),
]
