from django.urls import path

from learning import views

app_name = "learning"

urlpatterns = [
    path("lessons/<int:lesson_id>/xapi/", views.xapi_statement, name="xapi"),
    path("lessons/<int:lesson_id>/read/", views.mark_read, name="read"),
]
