"""Trainer pages: own sessions only, roster and attendance, check-in, live count, skill checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from base.models import AuditEntry
from classes.models import Attendance, ClassSession, Registration, SkillCheck
from classes.services import allocate_seat
from classes.skills import SkillCheckError, record_skill_checks
from courses.models import CurriculumUnit
from tests.classes.factories import booking, make_series, make_session
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

TRAINER_PAGES = ["roster", "roster_print", "checkin", "count", "skills"]


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, mfa=True)


@pytest.fixture
def trainer_client(trainer) -> Client:
    return sign_in(Client(), trainer)


@pytest.fixture
def own_session(trainer):
    """Today's session, in half an hour: bookable, and check-in is open (the session's day)."""
    session = make_session(capacity=2, starts_at=timezone.now() + timedelta(minutes=30))
    session.trainers.add(trainer)
    return session


def _url(name: str, session: ClassSession) -> str:
    return reverse(f"classes_staff:{name}", args=[session.pk])


def _start(session: ClassSession, minutes_ago: int) -> ClassSession:
    """Move a booked session so that it started ``minutes_ago`` (booking needs a future one)."""
    session.starts_at = timezone.now() - timedelta(minutes=minutes_ago)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])
    return session


# --- Scoping --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", TRAINER_PAGES)
def test_trainer_opens_own_session_but_not_another_trainers(page, make_user, own_session):
    trainer = own_session.trainers.get()
    other = make_session()
    other.trainers.add(make_user(Role.TRAINER, mfa=True))
    client = sign_in(Client(), trainer)
    assert client.get(_url(page, own_session)).status_code == 200
    assert client.get(_url(page, other)).status_code == 404


@pytest.mark.parametrize("page", TRAINER_PAGES)
def test_admin_opens_every_session(page, make_user, own_session):
    client = sign_in(Client(), make_user(Role.ADMIN, mfa=True))
    assert client.get(_url(page, own_session)).status_code == 200


@pytest.mark.parametrize("page", TRAINER_PAGES)
@pytest.mark.parametrize("role", [Role.COUNTER, Role.STAFF, None])
def test_other_roles_cannot_open_trainer_pages(page, role, make_user, own_session):
    client = sign_in(Client(), make_user(role, mfa=role is not None))
    assert client.get(_url(page, own_session)).status_code == 403


@pytest.mark.parametrize("page", TRAINER_PAGES)
def test_anonymous_visitors_are_sent_to_login(page, client, own_session):
    response = client.get(_url(page, own_session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_today_lists_own_sessions_of_today_and_the_next_week(trainer, trainer_client, make_user):
    now = timezone.localtime()
    today_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = make_session(starts_at=today_start + timedelta(hours=23, minutes=30))
    soon = make_session(days=3)
    far = make_session(days=10)
    not_mine = make_session(days=1)
    for session in (today, soon, far):
        session.trainers.add(trainer)
    not_mine.trainers.add(make_user(Role.TRAINER))
    response = trainer_client.get(reverse("classes_staff:today"))
    assert [row.session for row in response.context["today_rows"]] == [today]
    assert [row.session for row in response.context["later_rows"]] == [soon]


# --- Roster and attendance ------------------------------------------------------------------


def test_roster_lists_confirmed_then_waitlisted_including_whole_series(trainer, trainer_client):
    series = make_series(booking_mode="series")
    first = make_session(series, capacity=1, days=7)
    make_session(series, capacity=5, days=14)
    first.trainers.add(trainer)
    seated = allocate_seat(series, booking(1, name_kana="わだ"), channel="web")
    waiting = allocate_seat(series, booking(2, name_kana="あべ"), channel="phone")
    response = trainer_client.get(_url("roster", first))
    assert response.context["confirmed"] == [seated]
    assert response.context["waiting"] == [waiting]
    html = response.content.decode()
    assert html.index(seated.name) < html.index(waiting.name)


def test_viewing_a_roster_is_audited(trainer, trainer_client, own_session):
    allocate_seat(own_session, booking(1), channel="web")
    trainer_client.get(_url("roster", own_session))
    entry = AuditEntry.objects.get(action="classes.roster.viewed")
    assert entry.user == trainer
    assert entry.obj == own_session
    assert entry.data == {"participants": 1}


def test_printing_a_roster_is_audited(trainer, trainer_client, own_session):
    reg = allocate_seat(own_session, booking(1), channel="web")
    response = trainer_client.get(_url("roster_print", own_session))
    assert reg.name in response.content.decode()
    assert AuditEntry.objects.filter(action="classes.roster.printed", user=trainer).exists()


@pytest.mark.parametrize("status", ["present", "late", "absent"])
def test_marking_attendance_from_the_roster(status, trainer, trainer_client, own_session):
    reg = allocate_seat(own_session, booking(1), channel="web")
    response = trainer_client.post(
        _url("roster", own_session), {"registration": reg.pk, "status": status}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#r-{reg.reference}")
    attendance = Attendance.objects.get(registration=reg, session=own_session)
    assert attendance.status == status
    assert attendance.recorded_by == trainer


def test_marking_attendance_again_changes_it(trainer_client, own_session):
    reg = allocate_seat(own_session, booking(1), channel="web")
    url = _url("roster", own_session)
    trainer_client.post(url, {"registration": reg.pk, "status": "absent"})
    trainer_client.post(url, {"registration": reg.pk, "status": "late"})
    assert Attendance.objects.get().status == "late"


def test_waitlisted_and_foreign_bookings_cannot_be_marked(trainer_client, own_session):
    allocate_seat(own_session, booking(1), channel="web")
    allocate_seat(own_session, booking(2), channel="web")
    waiting = allocate_seat(own_session, booking(3), channel="web")
    foreign = allocate_seat(make_session(), booking(4), channel="web")
    url = _url("roster", own_session)
    response = trainer_client.post(
        url, {"registration": waiting.pk, "status": "present"}, follow=True
    )
    assert "予約が確定していません" in response.content.decode()
    response = trainer_client.post(
        url, {"registration": foreign.pk, "status": "present"}, follow=True
    )
    assert "この受付番号は、この回の申込ではありません。" in response.content.decode()
    response = trainer_client.post(url, {"registration": "x", "status": "maybe"}, follow=True)
    assert "出欠を選び直してください。" in response.content.decode()
    assert not Attendance.objects.exists()


# --- Check-in -------------------------------------------------------------------------------


def test_check_in_by_reference_marks_present(trainer, trainer_client, own_session):
    reg = allocate_seat(own_session, booking(1, name="豊島 花子"), channel="web")
    _start(own_session, minutes_ago=2)
    response = trainer_client.post(_url("checkin", own_session), {"reference": reg.reference})
    html = response.content.decode()
    assert response.status_code == 200
    assert "豊島 花子 さん：出席" in html
    attendance = Attendance.objects.get()
    assert (attendance.registration, attendance.status) == (reg, "present")
    assert attendance.recorded_by == trainer
    # The field is empty again for the next person.
    assert response.context["form"].is_bound is False


def test_check_in_twenty_minutes_after_the_start_is_late(trainer_client, own_session):
    reg = allocate_seat(own_session, booking(1, name="豊島 花子"), channel="web")
    _start(own_session, minutes_ago=20)
    response = trainer_client.post(_url("checkin", own_session), {"reference": reg.reference})
    assert "豊島 花子 さん：遅刻" in response.content.decode()
    assert Attendance.objects.get().status == "late"


@pytest.mark.parametrize(
    "typed",
    [
        "{ref}",
        "{lower}",
        " {spaced} ",
        "{full_width}",
        "https://example.jp/classes/booking/{ref}/slip/",
        "https://example.jp/c/?ref={ref}",
    ],
)
def test_check_in_accepts_the_code_in_any_form(typed, trainer_client, own_session):
    reg = allocate_seat(own_session, booking(1), channel="web")
    ref = reg.reference
    value = typed.format(
        ref=ref,
        lower=ref.lower(),
        spaced=f"{ref[:3]} {ref[3:]}",
        full_width="".join(chr(ord(c) + 0xFEE0) for c in ref),
    )
    trainer_client.post(_url("checkin", own_session), {"reference": value})
    assert Attendance.objects.filter(registration=reg).exists()


def test_check_in_with_a_wrong_reference_says_so(trainer_client, own_session):
    other = allocate_seat(make_session(), booking(1), channel="web")
    for wrong in ("ACEFGH", other.reference):
        response = trainer_client.post(_url("checkin", own_session), {"reference": wrong})
        assert response.status_code == 422
        html = response.content.decode()
        assert "この受付番号は、この回の申込ではありません。" in html
        assert f'value="{wrong}"' in html  # kept for correcting
    assert not Attendance.objects.exists()


def test_check_in_of_a_waitlisted_booking_is_refused(trainer_client, own_session):
    allocate_seat(own_session, booking(1), channel="web")
    allocate_seat(own_session, booking(2), channel="web")
    waiting = allocate_seat(own_session, booking(3), channel="web")
    response = trainer_client.post(_url("checkin", own_session), {"reference": waiting.reference})
    assert response.status_code == 422
    assert "予約が確定していません（キャンセル待ちまたは取消）" in response.content.decode()
    assert not Attendance.objects.exists()


def test_empty_check_in_asks_for_the_code(trainer_client, own_session):
    response = trainer_client.post(_url("checkin", own_session), {"reference": ""})
    assert response.status_code == 422
    assert "受付番号" in response.content.decode()


def test_check_in_answers_json_for_the_script(trainer_client, own_session):
    reg = allocate_seat(own_session, booking(1, name="豊島 花子"), channel="web")
    allocate_seat(own_session, booking(2), channel="web")
    url = _url("checkin", own_session)
    response = trainer_client.post(
        url, {"reference": reg.reference}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["name"] == "豊島 花子"
    assert data["status"] == "present"
    assert (data["booked"], data["checked_in"]) == (2, 1)
    again = trainer_client.post(url, {"reference": reg.reference}, HTTP_ACCEPT="application/json")
    assert again.json()["repeated"] is True
    assert "受付済み" in again.json()["message"]
    wrong = trainer_client.post(url, {"reference": "ACEFGH"}, HTTP_ACCEPT="application/json")
    assert wrong.status_code == 200
    assert wrong.json() == {
        "ok": False,
        "message": "この受付番号は、この回の申込ではありません。",
        "booked": 2,
        "checked_in": 1,
    }


def test_count_json_reports_booked_and_checked_in(trainer_client, own_session):
    first = allocate_seat(own_session, booking(1), channel="web")
    allocate_seat(own_session, booking(2), channel="web")
    allocate_seat(own_session, booking(3), channel="web")  # waitlisted, not counted
    url = _url("count", own_session)
    assert trainer_client.get(url).json() == {"booked": 2, "checked_in": 0}
    trainer_client.post(_url("checkin", own_session), {"reference": first.reference})
    response = trainer_client.get(url)
    assert response.json() == {"booked": 2, "checked_in": 1}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_check_in_page_offers_camera_only_through_the_script(trainer_client, own_session):
    html = trainer_client.get(_url("checkin", own_session)).content.decode()
    assert "data-camera hidden" in html
    assert 'aria-live="polite"' in html
    assert f'data-count-url="{_url("count", own_session)}"' in html
    assert "js/checkin.js" in html


# --- できることチェック --------------------------------------------------------------------


@pytest.fixture
def units():
    CurriculumUnit.objects.create(
        track="smartphone", course_code="B01", course_title="基本操作", title="電源",
        objectives="電源を入れたり切ったりできる", sort_order=1,
    )  # fmt: skip
    CurriculumUnit.objects.create(
        track="smartphone", course_code="B01", course_title="基本操作", title="電話",
        objectives="電話をかけられる", sort_order=2,
    )  # fmt: skip
    CurriculumUnit.objects.create(
        track="smartphone", course_code="B02", course_title="別の講座", title="地図",
        objectives="地図アプリを使える", sort_order=1,
    )  # fmt: skip
    return list(CurriculumUnit.objects.filter(course_code="B01").order_by("sort_order"))


@pytest.fixture
def two_sessions(trainer):
    series = make_series(curriculum_code="B01")
    first = make_session(series, days=7)
    last = make_session(series, days=14)
    for session in (first, last):
        session.trainers.add(trainer)
    return first, last


def test_skill_check_items_come_from_the_curriculum(trainer_client, units, two_sessions):
    first, _last = two_sessions
    allocate_seat(first, booking(1), channel="web")
    response = trainer_client.get(_url("skills", first))
    html = response.content.decode()
    assert response.context["phase"] == "pre"
    assert response.context["units"] == units
    assert "電源を入れたり切ったりできる" in html
    assert "地図アプリを使える" not in html
    assert AuditEntry.objects.filter(action="classes.skills.viewed").exists()


def test_skill_checks_are_saved_and_the_change_is_shown(
    trainer, trainer_client, units, two_sessions
):
    first, last = two_sessions
    # Session-by-session booking: one registration per session, the same person.
    pre_reg = allocate_seat(first, booking(1), channel="web")
    post_reg = allocate_seat(last, booking(1), channel="web")
    power, call = units
    prefix = f"p{pre_reg.pk}"
    response = trainer_client.post(
        _url("skills", first) + "?phase=pre",
        {"registration": pre_reg.pk, "phase": "pre", f"{prefix}-unit_{power.pk}": "on"},
    )
    assert response.status_code == 302
    answers = {
        c.unit_id: c.can_do for c in SkillCheck.objects.filter(registration=pre_reg, phase="pre")
    }
    assert answers == {power.pk: True, call.pk: False}
    assert SkillCheck.objects.get(unit=power).recorded_by == trainer

    prefix = f"p{post_reg.pk}"
    trainer_client.post(
        _url("skills", last) + "?phase=post",
        {
            "registration": post_reg.pk,
            "phase": "post",
            f"{prefix}-unit_{power.pk}": "on",
            f"{prefix}-unit_{call.pk}": "on",
        },
    )
    response = trainer_client.get(_url("skills", last) + "?phase=post")
    (person,) = response.context["people"]
    assert (person["pre_total"], person["post_total"]) == (1, 2)
    html = response.content.decode()
    assert "初回 1／2" in html
    assert "最終回 2／2" in html


def test_saving_again_overwrites(trainer_client, units, two_sessions):
    first, _last = two_sessions
    reg = allocate_seat(first, booking(1), channel="web")
    url = _url("skills", first) + "?phase=pre"
    field = f"p{reg.pk}-unit_{units[0].pk}"
    trainer_client.post(url, {"registration": reg.pk, "phase": "pre", field: "on"})
    trainer_client.post(url, {"registration": reg.pk, "phase": "pre"})
    assert SkillCheck.objects.count() == 2
    assert not SkillCheck.objects.filter(can_do=True).exists()


def test_post_check_is_not_offered_on_the_first_session(trainer_client, units, two_sessions):
    first, _last = two_sessions
    reg = allocate_seat(first, booking(1), channel="web")
    response = trainer_client.get(_url("skills", first) + "?phase=post")
    assert response.context["phase"] is None
    assert "この回では、指定された時期のチェックは行いません。" in response.content.decode()
    response = trainer_client.post(
        _url("skills", first) + "?phase=post", {"registration": reg.pk, "phase": "post"}
    )
    assert response.status_code == 404
    assert not SkillCheck.objects.exists()


def test_record_skill_checks_refuses_items_of_another_course(units, two_sessions):
    first, _last = two_sessions
    reg = allocate_seat(first, booking(1), channel="web")
    foreign = CurriculumUnit.objects.get(course_code="B02")
    with pytest.raises(SkillCheckError) as exc:
        record_skill_checks(reg, "pre", {foreign.pk: True})
    assert exc.value.code == "unit_invalid"
    with pytest.raises(SkillCheckError):
        record_skill_checks(reg, "during", {units[0].pk: True})
    assert not SkillCheck.objects.exists()


def test_waitlisted_people_get_no_skill_check(units, two_sessions):
    first, _last = two_sessions
    first.capacity = 1
    first.save()
    allocate_seat(first, booking(1), channel="web")
    waiting = allocate_seat(first, booking(2), channel="web")
    assert waiting.status == Registration.Status.WAITLISTED
    with pytest.raises(SkillCheckError) as exc:
        record_skill_checks(waiting, "pre", {units[0].pk: True})
    assert exc.value.code == "not_confirmed"
