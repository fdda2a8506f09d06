"""Staff pages: bookings on behalf, phone worklist, trainer rosters and check-in.

Counter pages (窓口・管理者): the dashboard, booking on someone's behalf, search, booking detail,
cancel, slip, the phone worklist and suspicious bursts of bookings (不審な申込). Trainer pages
(講師・管理者, own sessions only): today, roster, check-in, live count, printable roster and
できることチェック.
"""

from django.urls import path

from classes import views_staff as views

app_name = "classes_staff"

urlpatterns = [
    # Counter and phone staff
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("sessions/<int:pk>/book/", views.ProxyBookingView.as_view(), name="book"),
    path("bookings/", views.BookingSearchView.as_view(), name="search"),
    path("bookings/<str:reference>/", views.BookingDetailView.as_view(), name="booking_detail"),
    path(
        "bookings/<str:reference>/cancel/",
        views.BookingCancelView.as_view(),
        name="booking_cancel",
    ),
    path("bookings/<str:reference>/slip/", views.BookingSlipView.as_view(), name="booking_slip"),
    path("calls/", views.CallListView.as_view(), name="calls"),
    path("suspicious/", views.SuspiciousBookingsView.as_view(), name="suspicious"),
    path("calls/<int:pk>/done/", views.CallDoneView.as_view(), name="call_done"),
    path("calls/<int:pk>/outcome/", views.CallOutcomeView.as_view(), name="call_outcome"),
    # Trainers
    path("today/", views.TodayView.as_view(), name="today"),
    path("sessions/<int:pk>/roster/", views.RosterView.as_view(), name="roster"),
    path("sessions/<int:pk>/roster/print/", views.RosterPrintView.as_view(), name="roster_print"),
    path("sessions/<int:pk>/checkin/", views.CheckInView.as_view(), name="checkin"),
    path("sessions/<int:pk>/count.json", views.CountView.as_view(), name="count"),
    path("sessions/<int:pk>/skills/", views.SkillCheckView.as_view(), name="skills"),
]
