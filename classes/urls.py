"""Public pages: find a class, book, print the slip, cancel."""

from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    path("", views.SessionListView.as_view(), name="session_list"),
    path("<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path("<int:pk>/book/", views.BookingView.as_view(), name="book"),
    path("booking/<str:reference>/", views.BookingDetailView.as_view(), name="booking_detail"),
    path("booking/<str:reference>/slip/", views.BookingSlipView.as_view(), name="booking_slip"),
    path(
        "booking/<str:reference>/calendar.ics",
        views.BookingCalendarView.as_view(),
        name="booking_ics",
    ),
    path("cancel/", views.CancelLookupView.as_view(), name="cancel"),
    path("cancel/confirm/", views.CancelConfirmView.as_view(), name="cancel_confirm"),
    path("cancel/done/", views.CancelDoneView.as_view(), name="cancel_done"),
]
