"""Staff pages: bookings on behalf, phone worklist, trainer rosters and check-in."""

from django.urls import path

app_name = "classes_staff"

urlpatterns: list = []
