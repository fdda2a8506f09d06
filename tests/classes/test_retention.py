"""Retention: manage.py purge_personal_data anonymises what is past its period, only that,
once, leaves an audit entry, and every analytics figure stays the same."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pandas as pd
import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from analytics import classes_figures, open_data, reach_figures
from analytics.filters import Filters
from base.audit import log_action, query_fingerprint
from base.models import AuditEntry
from classes.keys import person_key_hash, phone_lock_hash
from classes.models import (
    ClassSession,
    Notification,
    PhoneBookingLock,
    PhoneCall,
    Registration,
)
from classes.services import allocate_seat, make_person_key
from tests.analytics.classes_support import build
from tests.classes.factories import booking, make_series, make_session

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _book(n: int, *, ended_days_ago: int, email: str = "", **fields) -> Registration:
    """A web booking made through the service, whose session then ends ``ended_days_ago``."""
    session = make_session(days=3)
    registration = allocate_seat(
        session, booking(n, email=email, **fields), channel=Registration.Channel.WEB
    )
    ends = timezone.now() - ended_days_ago * DAY
    ClassSession.objects.filter(pk=session.pk).update(
        starts_at=ends - timedelta(hours=2), ends_at=ends
    )
    registration.refresh_from_db()
    return registration


def _purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def _counts(output: str) -> dict[str, int]:
    return {code: int(n) for code, n in re.findall(r"^(\S+)\t(\d+)\t", output, re.M)}


def _snapshot() -> dict:
    return {
        "registrations": list(Registration.objects.order_by("pk").values()),
        "calls": list(PhoneCall.objects.order_by("pk").values()),
        "locks": list(PhoneBookingLock.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
        "audit": list(AuditEntry.objects.order_by("pk").values()),
    }


@pytest.fixture
def old_and_new(settings):
    settings.RESIDENT_DATA_RETENTION_DAYS = 365
    old = _book(1, ended_days_ago=400, email="old@example.jp")
    new = _book(2, ended_days_ago=10, email="new@example.jp")
    for registration in (old, new):
        PhoneCall.objects.create(
            registration=registration, reason=PhoneCall.Reason.BOOKED, note="留守電に伝言"
        )
        log_action("classes.booking.viewed", user=None, obj=registration)
    return old, new


def test_person_key_is_a_keyed_hash_that_is_the_same_for_the_same_person():
    key = make_person_key("豊島　花子", "0339811111")
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == make_person_key("豊島花子", "0339811111")
    assert key != make_person_key("豊島花子", "0339811112")
    assert "0339811111" not in key and "花子" not in key


def test_person_key_depends_on_its_secret(settings):
    settings.PERSON_KEY_SECRET = "one"
    first = make_person_key("豊島花子", "0339811111")
    settings.PERSON_KEY_SECRET = "two"
    assert make_person_key("豊島花子", "0339811111") != first


def test_migration_hashes_plain_keys_as_new_bookings_do():
    from importlib import import_module

    migration = import_module("classes.migrations.0007_person_key_keyed_hash")
    registration = _book(1, ended_days_ago=1)
    plain = "0339810001|豊島花子1"
    Registration.objects.filter(pk=registration.pk).update(person_key=plain)
    migration.hash_plain_keys(global_apps, None)
    registration.refresh_from_db()
    assert registration.person_key == person_key_hash(plain)
    assert registration.person_key == make_person_key("豊島 花子1", "0339810001")


def test_dry_run_counts_and_changes_nothing(old_and_new):
    before = _snapshot()
    output = _purge("--dry-run")
    assert _counts(output)["classes.registrations"] == 1
    assert "RESIDENT_DATA_RETENTION_DAYS=365" in output
    assert _snapshot() == before
    assert not AuditEntry.objects.filter(action="base.retention.purged").exists()


def test_purge_anonymises_only_bookings_past_retention(old_and_new):
    old, new = old_and_new
    old_lock = PhoneBookingLock.objects.get(phone_hash=phone_lock_hash(old.phone))
    _purge()
    old.refresh_from_db()
    new.refresh_from_db()
    fresh = Registration.objects.get(pk=old.pk)
    assert (fresh.name, fresh.name_kana, fresh.phone, fresh.email, fresh.client_hash) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert fresh.anonymised_at is not None
    # What analytics counts stays: the key, age band, 町名, device, status.
    assert fresh.person_key == old.person_key
    assert (fresh.age_band, fresh.area, fresh.device, fresh.status) == (
        "75-79",
        "駒込",
        "android",
        "confirmed",
    )
    assert new.name == "豊島 花子2" and new.email == "new@example.jp" and new.anonymised_at is None
    assert PhoneCall.objects.get(registration=old).note == ""
    assert PhoneCall.objects.get(registration=new).note == "留守電に伝言"
    assert not PhoneBookingLock.objects.filter(pk=old_lock.pk).exists()
    assert PhoneBookingLock.objects.filter(phone_hash=phone_lock_hash(new.phone)).exists()
    about_old = AuditEntry.objects.get(action="classes.booking.viewed", object_id=str(old.pk))
    assert about_old.object_repr == old.reference
    about_new = AuditEntry.objects.get(action="classes.booking.viewed", object_id=str(new.pk))
    assert "豊島 花子2" in about_new.object_repr


def test_a_lock_stays_while_a_kept_booking_uses_the_number(settings):
    settings.RESIDENT_DATA_RETENTION_DAYS = 365
    old = _book(1, ended_days_ago=400)
    _book(1, ended_days_ago=5, name="別の 名前")
    _purge()
    assert PhoneBookingLock.objects.filter(phone_hash=phone_lock_hash(old.phone)).exists()


def test_a_whole_series_booking_is_kept_until_the_series_last_session_ends(settings):
    settings.RESIDENT_DATA_RETENTION_DAYS = 365
    series = make_series(booking_mode="series")
    first = make_session(series, days=3)
    last = make_session(series, days=4)
    registration = allocate_seat(series, booking(7), channel=Registration.Channel.WEB)
    ago = timezone.now() - 400 * DAY
    ClassSession.objects.filter(pk=first.pk).update(starts_at=ago, ends_at=ago + DAY / 12)
    ClassSession.objects.filter(pk=last.pk).update(
        starts_at=ago + 100 * DAY, ends_at=ago + 100 * DAY + DAY / 12
    )
    _purge()
    registration.refresh_from_db()
    assert registration.anonymised_at is None and registration.name == "豊島 花子7"
    ClassSession.objects.filter(pk=last.pk).update(
        starts_at=ago + DAY, ends_at=ago + DAY + DAY / 12
    )
    _purge()
    registration.refresh_from_db()
    assert registration.anonymised_at is not None and registration.name == ""


def test_an_area_outside_the_known_towns_is_dropped():
    old = _book(1, ended_days_ago=400, area="駒込1-2-3 ハイツ101")
    _purge()
    old.refresh_from_db()
    assert old.area == ""


def test_the_purge_is_idempotent_and_each_run_leaves_an_audit_entry(old_and_new):
    first = _counts(_purge())
    after_first = _snapshot()
    second = _counts(_purge())
    assert first["classes.registrations"] == 1
    assert set(second.values()) == {0}
    runs = AuditEntry.objects.filter(action="base.retention.purged").order_by("pk")
    assert [entry.data["counts"]["classes.registrations"] for entry in runs] == [1, 0]
    assert runs[0].data["days"]["classes.registrations"] == 365
    after_first["audit"] = [
        a for a in after_first["audit"] if a["action"] != "base.retention.purged"
    ]
    now = _snapshot()
    now["audit"] = [a for a in now["audit"] if a["action"] != "base.retention.purged"]
    assert now == after_first


def test_the_retention_setting_is_respected(old_and_new, settings):
    settings.RESIDENT_DATA_RETENTION_DAYS = 500
    assert _counts(_purge())["classes.registrations"] == 0
    settings.RESIDENT_DATA_RETENTION_DAYS = 5
    settings.RETENTION_BATCH_SIZE = 1  # two batches of one booking each
    assert _counts(_purge())["classes.registrations"] == 2
    assert not Registration.objects.filter(anonymised_at__isnull=True).exists()


def test_old_audit_entries_lose_names_addresses_and_hashes(settings, rf):
    settings.AUDIT_RETENTION_DAYS = 30
    registration = _book(1, ended_days_ago=1)
    request = rf.get("/", REMOTE_ADDR="203.0.113.9")
    data = {"query": query_fingerprint("豊島花子"), "results": 1}
    old = log_action(
        "classes.booking.searched", user=None, obj=registration, data=data, request=request
    )
    new = log_action(
        "classes.booking.searched", user=None, obj=registration, data=data, request=request
    )
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - 31 * DAY)
    assert _counts(_purge("--dry-run"))["base.audit"] == 1
    _purge()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.object_repr, old.ip, old.data) == ("", None, {"results": 1})
    assert old.action == "classes.booking.searched" and old.object_id == str(registration.pk)
    assert new.ip == "203.0.113.9" and "query" in new.data and new.object_repr


def test_old_sent_mail_records_go_pending_ones_stay(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 90
    registration = _book(1, ended_days_ago=1)
    old_sent = Notification.objects.create(
        registration=registration, kind="x1", status=Notification.Status.SENT
    )
    old_pending = Notification.objects.create(registration=registration, kind="x2")
    new_sent = Notification.objects.create(
        registration=registration, kind="x3", status=Notification.Status.SENT
    )
    Notification.objects.filter(pk__in=[old_sent.pk, old_pending.pk]).update(
        created_at=timezone.now() - 91 * DAY
    )
    _purge()
    left = set(Notification.objects.values_list("pk", flat=True))
    assert old_sent.pk not in left
    assert {old_pending.pk, new_sent.pk} <= left


def test_old_xapi_statements_lose_their_raw_json_and_keep_scores(settings, make_user):
    from learning.models import Attempt, XapiStatement
    from tests.learning.lesson_support import course, lesson, package

    settings.XAPI_STATEMENT_RETENTION_DAYS = 365
    pkg = package()
    page = lesson(course(), "l1")
    learner = make_user(Role.STAFF)
    attempt = Attempt.objects.create(
        user=learner, lesson=page, package=pkg, number=1, completed=True, score_raw=3
    )
    made = [
        XapiStatement.objects.create(
            user=learner,
            lesson=page,
            package=pkg,
            attempt=attempt,
            verb="answered",
            object_id="x",
            score_raw=3,
            score_max=4,
            success=True,
            raw={"result": {"response": "自由記述の答え"}},
        )
        for _ in range(2)
    ]
    XapiStatement.objects.filter(pk=made[0].pk).update(received_at=timezone.now() - 400 * DAY)
    assert _counts(_purge("--dry-run"))["learning.xapi_statements"] == 1
    _purge()
    old, new = (XapiStatement.objects.get(pk=s.pk) for s in made)
    assert old.raw == {} and (old.score_raw, old.score_max, old.success) == (3, 4, True)
    assert new.raw == {"result": {"response": "自由記述の答え"}}
    assert Attempt.objects.get(pk=attempt.pk).completed
    assert _counts(_purge())["learning.xapi_statements"] == 0


def _figures() -> dict:
    """Every figure of the classes and reach dashboards and the open-data rows, as values."""

    def table(frame) -> object:
        if isinstance(frame, pd.Series | pd.DataFrame):
            return frame.to_dict()
        return frame

    found: dict = {}
    for year in (2024, 2025):
        filters = Filters(year=year)
        scope = classes_figures.Scope()
        for name in (
            "venue_month_frame",
            "age_frame",
            "device_frame",
            "first_repeat_frame",
            "skill_change_frame",
        ):
            found[(year, name)] = table(getattr(classes_figures, name)(filters, scope))
        for chart in classes_figures.charts(filters, scope):
            found[(year, chart.slug)] = (chart.table.to_dict("records"), chart.figure_json())
        reach = reach_figures.Scope.fiscal_year(year)
        for name in ("town_counts", "venues_by_town", "device_counts", "skill_counts"):
            found[(year, "reach", name)] = table(getattr(reach_figures, name)(reach))
        for chart in reach_figures.reach_charts(filters):
            found[(year, "reach", chart.slug)] = chart.table.to_dict("records")
    found["trend"] = table(reach_figures.yearly_counts(2020, 2026))
    for name, spec in open_data.FILES.items():
        found[("open", name)] = spec.rows([2024, 2025])
    return found


def test_every_analytics_figure_is_the_same_after_a_purge(settings, make_user):
    world = build(make_user(Role.TRAINER, mfa=True), make_user(Role.TRAINER, mfa=True))
    # Cut in the middle of the world: S0 (Feb 2025) to S2 (Jul 2025) are purged, S3 (whole
    # series, Sept 2025) is kept, so r1..r5 have a purged and a kept booking.
    cutoff = world.sessions["s3"].ends_at + DAY
    settings.RESIDENT_DATA_RETENTION_DAYS = (timezone.now() - cutoff).days
    before = _figures()
    counts = _counts(_purge())
    assert 0 < counts["classes.registrations"] < Registration.objects.count()
    assert Registration.objects.filter(anonymised_at__isnull=True, name="").count() == 0
    assert _figures() == before


def test_the_privacy_notice_states_the_periods(settings):
    settings.RESIDENT_DATA_RETENTION_DAYS = 123
    settings.NOTIFICATION_RETENTION_DAYS = 45
    settings.AUDIT_RETENTION_DAYS = 678
    session = make_session()
    page = Client().get(reverse("classes:book", args=[session.pk])).content.decode()
    assert "123 日" in page and "45 日" in page and "678 日" in page


def test_the_daily_task_purges():
    from classes.tasks import purge_personal_data

    old = _book(1, ended_days_ago=400)
    result = purge_personal_data.enqueue()
    assert result.return_value["classes.registrations"] == 1
    old.refresh_from_db()
    assert old.name == ""


def test_staff_see_that_an_anonymised_booking_was_purged(make_user):
    from tests.gates.support import sign_in

    old = _book(1, ended_days_ago=400)
    _purge()
    client = sign_in(Client(), make_user(Role.COUNTER, mfa=True))
    page = client.get(reverse("classes_staff:booking_detail", args=[old.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "消去しました" in html and "豊島 花子1" not in html
