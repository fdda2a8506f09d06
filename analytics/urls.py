"""Dashboards under /analytics/; each part adds its path here."""

from django.urls import path

from analytics import views, views_classes, views_reach, views_training

app_name = "analytics"

urlpatterns = [
    path("", views.AnalyticsIndexView.as_view(), name="index"),
    path("classes/", views_classes.ClassesDashboardView.as_view(), name="classes"),
    path("training/", views_training.TrainingDashboardView.as_view(), name="training"),
    path("reach/", views_reach.ReachDashboardView.as_view(), name="reach"),
]
