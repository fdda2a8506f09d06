"""Public pages: find a class, book, print the slip, cancel."""

from django.urls import path

app_name = "classes"

urlpatterns: list = []
