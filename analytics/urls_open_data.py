"""Open data, public, at /open-data/ (config/urls.py)."""

from django.urls import path

from analytics import views_open_data

app_name = "open_data"

urlpatterns = [
    path("", views_open_data.OpenDataView.as_view(), name="index"),
    path("<slug:name>.csv", views_open_data.OpenDataFileView.as_view(), name="file"),
]
