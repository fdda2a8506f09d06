"""Dashboards under /analytics/; each part adds its path here."""

from django.urls import path

from analytics import views, views_classes, views_exports, views_reach, views_training

app_name = "analytics"

urlpatterns = [
    path("", views.AnalyticsIndexView.as_view(), name="index"),
    path("classes/", views_classes.ClassesDashboardView.as_view(), name="classes"),
    path("training/", views_training.TrainingDashboardView.as_view(), name="training"),
    path("reach/", views_reach.ReachDashboardView.as_view(), name="reach"),
    path("exports/new/", views_exports.ExportNewView.as_view(), name="export_new"),
    path("exports/<uuid:pk>/", views_exports.ExportJobView.as_view(), name="export"),
    path(
        "exports/<uuid:pk>/status/",
        views_exports.ExportStatusView.as_view(),
        name="export_status",
    ),
    path(
        "exports/<uuid:pk>/download/",
        views_exports.ExportDownloadView.as_view(),
        name="export_download",
    ),
]
