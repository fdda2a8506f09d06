"""The counter's 要電話連絡 list (call outcomes, cancellation reasons) and session filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from base.models import AuditEntry
from classes.models import PhoneCall, PhoneCallAttempt, Registration
from classes.notifications import record_call_outcome
from classes.services import allocate_seat, cancel_registration, cancel_session
from tests.classes.factories import booking, make_series, make_session, make_venue
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(make_user):
    return make_user(Role.COUNTER, mfa=True)


@pytest.fixture
def counter_client(counter) -> Client:
    return sign_in(Client(), counter)


def _promotion_call(n: int = 2) -> PhoneCall:
    """Someone without e-mail or SMS consent promoted from the waiting list: one open call."""
    session = make_session(make_series(title=f"教室{n}"), capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    waiting = allocate_seat(session, booking(n), channel="phone")
    cancel_registration(first)
    return PhoneCall.objects.get(registration=waiting)


def _outcome(client: Client, call: PhoneCall, **data):
    url = reverse("classes_staff:call_outcome", args=[call.pk])
    return client.post(url, data, follow=True)


def test_a_call_about_a_cancelled_session_shows_the_reason(counter_client):
    session = make_session(capacity=3)
    allocate_seat(session, booking(1), channel="phone")
    cancel_session(session, reason="講師の急病のため")
    call = PhoneCall.objects.get()
    assert call.reason == PhoneCall.Reason.SESSION_CANCELLED
    html = counter_client.get(reverse("classes_staff:calls")).content.decode()
    assert "中止の理由" in html
    assert "講師の急病のため" in html


def test_people_with_sms_consent_on_a_mobile_are_not_on_the_list(counter_client):
    session = make_session(capacity=3)
    allocate_seat(session, booking(1, phone="090-1111-0001", sms_consent=True), channel="phone")
    allocate_seat(session, booking(2), channel="phone")
    cancel_session(session, reason="会場の都合")
    calls = counter_client.get(reverse("classes_staff:calls")).context["open_calls"]
    assert [c.registration.name for c in calls] == ["豊島 花子2"]


def test_no_answer_keeps_the_call_with_its_retry_time_recorded_and_audited(counter, counter_client):
    call = _promotion_call()
    later = timezone.localtime(timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    response = _outcome(
        counter_client,
        call,
        outcome="no_answer",
        retry_at=later.strftime("%Y-%m-%dT%H:%M"),
        note="夕方なら在宅とのこと",
    )
    assert "不在でした" in response.content.decode()
    call.refresh_from_db()
    assert call.done_at is None
    assert (call.outcome, call.retry_at, call.note) == ("no_answer", later, "夕方なら在宅とのこと")
    attempt = PhoneCallAttempt.objects.get(call=call)
    assert (attempt.outcome, attempt.called_by, attempt.retry_at) == ("no_answer", counter, later)
    assert attempt.called_at is not None
    entry = AuditEntry.objects.get(action="classes.call.no_answer")
    assert entry.user == counter and entry.object_id == str(call.pk)
    assert entry.data["retry_at"] == later.isoformat()
    # Still on the list, with the time to call again shown.
    response = counter_client.get(reverse("classes_staff:calls"))
    assert response.context["open_calls"] == [call]
    html = response.content.decode()
    assert "にかけ直す" in html
    assert "不在（かけ直す）" in html  # the earlier try, listed


def test_no_answer_without_a_time_means_in_two_hours(counter_client):
    call = _promotion_call()
    before = timezone.now()
    _outcome(counter_client, call, outcome="no_answer")
    call.refresh_from_db()
    assert before + timedelta(hours=2) <= call.retry_at <= timezone.now() + timedelta(hours=2)


def test_open_calls_are_sorted_by_the_time_to_call(counter_client):
    first = _promotion_call(2)
    second = _promotion_call(3)
    record_call_outcome(first, "no_answer", retry_at=timezone.now() + timedelta(hours=1))
    calls = counter_client.get(reverse("classes_staff:calls")).context["open_calls"]
    assert calls == [second, first]
    record_call_outcome(second, "no_answer", retry_at=timezone.now() + timedelta(hours=2))
    calls = counter_client.get(reverse("classes_staff:calls")).context["open_calls"]
    assert calls == [first, second]


@pytest.mark.parametrize(("outcome", "action"), [("message", "message"), ("reached", "done")])
def test_a_message_or_reaching_the_person_closes_the_call(outcome, action, counter, counter_client):
    call = _promotion_call()
    record_call_outcome(call, "no_answer", by=counter)
    response = _outcome(counter_client, call, outcome=outcome)
    call.refresh_from_db()
    assert call.done_at is not None and call.done_by == counter
    assert call.outcome == outcome and call.retry_at is None
    assert response.context["open_calls"] == []
    assert response.context["done_calls"] == [call]
    assert [a.outcome for a in call.attempts.all()] == ["no_answer", outcome]
    assert AuditEntry.objects.filter(action=f"classes.call.{action}").count() == 1
    # A closed call stays closed: a second outcome changes nothing and is not audited again.
    _outcome(counter_client, call, outcome="no_answer")
    call.refresh_from_db()
    assert call.outcome == outcome and call.attempts.count() == 2
    assert (
        AuditEntry.objects.filter(action__startswith="classes.call.")
        .exclude(action="classes.call.viewed")
        .count()
        == 1
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "電話の結果を選んでください。"),
        ({"outcome": "maybe"}, "電話の結果を選択肢から選んでください。"),
        ({"outcome": "no_answer", "retry_at": "あした"}, "かけ直す時刻は「2030-01-08 14:00」"),
        ({"outcome": "no_answer", "retry_at": "2020-01-01T10:00"}, "今より後の時刻"),
        ({"outcome": "reached", "note": "あ" * 201}, "メモは200文字以内"),
    ],
)
def test_bad_outcomes_are_explained_and_change_nothing(counter_client, data, message):
    call = _promotion_call()
    response = _outcome(counter_client, call, **data)
    assert message in response.content.decode()
    call.refresh_from_db()
    assert (call.done_at, call.outcome, call.retry_at) == (None, "", None)
    assert not PhoneCallAttempt.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["classes.call.done"]).exists()


def test_trainers_cannot_record_outcomes(make_user):
    call = _promotion_call()
    client = sign_in(Client(), make_user(Role.TRAINER, mfa=True))
    url = reverse("classes_staff:call_outcome", args=[call.pk])
    assert client.post(url, {"outcome": "reached"}).status_code == 403
    call.refresh_from_db()
    assert call.done_at is None


# --- The counter's session list: filters ------------------------------------------------------


@pytest.fixture
def two_venues():
    komagome = make_venue("区民ひろば駒込")
    kaname = make_venue("区民ひろば要", area="要町")
    now = timezone.localtime()
    day1 = (now + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    a = make_session(make_series(title="駒込の教室"), venue=komagome, starts_at=day1)
    b = make_session(make_series(title="要の教室"), venue=kaname, starts_at=day1)
    c = make_session(
        make_series(title="要の次の教室"), venue=kaname, starts_at=day1 + timedelta(days=1)
    )
    return {"komagome": komagome, "kaname": kaname, "day1": day1, "sessions": (a, b, c)}


def _listed(response) -> list[str]:
    return [row.session.series.title for row in response.context["summaries"]]


def test_the_session_list_filters_by_venue_and_date(counter_client, two_venues):
    url = reverse("classes_staff:dashboard")
    assert set(_listed(counter_client.get(url))) == {"駒込の教室", "要の教室", "要の次の教室"}
    kaname = two_venues["kaname"].pk
    assert set(_listed(counter_client.get(url, {"venue": kaname}))) == {"要の教室", "要の次の教室"}
    day = two_venues["day1"].date().isoformat()
    assert set(_listed(counter_client.get(url, {"day": day}))) == {"駒込の教室", "要の教室"}
    response = counter_client.get(url, {"venue": kaname, "day": day})
    assert _listed(response) == ["要の教室"]
    html = response.content.decode()
    assert 'type="date"' in html and f'value="{day}"' in html
    assert "条件を解除" in html
    response = counter_client.get(url, {"venue": two_venues["komagome"].pk, "day": "2099-01-01"})
    assert _listed(response) == []
    assert "条件に合う、申込を受け付けている教室はありません。" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"venue": "abc"}, "会場を一覧から選んでください。"),
        ({"venue": "999999"}, "会場を一覧から選んでください。"),
        ({"day": "2030-13-45"}, "開催日は「2030-01-08」の形で入力してください。"),
        ({"day": "2000-01-01"}, "開催日は今日か、これからの日付を選んでください。"),
    ],
)
def test_bad_filters_are_explained_and_the_list_is_unfiltered(
    counter_client, two_venues, query, message
):
    response = counter_client.get(reverse("classes_staff:dashboard"), query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(_listed(response)) == 3


# --- Consent at the counter -----------------------------------------------------------------------


def test_the_counter_form_records_sms_consent(counter_client):
    session = make_session(capacity=5)
    url = reverse("classes_staff:book", args=[session.pk])
    html = counter_client.get(url).content.decode()
    assert 'name="sms_consent"' in html
    form = {
        "name": "池袋 よし子",
        "name_kana": "いけぶくろ よしこ",
        "phone": "090-1234-5678",
        "age_band": "75-79",
        "area": "南池袋",
        "device": "iphone",
        "consent": "on",
        "sms_consent": "on",
        "channel": "phone",
    }
    assert counter_client.post(url, form).status_code == 302
    registration = Registration.objects.get()
    assert registration.sms_consent and registration.can_receive_sms
    detail = reverse("classes_staff:booking_detail", args=[registration.reference])
    assert "SMS（携帯電話）" in counter_client.get(detail).content.decode()
    response = counter_client.post(url, {**form, "name": "池袋 たろう", "phone": "03-3981-1111"})
    assert response.status_code == 200
    assert "070・080・090 で始まる携帯電話の番号" in response.content.decode()
    assert Registration.objects.count() == 1
