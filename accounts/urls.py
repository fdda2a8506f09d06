from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.StaffHomeView.as_view(), name="staff_home"),
]
