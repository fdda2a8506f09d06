"""Scheduling and administration in the Wagtail admin: series creation, session cancellation,
read-only bookings (classes.admin_views, classes.wagtail_hooks, create_class_series)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from classes.admin_views import parse_date_text, parse_holidays, plan_dates
from classes.models import ClassSession, PhoneCall, Registration, Room
from classes.services import allocate_seat, create_series_sessions
from tests.classes.factories import booking, make_series, make_session, make_venue, schedule_form
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

SCHEDULE_URL = "/admin/classes/series/schedule/"
SESSION_LIST = "/admin/snippets/classes/classsession/"
REGISTRATION_LIST = "/admin/snippets/classes/registration/"


@pytest.fixture
def admin_client(make_user) -> Client:
    return sign_in(Client(), make_user(Role.ADMIN, mfa=True))


def _local_dates(sessions) -> list[date]:
    return [timezone.localtime(s.starts_at).date() for s in sessions]


# --- Holiday lines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2030-01-15", "2030/1/15", "1/15", "２０３０／１／１５", "2030年1月15日", "1月15日",
     "1/15（火） 成人の日", "2030-01-15 休館日"],
)  # fmt: skip
def test_holiday_formats(text):
    assert parse_holidays(text, after=date(2030, 1, 8)) == {date(2030, 1, 15)}


def test_a_date_without_year_is_the_next_one_after_the_first_date():
    assert parse_date_text("1/13", after=date(2029, 12, 4)) == date(2030, 1, 13)
    assert parse_date_text("12/24", after=date(2029, 12, 4)) == date(2029, 12, 24)


def test_bad_holiday_lines_are_named_by_line_number():
    with pytest.raises(ValidationError) as exc:
        parse_holidays("2030-01-15\n\n来週の火曜\n2030-02-30\n1/15", after=date(2030, 1, 8))
    messages = [str(m) for m in exc.value.messages]
    assert len(messages) == 2
    assert messages[0].startswith("3 行目「来週の火曜」")
    assert messages[1].startswith("4 行目「2030-02-30」")


# --- Series creation --------------------------------------------------------------------------


def test_holidays_are_skipped_and_the_series_runs_on_to_keep_its_count():
    series, venue = make_series(), make_venue()
    plan = create_series_sessions(
        series,
        venue=venue,
        first_date=date(2030, 1, 8),
        start=time(10),
        end=time(12),
        count=4,
        capacity=12,
        holidays={date(2030, 1, 15), date(2030, 3, 5)},
    )
    assert _local_dates(plan.sessions) == [
        date(2030, 1, 8), date(2030, 1, 22), date(2030, 1, 29), date(2030, 2, 5),
    ]  # fmt: skip
    assert plan.skipped == [date(2030, 1, 15)]
    # The admin preview plans the same dates as the service creates.
    assert plan_dates(date(2030, 1, 8), 4, 7, {date(2030, 1, 15)}) == (
        _local_dates(plan.sessions),
        plan.skipped,
    )


def test_admin_preview_lists_dates_and_skipped_days_and_creates_nothing(admin_client):
    series, venue = make_series(), make_venue()
    response = admin_client.post(
        SCHEDULE_URL, schedule_form(series, venue, holidays="1/15\n2030-12-31")
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.dates == [date(2030, 1, 8), date(2030, 1, 22), date(2030, 1, 29), date(2030, 2, 5)]
    assert plan.skipped == [date(2030, 1, 15)]
    assert plan.unused_holidays == [date(2030, 12, 31)]
    assert str(plan.weekday) == "火曜日"
    content = response.content.decode()
    assert "2030年1月15日" in content and "2030年2月5日" in content
    assert "この内容で 4 回を作成する" in content
    assert not ClassSession.objects.exists()


def test_admin_confirm_creates_the_previewed_sessions(admin_client, make_user):
    series, venue = make_series(), make_venue()
    trainer = make_user(Role.TRAINER)
    data = schedule_form(series, venue, holidays="1/15", trainers=[trainer.pk])
    preview = admin_client.post(SCHEDULE_URL, data)
    token = preview.context["plan"].token
    response = admin_client.post(SCHEDULE_URL, {**data, "action": "create", "preview_token": token})
    assert response.status_code == 302
    assert response["Location"] == f"{SESSION_LIST}?series={series.pk}"
    sessions = list(ClassSession.objects.order_by("starts_at"))
    assert _local_dates(sessions) == preview.context["plan"].dates
    assert all(list(s.trainers.all()) == [trainer] for s in sessions)
    assert timezone.localtime(sessions[0].starts_at).time() == time(10)
    assert sessions[0].capacity == 12


def test_admin_confirm_of_a_changed_form_previews_again(admin_client):
    series, venue = make_series(), make_venue()
    data = schedule_form(series, venue)
    token = admin_client.post(SCHEDULE_URL, data).context["plan"].token
    response = admin_client.post(
        SCHEDULE_URL, {**data, "count": "6", "action": "create", "preview_token": token}
    )
    assert response.status_code == 200
    assert len(response.context["plan"].dates) == 6
    assert not ClassSession.objects.exists()


def test_a_bad_holiday_line_creates_nothing_and_keeps_the_input(admin_client):
    series, venue = make_series(), make_venue()
    data = schedule_form(series, venue, holidays="1/15\nあした", action="create")
    response = admin_client.post(SCHEDULE_URL, data)
    assert response.status_code == 200
    errors = response.context["form"].errors["holidays"]
    assert errors == [
        "2 行目「あした」を日付として読めません。"
        "2026-01-13、2026/1/13、1/13 のように入力してください。"
    ]
    assert "1/15\nあした" in response.content.decode()
    assert "plan" not in response.context
    assert not ClassSession.objects.exists()


def test_form_checks_times_and_room(admin_client):
    series, venue = make_series(), make_venue()
    other_room = Room.objects.create(venue=make_venue("区民ひろば要"), name="集会室")
    data = schedule_form(series, venue, start_time="12:00", end_time="10:00", room=other_room.pk)
    form = admin_client.post(SCHEDULE_URL, data).context["form"]
    assert "end_time" in form.errors and "room" in form.errors


def test_schedule_page_starts_from_the_last_session_of_the_series(admin_client):
    session = make_session(capacity=8)
    response = admin_client.get(f"{SCHEDULE_URL}?series={session.series.pk}")
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["capacity"] == 8
    assert initial["venue"] == session.venue_id
    assert initial["first_date"] == timezone.localtime(session.starts_at).date() + timedelta(7)


def test_create_class_series_command(capsys):
    series, venue = make_series(), make_venue()
    call_command(
        "create_class_series",
        "--series", str(series.pk), "--venue", str(venue.pk), "--first-date", "2030-01-08",
        "--start", "10:00", "--end", "12:00", "--count", "4", "--capacity", "12",
        "--skip", "2030-01-15",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "4 回を作成しました" in out and "2030-01-15" in out
    assert _local_dates(ClassSession.objects.order_by("starts_at"))[1] == date(2030, 1, 22)


def test_create_class_series_command_refuses_bad_input():
    series, venue = make_series(), make_venue()
    with pytest.raises(CommandError) as exc:
        call_command(
            "create_class_series",
            "--series", str(series.pk), "--venue", str(venue.pk), "--first-date", "2030-01-08",
            "--start", "10:00", "--end", "09:00", "--count", "4", "--capacity", "12",
            "--skip", "someday",
        )  # fmt: skip
    assert exc.value.returncode == 2
    assert "何も作成しませんでした" in str(exc.value)
    assert not ClassSession.objects.exists()


# --- Who may use the admin pages ------------------------------------------------------------


def test_admin_pages_answer_admins(admin_client):
    session = make_session()
    for url in (
        SCHEDULE_URL,
        f"/admin/classes/sessions/{session.pk}/cancel/",
        SESSION_LIST,
        REGISTRATION_LIST,
        "/admin/snippets/classes/classseries/",
        "/admin/snippets/classes/phonecall/",
        "/admin/snippets/classes/venue/",
        "/admin/snippets/classes/room/",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.TRAINER, Role.STAFF, Role.COUNTER, None])
def test_admin_pages_are_closed_to_everyone_else(make_user, role):
    """Signed in without Wagtail admin access: 403 (accounts.middleware.AdminAccessMiddleware)."""
    session = make_session()
    registration = allocate_seat(session, booking(1), channel="web")
    client = sign_in(Client(), make_user(role, mfa=role is not None))
    for url in (
        SCHEDULE_URL,
        f"/admin/classes/sessions/{session.pk}/cancel/",
        f"/admin/classes/certificate/{registration.reference}/",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/admin/classes/sessions/{session.pk}/cancel/", {"reason": "テスト"})
    assert response.status_code == 403
    session.refresh_from_db()
    assert not session.is_cancelled
    anonymous = Client().get(SCHEDULE_URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


# --- Cancelling a session -----------------------------------------------------------------


def test_cancel_page_says_how_many_people_will_be_told(admin_client):
    session = make_session(capacity=2)
    allocate_seat(session, booking(1, email="hanako1@example.jp"), channel="web")
    allocate_seat(session, booking(2), channel="phone")
    allocate_seat(session, booking(3), channel="phone")  # waitlisted, told as well
    response = admin_client.get(f"/admin/classes/sessions/{session.pk}/cancel/")
    assert response.status_code == 200
    assert response.context["affected"] == {"total": 3, "mail": 1, "phone": 2}
    assert "予約とキャンセル待ちの 3 人にお知らせします" in response.content.decode()


def test_cancelling_a_session_mails_or_lists_everyone_booked(
    admin_client, django_capture_on_commit_callbacks
):
    session = make_session(capacity=2)
    with_mail = allocate_seat(session, booking(1, email="hanako1@example.jp"), channel="web")
    without_mail = allocate_seat(session, booking(2), channel="phone")
    mail.outbox.clear()
    url = f"/admin/classes/sessions/{session.pk}/cancel/"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"reason": "講師の急病のため"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled and session.cancel_reason == "講師の急病のため"
    assert [m.to for m in mail.outbox] == [[with_mail.email]]
    assert list(PhoneCall.objects.values_list("registration", "reason")) == [
        (without_mail.pk, PhoneCall.Reason.SESSION_CANCELLED)
    ]
    # A second cancel does nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"reason": "もう一度"})
    assert len(mail.outbox) == 1 and PhoneCall.objects.count() == 1


def test_cancelling_needs_a_reason(admin_client):
    session = make_session()
    response = admin_client.post(f"/admin/classes/sessions/{session.pk}/cancel/", {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    session.refresh_from_db()
    assert not session.is_cancelled


def test_session_status_is_not_on_the_admin_form(admin_client):
    session = make_session()
    edit_url = f"/admin/snippets/classes/classsession/edit/{session.pk}/"
    response = admin_client.get(edit_url)
    assert response.status_code == 200
    form = response.context["form"]
    assert "status" not in form.fields
    assert 'name="status"' not in response.content.decode()
    assert f"/admin/classes/sessions/{session.pk}/cancel/" in response.content.decode()
    local = timezone.localtime(session.starts_at)
    post = {
        "series": session.series.pk,
        "venue": session.venue.pk,
        "room": "",
        "starts_at": local.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (local + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "capacity": "15",
        "status": "cancelled",
    }
    response = admin_client.post(edit_url, post)
    assert response.status_code == 302, response.context["form"].errors
    session.refresh_from_db()
    assert session.capacity == 15
    assert session.status == ClassSession.Status.SCHEDULED


def test_capacity_cannot_drop_below_the_bookings(admin_client):
    session = make_session(capacity=3)
    for n in (1, 2, 3):
        allocate_seat(session, booking(n), channel="web")
    local = timezone.localtime(session.starts_at)
    response = admin_client.post(
        f"/admin/snippets/classes/classsession/edit/{session.pk}/",
        {
            "series": session.series.pk,
            "venue": session.venue.pk,
            "starts_at": local.strftime("%Y-%m-%d %H:%M"),
            "ends_at": (local + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "capacity": "2",
        },
    )
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors
    session.refresh_from_db()
    assert session.capacity == 3


def test_a_session_with_bookings_cannot_be_deleted(admin_client):
    session = make_session()
    allocate_seat(session, booking(1), channel="web")
    response = admin_client.post(f"/admin/snippets/classes/classsession/delete/{session.pk}/")
    assert response.status_code == 302
    assert ClassSession.objects.filter(pk=session.pk).exists()
    empty = make_session(session.series, days=14)
    admin_client.post(f"/admin/snippets/classes/classsession/delete/{empty.pk}/")
    assert not ClassSession.objects.filter(pk=empty.pk).exists()


def test_session_listing_shows_bookings_and_filters_by_date(admin_client):
    soon = make_session(capacity=5, days=3)
    later = make_session(soon.series, capacity=5, days=40)
    allocate_seat(soon, booking(1), channel="web")
    response = admin_client.get(SESSION_LIST)
    content = response.content.decode()
    assert "1 / 5" in content
    # Each scheduled session offers "この回を中止する"; its title links to the edit form.
    assert f"/admin/classes/sessions/{soon.pk}/cancel/" in content
    assert f"/admin/snippets/classes/classsession/edit/{soon.pk}/" in content
    day = timezone.localtime(later.starts_at).date().isoformat()
    response = admin_client.get(SESSION_LIST, {"date_from": day, "date_to": day})
    assert list(response.context["object_list"]) == [later]


# --- Bookings are read-only in the admin -------------------------------------------------------


def test_registrations_are_listed_but_cannot_be_added_edited_or_deleted(admin_client):
    session = make_session()
    registration = allocate_seat(session, booking(1), channel="phone")
    listing = admin_client.get(REGISTRATION_LIST)
    assert listing.status_code == 200
    content = listing.content.decode()
    assert registration.reference in content and "電話" in content
    assert "/admin/snippets/classes/registration/add/" not in content
    assert "/admin/snippets/classes/registration/edit/" not in content
    inspect = admin_client.get(f"/admin/snippets/classes/registration/inspect/{registration.pk}/")
    assert inspect.status_code == 200
    for url in (
        "/admin/snippets/classes/registration/add/",
        f"/admin/snippets/classes/registration/edit/{registration.pk}/",
        f"/admin/snippets/classes/registration/delete/{registration.pk}/",
    ):
        assert admin_client.get(url).status_code == 302, url
    response = admin_client.post(
        f"/admin/snippets/classes/registration/edit/{registration.pk}/",
        {"status": "cancelled", "name": "変更"},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.name == "豊島 花子1"


def test_phone_worklist_is_read_only(admin_client):
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    allocate_seat(session, booking(2), channel="phone")
    from classes.services import cancel_registration

    cancel_registration(Registration.objects.get(name="豊島 花子1"))
    call = PhoneCall.objects.get()
    assert admin_client.get("/admin/snippets/classes/phonecall/").status_code == 200
    assert admin_client.get(f"/admin/snippets/classes/phonecall/edit/{call.pk}/").status_code == 302
    assert admin_client.get(reverse("wagtailsnippets_classes_phonecall:add")).status_code == 302


def test_series_listing_links_to_the_schedule_page(admin_client):
    series = make_series()
    content = admin_client.get("/admin/snippets/classes/classseries/").content.decode()
    assert f"{SCHEDULE_URL}?series={series.pk}" in content


def test_menu_has_the_classes_group(admin_client):
    # The sidebar menu is JSON in the page, with non-ASCII characters escaped.
    content = admin_client.get("/admin/").content.decode()
    assert f'"label": {json.dumps("スマホ教室")}' in content
    assert SCHEDULE_URL in content


def test_session_start_is_shown_in_local_time(admin_client):
    tz = timezone.get_current_timezone()
    starts = datetime(2030, 1, 8, 10, 0, tzinfo=tz)
    make_session(starts_at=starts)
    assert "2030-01-08 10:00" in admin_client.get(SESSION_LIST).content.decode()


# --- Public holidays and 年末年始 pre-filled (classes.closed_days) ----------------------------


@pytest.mark.parametrize(
    ("first_date", "skipped", "name", "dates"),
    [
        # Fridays across 元日 (2027-01-01, also 年末年始).
        ("2026-12-25", date(2027, 1, 1), "元日",
         [date(2026, 12, 25), date(2027, 1, 8), date(2027, 1, 15), date(2027, 1, 22)]),
        # Mondays across 成人の日 (2027-01-11, the second Monday of January).
        ("2027-01-04", date(2027, 1, 11), "成人の日",
         [date(2027, 1, 4), date(2027, 1, 18), date(2027, 1, 25), date(2027, 2, 1)]),
    ],
)  # fmt: skip
def test_public_holidays_are_prefilled_as_skips_with_their_names(
    admin_client, first_date, skipped, name, dates
):
    series, venue = make_series(), make_venue()
    response = admin_client.post(SCHEDULE_URL, schedule_form(series, venue, first_date=first_date))
    plan = response.context["plan"]
    assert plan.dates == dates
    assert plan.skipped == [skipped]
    html = response.content.decode()
    assert f"{skipped.year}年{skipped.month}月{skipped.day}日" in html and name in html
    assert not ClassSession.objects.exists()


def test_year_end_days_are_skipped_as_nenmatsu_nenshi(admin_client):
    series, venue = make_series(), make_venue()
    # Tuesdays from 2026-12-22: 12-29 is 年末年始, 2027-01-05 is not.
    response = admin_client.post(
        SCHEDULE_URL, schedule_form(series, venue, first_date="2026-12-22")
    )
    plan = response.context["plan"]
    assert plan.skipped == [date(2026, 12, 29)]
    assert [(row.day, row.name) for row in plan.skipped_rows] == [(date(2026, 12, 29), "年末年始")]
    assert date(2027, 1, 5) in plan.dates


def test_removing_a_prefilled_skip_keeps_the_date_and_creates_it(admin_client):
    series, venue = make_series(), make_venue()
    data = schedule_form(series, venue, first_date="2027-01-04", keep=["2027-01-11"])
    preview = admin_client.post(SCHEDULE_URL, data)
    plan = preview.context["plan"]
    assert plan.skipped == []
    assert plan.dates == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18), date(2027, 1, 25)]
    assert [(row.day, row.name) for row in plan.kept_rows] == [(date(2027, 1, 11), "成人の日")]
    html = preview.content.decode()
    # The kept holiday's checkbox stays ticked, so the next preview keeps it too.
    assert 'name="keep" value="2027-01-11" form="series-schedule-form" checked' in html
    response = admin_client.post(
        SCHEDULE_URL, {**data, "action": "create", "preview_token": plan.token}
    )
    assert response.status_code == 302
    assert _local_dates(ClassSession.objects.order_by("starts_at")) == plan.dates


def test_the_admin_can_add_a_skip_to_the_prefilled_ones(admin_client):
    series, venue = make_series(), make_venue()
    data = schedule_form(series, venue, first_date="2027-01-04", holidays="2027-01-18 休館日")
    plan = admin_client.post(SCHEDULE_URL, data).context["plan"]
    assert plan.skipped == [date(2027, 1, 11), date(2027, 1, 18)]
    assert plan.dates[:2] == [date(2027, 1, 4), date(2027, 1, 25)]


def test_holiday_names_follow_the_language(admin_client):
    series, venue = make_series(), make_venue()
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(
        SCHEDULE_URL, schedule_form(series, venue, first_date="2027-01-04")
    )
    assert "Coming of Age Day" in response.content.decode()
