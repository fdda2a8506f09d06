"""Counter and phone staff pages: proxy booking, search, cancel, phone worklist, audit trail."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from base.audit import log_action, query_fingerprint
from base.models import AuditEntry
from classes.models import PhoneCall, Registration
from classes.services import allocate_seat, cancel_registration, mark_call_done
from tests.classes.factories import booking, make_series, make_session
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

FORM = {
    "name": "池袋 よし子",
    "name_kana": "いけぶくろ よしこ",
    "phone": "０９０－１２３４－５６７８",
    "age_band": "75-79",
    "area": "南池袋",
    "device": "iphone",
    "consent": "on",
}


@pytest.fixture
def counter(make_user):
    return make_user(Role.COUNTER, mfa=True)


@pytest.fixture
def counter_client(counter) -> Client:
    return sign_in(Client(), counter)


def _book_url(session) -> str:
    return reverse("classes_staff:book", args=[session.pk])


@pytest.mark.parametrize("channel", ["phone", "counter"])
def test_proxy_booking_records_channel_and_staff_member(channel, counter, counter_client):
    session = make_session(capacity=5)
    response = counter_client.post(_book_url(session), {**FORM, "channel": channel})
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "classes_staff:booking_detail", args=[registration.reference]
    )
    assert registration.channel == channel
    assert registration.created_by == counter
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.phone == "09012345678"
    assert registration.session == session
    page = counter_client.get(response["Location"])
    assert registration.reference in page.content.decode()
    assert reverse("classes_staff:booking_slip", args=[registration.reference]) in (
        page.content.decode()
    )


def test_proxy_booking_of_a_whole_series_books_the_series(counter_client):
    series = make_series(booking_mode="series")
    first = make_session(series, days=7)
    make_session(series, days=14)
    counter_client.post(_book_url(first), {**FORM, "channel": "phone"})
    registration = Registration.objects.get()
    assert registration.series == series
    assert registration.session is None


def test_proxy_booking_refuses_a_duplicate_with_the_message(counter_client):
    session = make_session()
    allocate_seat(session, booking(1, name="池袋 よし子", phone="090-1234-5678"), channel="web")
    response = counter_client.post(_book_url(session), {**FORM, "channel": "counter"})
    assert response.status_code == 200
    assert "この方は、この教室にすでに申し込まれています。" in response.content.decode()
    assert Registration.objects.count() == 1
    # Nothing typed is lost.
    assert "池袋 よし子" in response.content.decode()


def test_proxy_booking_of_a_full_session_waitlists(counter_client):
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    response = counter_client.post(_book_url(session), {**FORM, "channel": "phone"}, follow=True)
    registration = Registration.objects.get(channel="phone")
    assert registration.status == Registration.Status.WAITLISTED
    assert "キャンセル待ち（1 番目）" in response.content.decode()


def test_proxy_booking_shows_every_error_at_once_and_keeps_the_input(counter_client):
    session = make_session()
    data = {**FORM, "phone": "12345", "consent": ""}
    response = counter_client.post(_book_url(session), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not Registration.objects.exists()
    assert "10けたか11けた" in html
    assert "個人情報の取扱いに同意していただく必要があります。" in html
    form = response.context["form"]
    assert set(form.errors) == {"phone", "consent", "channel"}
    assert 'value="12345"' in html
    assert "電話・窓口で、個人情報の取扱いについてご本人の同意を確認した" in html


def test_proxy_booking_of_a_cancelled_session_is_closed(counter_client):
    session = make_session(status="cancelled")
    response = counter_client.get(_book_url(session))
    assert "この回は中止になりました。" in response.content.decode()
    assert '<form method="post" novalidate' not in response.content.decode()


@pytest.fixture
def three_bookings():
    session = make_session(capacity=10)
    regs = [
        allocate_seat(
            session,
            booking(1, name="豊島 花子", name_kana="としま はなこ", phone="03-3981-1111"),
            channel="web",
        ),
        allocate_seat(
            session,
            booking(2, name="巣鴨 太郎", name_kana="すがも たろう", phone="090-2222-3333"),
            channel="phone",
        ),
        allocate_seat(
            session,
            booking(3, name="目白 Ｊｏｈｎ", name_kana="めじろ じょん", phone="080-4444-5555"),
            channel="counter",
        ),
    ]
    return regs


def _post_search(client: Client, query: str):
    """POST a search as the form does and follow the redirect to ``?search=<id>``; the query
    is never in a URL (neither the Location nor any page asked for)."""
    response = client.post(reverse("classes_staff:search"), {"q": query})
    assert response.status_code == 303
    location = response["Location"]
    assert re.fullmatch(re.escape(reverse("classes_staff:search")) + r"\?search=[\w-]+", location)
    page = client.get(location)
    assert page.status_code == 200
    return page


def _search(client: Client, query: str) -> list[str]:
    return [r.reference for r in _post_search(client, query).context["results"]]


def test_a_search_id_expires_after_private_search_max_age(
    counter_client, three_bookings, settings, monkeypatch
):
    """The id in the URL reads the query back for PRIVATE_SEARCH_MAX_AGE seconds only."""
    settings.PRIVATE_SEARCH_MAX_AGE = 60
    hanako = three_bookings[0]
    location = counter_client.post(reverse("classes_staff:search"), {"q": hanako.reference})[
        "Location"
    ]
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 59)
    assert [r.reference for r in counter_client.get(location).context["results"]] == [
        hanako.reference
    ]
    monkeypatch.setattr(time, "time", lambda: now + 61)
    expired = counter_client.get(location)
    assert expired.context["results"] is None
    assert "検索の有効期限が切れました" in expired.content.decode()


def test_search_by_reference_name_kana_and_phone(counter_client, three_bookings):
    hanako, taro, john = three_bookings
    assert _search(counter_client, hanako.reference) == [hanako.reference]
    assert _search(counter_client, hanako.reference.lower()) == [hanako.reference]
    # Full-width letters of the reference.
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in taro.reference)
    assert _search(counter_client, full_width) == [taro.reference]
    # Names without or with other spaces, full-width.
    assert _search(counter_client, "豊島花子") == [hanako.reference]
    assert _search(counter_client, "巣鴨　太郎") == [taro.reference]
    assert _search(counter_client, "john") == [john.reference]
    # Kana: hiragana, katakana, half-width katakana, no spaces.
    assert _search(counter_client, "すがもたろう") == [taro.reference]
    assert _search(counter_client, "スガモ タロウ") == [taro.reference]
    assert _search(counter_client, "ｽｶﾞﾓ") == [taro.reference]
    # Phone: any format, full-width, or four or more digits of it.
    assert _search(counter_client, "０３－３９８１－１１１１") == [hanako.reference]
    assert _search(counter_client, "09022223333") == [taro.reference]
    assert _search(counter_client, "4444") == [john.reference]
    assert _search(counter_client, "どなたもいない") == []


def test_search_results_show_status_session_and_channel(counter_client, three_bookings):
    response = _post_search(counter_client, "巣鴨")
    html = response.content.decode()
    assert "予約確定" in html
    assert "電話" in html
    assert "はじめてのスマホ" in html
    assert reverse("classes_staff:booking_detail", args=[three_bookings[1].reference]) in html


def test_searching_and_viewing_personal_data_is_audited(counter, counter_client, three_bookings):
    _post_search(counter_client, "豊島")
    entry = AuditEntry.objects.get(action="classes.booking.searched")
    assert entry.user == counter
    # What was searched for is kept as a keyed fingerprint, not as the name typed.
    assert entry.data == {"query": query_fingerprint("豊島"), "results": 1}
    reg = three_bookings[0]
    counter_client.get(reverse("classes_staff:booking_detail", args=[reg.reference]))
    entry = AuditEntry.objects.get(action="classes.booking.viewed")
    assert entry.obj == reg
    assert entry.ip == "127.0.0.1"


def test_empty_search_lists_nothing_and_logs_nothing(counter_client, three_bookings):
    response = counter_client.post(reverse("classes_staff:search"), {"q": "  "})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert not AuditEntry.objects.exists()


def test_search_results_survive_a_reload_and_carry_no_query_in_any_url(
    counter_client, three_bookings
):
    hanako = three_bookings[0]
    response = counter_client.post(
        reverse("classes_staff:search"), {"q": "０３－３９８１－１１１１"}, follow=True
    )
    urls = [url for url, _status in response.redirect_chain] + [response.request["PATH_INFO"]]
    for url in urls:
        assert "3981" not in url and "%" not in url
    assert [r.reference for r in response.context["results"]] == [hanako.reference]
    again = counter_client.get(response.redirect_chain[-1][0])
    assert [r.reference for r in again.context["results"]] == [hanako.reference]
    html = again.content.decode()
    # The page links nowhere with the query, and its form POSTs.
    assert "?q=" not in html and 'method="post"' in html


def test_a_search_id_is_private_to_the_session_that_made_it(
    make_user, counter_client, three_bookings
):
    location = _post_search(counter_client, "豊島").request["QUERY_STRING"]
    other = sign_in(Client(), make_user(Role.COUNTER, mfa=True))
    response = other.get(reverse("classes_staff:search") + "?" + location)
    assert response.status_code == 200
    assert response.context["results"] is None
    assert "有効期限" in response.content.decode()


def test_a_search_in_the_url_is_not_run(counter_client, three_bookings):
    response = counter_client.get(reverse("classes_staff:search"), {"q": "豊島"})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert not AuditEntry.objects.filter(action="classes.booking.searched").exists()


def test_searching_needs_the_csrf_token(counter, three_bookings):
    client = sign_in(Client(enforce_csrf_checks=True), counter)
    response = client.post(reverse("classes_staff:search"), {"q": "豊島"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", [None, Role.STAFF, Role.TRAINER])
def test_searching_is_closed_to_other_roles(make_user, role):
    client = sign_in(Client(), make_user(role, mfa=role is not None))
    response = client.post(reverse("classes_staff:search"), {"q": "豊島"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="classes.booking.searched").exists()


def test_the_dashboard_search_form_posts(counter_client):
    html = counter_client.get(reverse("classes_staff:dashboard")).content.decode()
    form = html[html.index('action="' + reverse("classes_staff:search")) :]
    form = form[: form.index("</form>")]
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form


def test_unknown_reference_is_404(counter_client):
    url = reverse("classes_staff:booking_detail", args=["ACEFGH"])
    assert counter_client.get(url).status_code == 404


def test_cancel_from_staff_page_asks_first_then_promotes_the_waitlisted(counter, counter_client):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    waiting = allocate_seat(session, booking(2), channel="phone")
    url = reverse("classes_staff:booking_cancel", args=[first.reference])

    confirm = counter_client.get(url)
    assert confirm.status_code == 200
    assert "取り消す" in confirm.content.decode()
    first.refresh_from_db()
    assert first.status == Registration.Status.CONFIRMED  # a GET changes nothing

    response = counter_client.post(url, follow=True)
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert first.status == Registration.Status.CANCELLED
    assert waiting.status == Registration.Status.CONFIRMED
    html = response.content.decode()
    assert "を取り消しました" in html
    assert waiting.reference in html
    # No e-mail: the promoted person is put on the phone worklist.
    assert PhoneCall.objects.filter(registration=waiting, reason="promoted").exists()
    assert AuditEntry.objects.filter(action="classes.booking.cancelled", user=counter).exists()


def test_cancelling_twice_shows_the_message(counter_client):
    session = make_session()
    reg = allocate_seat(session, booking(1), channel="web")
    cancel_registration(reg)
    url = reverse("classes_staff:booking_cancel", args=[reg.reference])
    response = counter_client.post(url, follow=True)
    assert "この申込はすでに取り消されています。" in response.content.decode()


def test_worklist_lists_open_calls_first_and_marks_them_done(counter, counter_client):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    waiting = allocate_seat(session, booking(2, phone="090-1111-2222"), channel="phone")
    cancel_registration(first)
    call = PhoneCall.objects.get(registration=waiting)

    response = counter_client.get(reverse("classes_staff:calls"))
    html = response.content.decode()
    assert response.context["open_calls"] == [call]
    assert 'href="tel:09011112222"' in html
    assert "090-1111-2222" in html
    assert "キャンセル待ちから繰り上げ" in html

    done_url = reverse("classes_staff:call_done", args=[call.pk])
    assert counter_client.get(done_url).status_code == 405
    response = counter_client.post(done_url, {"note": "留守電に伝言"}, follow=True)
    call.refresh_from_db()
    assert call.done_at is not None
    assert call.done_by == counter
    assert call.note == "留守電に伝言"
    assert response.context["open_calls"] == []
    assert response.context["done_calls"] == [call]


def test_marking_a_call_done_twice_keeps_the_first_time(make_user):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    allocate_seat(session, booking(2), channel="phone")
    cancel_registration(first)
    call = PhoneCall.objects.get()
    one, two = make_user(Role.COUNTER), make_user(Role.COUNTER)
    mark_call_done(call, by=one)
    done_at = call.done_at
    mark_call_done(call, by=two, note="２回目")
    assert call.done_at == done_at
    assert call.done_by == one
    assert call.note == "2回目"


def test_staff_slip_shows_reference_and_qr_code(counter_client):
    reg = allocate_seat(make_session(), booking(1), channel="phone")
    response = counter_client.get(reverse("classes_staff:booking_slip", args=[reg.reference]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reg.reference in html
    assert '<svg class="qr-code"' in html


@pytest.mark.parametrize("role", [Role.TRAINER, Role.STAFF, None])
def test_counter_pages_are_closed_to_other_roles(make_user, role):
    client = sign_in(Client(), make_user(role, mfa=role is not None))
    assert client.get(reverse("classes_staff:dashboard")).status_code == 403
    assert client.get(reverse("classes_staff:calls")).status_code == 403


def test_counter_pages_send_anonymous_visitors_to_login(client):
    response = client.get(reverse("classes_staff:search"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_counts_open_calls_and_lists_sessions(counter_client):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    allocate_seat(session, booking(2), channel="phone")
    allocate_seat(session, booking(3), channel="phone")
    response = counter_client.get(reverse("classes_staff:dashboard"))
    assert response.context["open_calls"] == 0
    (row,) = response.context["summaries"]
    assert (row.booked, row.capacity, row.waiting) == (1, 1, 2)
    cancel_registration(first)
    response = counter_client.get(reverse("classes_staff:dashboard"))
    assert response.context["open_calls"] == 1
    assert "未連絡 1 件" in response.content.decode()


def test_staff_home_shows_the_doors_by_role(make_user):
    counter = sign_in(Client(), make_user(Role.COUNTER, mfa=True))
    trainer = sign_in(Client(), make_user(Role.TRAINER, mfa=True))
    home = reverse("accounts:staff_home")
    counter_html = counter.get(home).content.decode()
    trainer_html = trainer.get(home).content.decode()
    dashboard = f'href="{reverse("classes_staff:dashboard")}"'
    today = f'href="{reverse("classes_staff:today")}"'
    assert dashboard in counter_html
    assert today not in counter_html
    assert today in trainer_html
    assert dashboard not in trainer_html


def test_log_action_records_user_object_data_and_address(make_user, rf):
    user = make_user(Role.ADMIN)
    session = make_session()
    request = rf.get("/", REMOTE_ADDR="192.0.2.7")
    entry = log_action("classes.test", user=user, obj=session, data={"n": 1}, request=request)
    entry.refresh_from_db()
    assert entry.action == "classes.test"
    assert entry.user == user
    assert entry.obj == session
    assert entry.object_repr == str(session)
    assert entry.data == {"n": 1}
    assert entry.ip == "192.0.2.7"


def test_audit_trail_is_read_only_in_the_admin(make_user):
    admin = make_user(Role.ADMIN, mfa=True, is_superuser=True)
    client = sign_in(Client(), admin)
    entry = log_action("classes.roster.viewed", user=admin, obj=make_session())
    listing = client.get("/admin/snippets/base/auditentry/")
    assert listing.status_code == 200
    assert "名簿を表示" in listing.content.decode()  # the code's label (classes.roster.viewed)
    filtered = client.get("/admin/snippets/base/auditentry/", {"action": "nothing.like.this"})
    assert "名簿を表示" not in filtered.content.decode()
    assert client.get(f"/admin/snippets/base/auditentry/inspect/{entry.pk}/").status_code == 200
    for path in ("add/", f"edit/{entry.pk}/", f"delete/{entry.pk}/"):
        response = client.get(f"/admin/snippets/base/auditentry/{path}")
        assert response.status_code in (302, 403), path
    assert client.post(f"/admin/snippets/base/auditentry/delete/{entry.pk}/").status_code in (
        302,
        403,
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_too_long_a_note_is_refused_and_the_call_stays_open(counter_client):
    session = make_session(capacity=1)
    first = allocate_seat(session, booking(1), channel="web")
    allocate_seat(session, booking(2), channel="phone")
    cancel_registration(first)
    call = PhoneCall.objects.get()
    url = reverse("classes_staff:call_done", args=[call.pk])
    response = counter_client.post(url, {"note": "あ" * 201}, follow=True)
    call.refresh_from_db()
    assert call.done_at is None
    assert "200 文字以下" in response.content.decode()


def test_booking_detail_of_a_whole_series_lists_its_dates_in_order_and_marks_a_cancelled_one(
    counter_client,
):
    # Staff see every date of the booking, a cancelled one marked 中止; the resident's slip and
    # mails (classes.availability.sessions_of without cancelled ones) list only those held.
    from classes.availability import sessions_of
    from classes.services import cancel_session

    series = make_series(booking_mode="series")
    later = make_session(series, days=21)
    first = make_session(series, days=7)
    dropped = make_session(series, days=14)
    registration = allocate_seat(series, booking(1), channel="web")
    cancel_session(dropped, reason="会場点検のため")
    registration.refresh_from_db()
    html = counter_client.get(
        reverse("classes_staff:booking_detail", args=[registration.reference])
    ).content.decode()
    lines = [part.split("</li>")[0] for part in html.split('class="session-line__when"')[1:]]
    assert len(lines) == 3
    assert "中止" not in lines[0] and "中止" in lines[1] and "中止" not in lines[2]
    assert sessions_of(registration) == [first, later]
    assert sessions_of(registration, with_cancelled=True) == [first, dropped, later]


def test_the_admin_booking_list_searches_by_reference_only(make_user, three_bookings):
    """Wagtail's listing search is a GET (?q=): names and numbers must not be typed there."""
    hanako = three_bookings[0]
    client = sign_in(Client(), make_user(Role.ADMIN, mfa=True))
    url = reverse("wagtailsnippets_classes_registration:list")

    def found(query: str) -> int:
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        return response.context["items_count"]

    assert found(hanako.reference) == 1
    assert found("豊島") == 0
    assert found("3981") == 0
