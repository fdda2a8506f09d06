"""Mandatory-training reports: admins and department managers (training.views).

Included under ``/learning/training/`` (config/urls.py), the addresses they have always had.
"""

from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.ReportView.as_view(), name="report"),
    path("departments/<int:pk>/", views.DepartmentView.as_view(), name="department"),
    path("overdue/", views.OverdueView.as_view(), name="overdue"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("people/<int:pk>/", views.PersonHistoryView.as_view(), name="person"),
    path("cohorts/", views.CohortListView.as_view(), name="cohorts"),
    path("cohorts/<int:pk>/", views.CohortBoardView.as_view(), name="cohort"),
]
