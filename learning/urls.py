from django.urls import path

from learning import views, views_my

app_name = "learning"

urlpatterns = [
    path("lessons/<int:lesson_id>/xapi/", views.xapi_statement, name="xapi"),
    path("lessons/<int:lesson_id>/read/", views.mark_read, name="read"),
    path("lessons/<int:lesson_id>/state/<uuid:package>/", views.save_state, name="state"),
    # Served on the H5P content origin (learning.middleware; all start with h5p/).
    path("h5p/<uuid:package>/player/", views.h5p_player, name="h5p_player"),
    path("h5p/<uuid:package>/h5p.json", views.h5p_json, name="h5p_json"),
    path("h5p/<uuid:package>/content/<path:path>", views.h5p_content_file, name="h5p_content"),
    path(
        "h5p/<uuid:package>/libraries/<str:folder>/<path:path>",
        views.h5p_library_file,
        name="h5p_library",
    ),
    path("my/", views_my.MyLearningView.as_view(), name="my_learning"),
    path(
        "certificates/<str:code>/pdf/",
        views_my.CertificatePdfView.as_view(),
        name="certificate_pdf",
    ),
]
