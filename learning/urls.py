from django.urls import path

from learning import views, views_my, views_training

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
    # Mandatory-training reports: admins and department managers (learning.views_training).
    path("training/", views_training.ReportView.as_view(), name="training_report"),
    path(
        "training/departments/<int:pk>/",
        views_training.DepartmentView.as_view(),
        name="training_department",
    ),
    path("training/overdue/", views_training.OverdueView.as_view(), name="training_overdue"),
    path("training/export/", views_training.ExportView.as_view(), name="training_export"),
    path(
        "training/people/<int:pk>/",
        views_training.PersonHistoryView.as_view(),
        name="training_person",
    ),
    path("training/cohorts/", views_training.CohortListView.as_view(), name="training_cohorts"),
    path(
        "training/cohorts/<int:pk>/",
        views_training.CohortBoardView.as_view(),
        name="training_cohort",
    ),
]
