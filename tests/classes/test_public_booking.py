"""The public booking pages: find a class, book, confirmation, slip, calendar file, cancel."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from classes.models import ClassSeries, ClassSession, Registration
from classes.services import allocate_seat, create_series_sessions
from classes.slips import escape_text, fold_line
from tests.classes.factories import booking, make_series, make_session, make_venue

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
FORM = {
    "name": "豊島 花子",
    "name_kana": "としま はなこ",
    "phone": "０３－３９８１－１２３４",
    "age_band": "75-79",
    "area": "駒込",
    "device": "android",
    "email": "",
    "consent": "on",
}


@pytest.fixture(autouse=True)
def clear_rate_limits():
    """Lookups are counted per IP in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def _book(client: Client, session: ClassSession, **fields):
    """The final POST: 申し込む on the confirm step (``step=submit``)."""
    data = {
        **FORM,
        "form_token": fields.pop("form_token", f"t{timezone.now().timestamp()}"),
        "step": "submit",
    }
    data.update(fields)
    return client.post(reverse("classes:book", args=[session.pk]), data)


def _html(response) -> str:
    return response.content.decode()


# --- The list -----------------------------------------------------------------------------


def test_list_shows_only_bookable_sessions(client):
    shown = make_session(make_series(title="はじめてのスマホ"), days=3)
    make_session(make_series(title="終わった教室"), days=-3)
    cancelled = make_session(make_series(title="中止の教室"), days=4)
    cancelled.status = ClassSession.Status.CANCELLED
    cancelled.save()
    make_session(make_series(title="非公開の教室", is_published=False), days=5)

    html = _html(client.get("/classes/"))

    assert "はじめてのスマホ" in html
    assert reverse("classes:book", args=[shown.pk]) in html
    for hidden in ("終わった教室", "中止の教室", "非公開の教室"):
        assert hidden not in html


def test_list_shows_date_in_japanese_seats_and_full_classes(client):
    starts = datetime(2030, 1, 8, 10, 0, tzinfo=TOKYO)  # a Tuesday
    open_session = make_session(
        make_series(title="LINEを使ってみよう"), starts_at=starts, capacity=5
    )
    full = make_session(make_series(title="写真をとろう"), capacity=1, days=9)
    allocate_seat(full, booking(1), channel="web")
    allocate_seat(open_session, booking(2), channel="web")

    html = _html(client.get("/classes/"))

    assert "2030年1月8日（火）10:00〜12:00" in html
    assert "残り 4 席" in html
    assert "満席（キャンセル待ちできます）" in html
    assert "キャンセル待ちで申し込む" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"area": "要町"}, {"要町の教室"}),
        ({"level": "advanced"}, {"応用の教室"}),
        ({"device": "iphone"}, {"駒込の教室", "要町の教室"}),
        ({"device": "android"}, {"駒込の教室", "応用の教室"}),
        ({"date_from": "LATER"}, {"応用の教室"}),
        ({}, {"駒込の教室", "要町の教室", "応用の教室"}),
    ],
)
def test_list_filters(client, query, expected):
    komagome = make_venue("区民ひろば駒込", area="駒込")
    kaname = make_venue("区民ひろば要町", area="要町")
    make_session(make_series(title="駒込の教室", level="first"), venue=komagome, days=2)
    make_session(
        make_series(title="要町の教室", level="basic", covers_android=False), venue=kaname, days=3
    )
    make_session(
        make_series(title="応用の教室", level="advanced", covers_iphone=False),
        venue=komagome,
        days=20,
    )
    if query.get("date_from") == "LATER":
        query = {"date_from": (timezone.localdate() + timedelta(days=10)).isoformat()}

    html = _html(client.get("/classes/", query))

    titles = {"駒込の教室", "要町の教室", "応用の教室"}
    assert {title for title in titles if title in html} == expected


def test_list_filters_by_venue(client):
    kaname = make_venue("区民ひろば要町", area="要町")
    make_session(make_series(title="駒込の教室"), days=2)
    make_session(make_series(title="要町の教室"), venue=kaname, days=2)

    html = _html(client.get("/classes/", {"venue": kaname.pk}))

    assert "要町の教室" in html
    assert "駒込の教室" not in html


def test_whole_series_is_listed_once_with_all_its_dates(client):
    series = make_series(title="4回で学ぶスマホ", booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    first = timezone.localdate() + timedelta(days=7)
    create_series_sessions(
        series,
        venue=make_venue(),
        first_date=first,
        start=datetime.min.time().replace(hour=10),
        end=datetime.min.time().replace(hour=12),
        count=4,
        capacity=8,
    )

    html = _html(client.get("/classes/"))

    assert html.count("4回で学ぶスマホ</a>") == 1
    assert "全4回（まとめて申し込みます）" in html
    assert html.count("第4回") == 1


def test_empty_list_says_so_and_gives_the_help_phone(client):
    html = _html(client.get("/classes/", {"level": "advanced"}))
    assert "条件に合う教室は見つかりませんでした" in html
    assert 'href="tel:0339811111"' in html


def test_a_bad_date_is_reported_next_to_the_field(client):
    make_session()
    response = client.get("/classes/", {"date_from": "あした"})
    html = _html(response)
    assert response.status_code == 200
    assert 'id="id_date_from_error"' in html
    assert 'value="あした"' in html


# --- The class page -----------------------------------------------------------------------


def test_session_page_says_what_to_bring_how_to_get_there_and_whom_to_phone(client):
    venue = make_venue(
        "区民ひろば高田",
        area="高田",
        access="都電 学習院下 徒歩3分",
        accessibility="エレベーターあり",
    )
    series = make_series(
        title="はじめてのスマホ",
        what_to_bring="スマホ、老眼鏡",
        course_page=Page.objects.get(depth=2),
    )
    session = make_session(series, venue=venue)

    html = _html(client.get(reverse("classes:session_detail", args=[session.pk])))

    for text in ("スマホ、老眼鏡", "都電 学習院下 徒歩3分", "エレベーターあり", "残り 10 席"):
        assert text in html
    assert 'href="tel:0339811111"' in html
    assert "この教室の教材を見る" in html
    assert reverse("classes:book", args=[session.pk]) in html


def test_full_session_page_offers_the_waitlist_and_says_how_many_wait(client):
    session = make_session(capacity=1)
    for n in range(1, 4):
        allocate_seat(session, booking(n), channel="web")

    html = _html(client.get(reverse("classes:session_detail", args=[session.pk])))

    assert "満席：キャンセル待ちで申し込む" in html
    assert "いま 2 人が待っています。" in html


def test_unpublished_class_page_is_not_found(client):
    session = make_session(make_series(is_published=False))
    assert client.get(reverse("classes:session_detail", args=[session.pk])).status_code == 404


def test_cancelled_session_offers_no_booking(client):
    session = make_session()
    session.status = ClassSession.Status.CANCELLED
    session.save()

    detail = _html(client.get(reverse("classes:session_detail", args=[session.pk])))
    form = _html(client.get(reverse("classes:book", args=[session.pk])))
    response = _book(client, session)

    assert "この回は中止になりました。" in detail
    assert 'name="phone"' not in form
    assert "この回は中止になりました。" in _html(response)
    assert not Registration.objects.exists()


# --- Booking ------------------------------------------------------------------------------


def test_booking_confirms_and_shows_the_reference(client):
    session = make_session(capacity=5)

    response = _book(client, session)

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/classes/booking/{registration.reference}/"
    assert registration.status == "confirmed"
    assert registration.channel == "web"
    assert registration.phone == "0339811234"
    html = _html(client.get(response["Location"]))
    assert "予約確定" in html
    assert registration.reference in html
    assert "豊島 花子" in html
    assert reverse("classes:booking_slip", args=[registration.reference]) in html
    assert reverse("classes:booking_ics", args=[registration.reference]) in html
    assert f"/classes/cancel/?reference={registration.reference}" in html


def test_whole_series_booking_holds_a_seat_in_the_series(client):
    series = make_series(booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
    first = make_session(series, days=3)
    make_session(series, days=10)

    response = _book(client, first)

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert registration.session is None
    assert registration.series == series
    assert _html(client.get(response["Location"])).count("第2回") == 1


def test_full_class_books_onto_the_waitlist_and_says_the_place(client):
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    allocate_seat(session, booking(2), channel="web")

    form_html = _html(client.get(reverse("classes:book", args=[session.pk])))
    response = _book(client, session)

    assert "満席のため、キャンセル待ちでの申込になります。" in form_html
    assert "申し込むと 3 番目になります。" not in form_html
    assert "申し込むと 2 番目になります。" in form_html
    registration = Registration.objects.get(name="豊島 花子")
    assert registration.status == "waitlisted"
    html = _html(client.get(response["Location"]))
    assert "キャンセル待ち（2番目）" in html


def test_validation_errors_keep_what_was_typed_and_change_nothing(client):
    session = make_session()

    response = _book(client, session, phone="03-12", email="hanako@", consent="")

    html = _html(response)
    assert response.status_code == 200
    assert not Registration.objects.exists()
    assert 'id="error-summary"' in html
    assert 'href="#id_phone"' in html
    assert 'value="豊島 花子"' in html
    assert 'value="03-12"' in html
    assert 'value="hanako@"' in html
    phone_input = re.search(r"<input[^>]*name=\"phone\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in phone_input
    assert "id_phone_error" in phone_input
    assert 'id="id_phone_error"' in html
    assert "10けたか11けた" in html
    consent_input = re.search(r"<input[^>]*name=\"consent\"[^>]*>", html).group(0)
    assert "privacy-notice" in consent_input
    assert "id_consent_error" in consent_input
    assert "個人情報の取扱い" in html
    assert 'value="75-79"' in html and re.search(r'value="75-79"[^>]*checked', html)


def test_missing_choice_points_the_summary_at_the_first_option(client):
    session = make_session()
    html = _html(_book(client, session, age_band=""))
    assert 'href="#id_age_band_0"' in html
    assert 'id="id_age_band_0"' in html


def test_duplicate_booking_is_refused_with_a_way_to_check_or_cancel(client):
    session = make_session()
    _book(client, session, form_token="first")

    response = _book(Client(), session, name="豊島　花子", phone="03-3981-1234", form_token="x")

    html = _html(response)
    assert Registration.objects.count() == 1
    assert response.status_code == 200
    assert "この方は、この教室にすでに申し込まれています。" in html
    assert reverse("classes:cancel") in html


def test_sending_the_same_form_twice_shows_the_first_booking(client):
    session = make_session()
    first = _book(client, session, form_token="abc")
    second = _book(client, session, form_token="abc")
    assert Registration.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


# --- Who may see a booking ------------------------------------------------------------------


def test_confirmation_slip_and_calendar_are_hidden_from_other_browsers(client):
    session = make_session()
    reference = _book(client, session)["Location"].split("/")[-2]
    stranger = Client()

    detail = stranger.get(f"/classes/booking/{reference}/")
    slip = stranger.get(f"/classes/booking/{reference}/slip/")
    ics = stranger.get(f"/classes/booking/{reference}/calendar.ics")

    assert detail.status_code == 200
    assert "豊島 花子" not in _html(detail)
    assert 'name="phone"' in _html(detail)
    assert slip.status_code == 302
    assert slip["Location"] == f"/classes/booking/{reference}/?next=slip"
    assert ics.status_code == 302
    assert ics["Location"] == f"/classes/booking/{reference}/?next=calendar"


def test_unknown_reference_looks_the_same_as_a_known_one(client):
    session = make_session()
    reference = _book(client, session)["Location"].split("/")[-2]
    stranger = Client()
    known = _html(stranger.get(f"/classes/booking/{reference}/")).replace(reference, "AAAAAA")
    unknown = _html(stranger.get("/classes/booking/AAAAAA/"))
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", known) == csrf.sub("", unknown)


def test_reference_and_phone_open_the_booking_in_another_browser(client):
    session = make_session()
    reference = _book(client, session)["Location"].split("/")[-2]
    stranger = Client()

    wrong = stranger.post(
        f"/classes/booking/{reference}/", {"reference": reference, "phone": "03-0000-0000"}
    )
    right = stranger.post(
        f"/classes/booking/{reference}/",
        {"reference": reference.lower(), "phone": "03 3981 1234", "next": "slip"},
    )

    assert "受付番号と電話番号に合う申込が見つかりません。" in _html(wrong)
    assert "豊島 花子" not in _html(wrong)
    assert right.status_code == 302
    assert right["Location"] == f"/classes/booking/{reference}/slip/"
    assert "豊島 花子" in _html(stranger.get(f"/classes/booking/{reference}/"))


def test_slip_has_qr_code_reference_name_venue_and_help_phone(client):
    session = make_session()
    reference = _book(client, session)["Location"].split("/")[-2]

    html = _html(client.get(f"/classes/booking/{reference}/slip/"))

    assert '<svg class="qr-code"' in html
    assert f'aria-label="受付番号 {reference} のQRコード"' in html
    for text in (reference, "豊島 花子", "区民ひろば駒込", "豊島区駒込2-2-4", "03-3981-1111"):
        assert text in html


# --- The calendar file --------------------------------------------------------------------


def _unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_calendar_file_is_valid_icalendar(client):
    series = make_series(
        title="LINE入門; 写真, 動画",
        booking_mode=ClassSeries.BookingMode.WHOLE_SERIES,
        what_to_bring="スマホ\n老眼鏡、筆記用具をお持ちください。" * 3,
    )
    first = make_session(series, days=3)
    second = make_session(series, days=10)
    reference = _book(client, first)["Location"].split("/")[-2]

    response = client.get(f"/classes/booking/{reference}/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.endswith("\r\n")
    assert "\n" not in body.replace("\r\n", "")
    for line in body.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75, line
    lines = _unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 2 == lines.count("END:VEVENT")
    assert f"UID:{reference}-{first.pk}@testserver" in lines
    assert f"UID:{reference}-{second.pk}@testserver" in lines
    assert sum(line.startswith("DTSTAMP:") for line in lines) == 2
    start = first.starts_at.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in lines
    assert all(re.fullmatch(r"DT(START|END|STAMP):\d{8}T\d{6}Z", line) for line in lines
               if line.startswith(("DTSTART", "DTEND", "DTSTAMP")))  # fmt: skip
    assert "SUMMARY:LINE入門\\; 写真\\, 動画" in lines
    assert "LOCATION:区民ひろば駒込\\, 豊島区駒込2-2-4" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert f"受付番号：{reference}" in description
    assert "03-3981-1111" in description
    assert "\\n" in description
    assert "スマホ\\n老眼鏡、筆記用具" in description


def test_fold_line_never_splits_a_character():
    line = "DESCRIPTION:" + "あ" * 60
    folded = fold_line(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 1
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line
    assert fold_line("SUMMARY:short") == "SUMMARY:short"


def test_escape_text_escapes_the_special_characters():
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


# --- Cancelling ---------------------------------------------------------------------------


def _cancel(client: Client, reference: str, phone: str):
    return client.post("/classes/cancel/", {"reference": reference, "phone": phone})


@pytest.mark.parametrize("status", ["confirmed", "waitlisted"])
def test_cancel_with_reference_and_phone(status):
    session = make_session(capacity=1)
    if status == "waitlisted":
        allocate_seat(session, booking(9), channel="web")
    registration = allocate_seat(session, booking(1), channel="phone")
    assert registration.status == status
    client = Client()

    found = _cancel(client, registration.reference.lower(), "０３３９８１０００１")
    confirm = client.get(found["Location"])
    done = client.post("/classes/cancel/confirm/")
    done_page = client.get(done["Location"])

    assert found["Location"] == "/classes/cancel/confirm/"
    # 予約の確認・取消 (header and home page): the booking is shown first, cancelling is a choice.
    assert "<h1>予約の確認・取消</h1>" in _html(client.get("/classes/cancel/"))
    assert "<h1>申込の内容</h1>" in _html(confirm)
    assert "この申込を取り消しますか" in _html(confirm)
    assert registration.reference in _html(confirm)
    assert done["Location"] == "/classes/cancel/done/"
    assert "取り消しました" in _html(done_page)
    registration.refresh_from_db()
    assert registration.status == "cancelled"


def test_cancel_with_wrong_phone_changes_nothing(client):
    session = make_session()
    registration = allocate_seat(session, booking(1), channel="web")

    response = _cancel(client, registration.reference, "03-3981-9999")

    html = _html(response)
    assert response.status_code == 200
    assert html.count("受付番号と電話番号に合う申込が見つかりません。") == 1
    assert 'value="03-3981-9999"' in html
    assert client.get("/classes/cancel/confirm/")["Location"] == "/classes/cancel/"
    assert client.post("/classes/cancel/confirm/")["Location"] == "/classes/cancel/"
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_cancelling_twice_says_it_is_already_cancelled(client):
    registration = allocate_seat(make_session(), booking(1), channel="web")
    _cancel(client, registration.reference, "03-3981-0001")
    client.post("/classes/cancel/confirm/")

    html = _html(_cancel(client, registration.reference, "03-3981-0001"))

    assert "この申込はすでに取り消されています。" in html


def test_cancel_page_prefills_the_reference(client):
    html = _html(client.get("/classes/cancel/", {"reference": "acefgh"}))
    assert 'value="ACEFGH"' in html


@pytest.fixture
def frozen_clock(monkeypatch):
    """Keep every lookup in one rate-limit window, wherever the test starts."""
    monkeypatch.setattr("base.ratelimit._now", lambda: 1_800_000_000.0)


def test_lookups_are_rate_limited_per_address(client, settings, frozen_clock):
    settings.CLASSES_LOOKUP_RATE_LIMIT = "3/10m"
    registration = allocate_seat(make_session(), booking(1), channel="web")
    for _attempt in range(3):
        assert _cancel(client, registration.reference, "03-0000-0000").status_code == 200

    limited = _cancel(client, registration.reference, "03-3981-0001")
    detail = client.post(
        f"/classes/booking/{registration.reference}/",
        {"reference": registration.reference, "phone": "03-3981-0001"},
    )

    assert limited.status_code == 429
    assert "分ほど待ってから、もう一度お試しください。" in _html(limited)
    assert detail.status_code == 429
    assert client.get("/classes/cancel/confirm/")["Location"] == "/classes/cancel/"
    other_address = Client(REMOTE_ADDR="192.0.2.7")
    assert _cancel(other_address, registration.reference, "03-3981-0001").status_code == 302


def test_default_rate_limit_is_ten_lookups(client, frozen_clock):
    registration = allocate_seat(make_session(), booking(1), channel="web")
    statuses = [_cancel(client, registration.reference, "03-0000-0000").status_code
                for _attempt in range(11)]  # fmt: skip
    assert statuses == [200] * 10 + [429]


# --- Ways in ------------------------------------------------------------------------------


def test_home_page_and_menu_lead_to_the_classes(client):
    html = _html(client.get("/"))
    assert 'href="/classes/"' in html
    assert "スマホ教室をさがす" in html
    assert 'href="/classes/cancel/"' in html


# --- 入力 → 確認 → 完了 --------------------------------------------------------------------


def _step(client: Client, session: ClassSession, step: str | None, **fields):
    data = {**FORM, "form_token": "steps", **fields}
    if step is not None:
        data["step"] = step
    return client.post(reverse("classes:book", args=[session.pk]), data)


def _hidden(html: str) -> dict[str, str]:
    form = html[html.index('class="booking-confirm"') :]
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    return {name: value for name, value in pairs if name != "csrfmiddlewaretoken"}


def test_the_form_shows_step_one_and_asks_to_confirm_not_to_book(client):
    html = _html(client.get(reverse("classes:book", args=[make_session().pk])))
    assert re.search(r'aria-current="step"><span class="steps__number">1</span>入力', html)
    assert html.count('aria-current="step"') == 1
    assert 'name="step" value="confirm"' in html
    assert 'value="submit"' not in html
    assert "<details" in html and 'id="privacy-notice"' in html
    assert "この項目は必須です" not in html


@pytest.mark.parametrize("step", ["confirm", None])
def test_confirm_step_shows_what_will_be_sent_and_books_nothing(client, step):
    session = make_session()

    response = _step(client, session, step, name_kana="ﾄｼﾏ ﾊﾅｺ", wants_loaner="on")

    html = _html(response)
    assert response.status_code == 200
    assert not Registration.objects.exists()
    assert re.search(r'aria-current="step"><span class="steps__number">2</span>確認', html)
    summary = html[
        html.index('id="booking-summary"') : html.index("</dl>", html.index('id="booking-summary"'))
    ]
    for text in ("豊島 花子", "トシマ ハナコ", "03-3981-1234", "75〜79歳", "駒込", "Android"):
        assert text in summary, text
    assert "（なし）" in summary  # no e-mail address
    assert 'name="step" value="submit"' in html and "申し込む" in html
    assert 'name="step" value="edit"' in html and "修正する" in html
    assert _hidden(html) == {
        "form_token": "steps",
        "name": "豊島 花子",
        "name_kana": "トシマ ハナコ",
        "phone": "03-3981-1234",
        "age_band": "75-79",
        "area": "駒込",
        "device": "android",
        "wants_loaner": "on",
        "email": "",
        "consent": "on",
    }


def test_confirm_then_submit_books_once_and_shows_step_three_once(client):
    session = make_session()
    confirm = _html(_step(client, session, "confirm"))

    response = client.post(
        reverse("classes:book", args=[session.pk]), {**_hidden(confirm), "step": "submit"}
    )

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/classes/booking/{registration.reference}/"
    assert (registration.name, registration.name_kana, registration.phone) == (
        "豊島 花子",
        "としま はなこ",
        "0339811234",
    )
    done = _html(client.get(response["Location"]))
    assert re.search(r'aria-current="step"><span class="steps__number">3</span>完了', done)
    assert 'aria-current="step"' not in _html(client.get(response["Location"]))


def test_edit_goes_back_to_the_form_with_every_value_kept(client):
    session = make_session()
    confirm = _html(_step(client, session, "confirm", wants_loaner="on", email="h@example.jp"))

    response = client.post(
        reverse("classes:book", args=[session.pk]), {**_hidden(confirm), "step": "edit"}
    )

    html = _html(response)
    assert not Registration.objects.exists()
    assert 'id="error-summary"' not in html
    assert re.search(r'aria-current="step"><span class="steps__number">1</span>入力', html)
    assert 'value="豊島 花子"' in html and 'value="としま はなこ"' in html
    assert 'value="03-3981-1234"' in html and 'value="h@example.jp"' in html
    assert re.search(r'value="75-79"[^>]*checked', html)
    assert re.search(r'value="android"[^>]*checked', html)
    assert re.search(r'<option value="駒込" selected>', html)
    assert re.search(r'name="wants_loaner"[^>]*checked', html)
    assert re.search(r'name="consent"[^>]*checked', html)
    assert 'name="form_token" value="steps"' in html


def test_the_final_post_checks_the_hidden_values_again(client):
    session = make_session()
    confirm = _hidden(_html(_step(client, session, "confirm")))

    response = client.post(
        reverse("classes:book", args=[session.pk]),
        {**confirm, "name_kana": "豊島 花子", "phone": "12", "step": "submit"},
    )

    html = _html(response)
    assert response.status_code == 200
    assert not Registration.objects.exists()
    assert 'id="error-summary"' in html
    assert "ふりがなは ひらがな か カタカナ で入力してください。" in html
    assert "10けたか11けた" in html


def test_invalid_form_stays_on_step_one_with_plain_messages(client):
    session = make_session()
    response = _step(client, session, "confirm", name="", name_kana="Hanako", phone="")
    html = _html(response)
    assert not Registration.objects.exists()
    assert 'name="step" value="confirm"' in html
    for text in (
        "お名前を入力してください。",
        "ふりがなは ひらがな か カタカナ で入力してください。",
        "電話番号を入力してください。",
    ):
        assert text in html
    assert "この項目は必須です" not in html
    assert "この項目を入力してください" not in html


def test_only_the_final_post_counts_against_the_booking_rate_limit(client, settings):
    settings.CLASSES_BOOKING_RATE_LIMIT = "1/m"
    session = make_session()
    for _attempt in range(3):
        assert _step(client, session, "confirm").status_code == 200
    assert _step(client, session, "submit", form_token="a").status_code == 302
    refused = _step(client, session, "submit", form_token="b", name="巣鴨 太郎")
    assert refused.status_code == 429
    assert Registration.objects.count() == 1


def test_a_filled_honeypot_is_caught_at_the_confirm_step(client):
    session = make_session()
    html = _html(_step(client, session, "confirm", website="http://spam.example"))
    assert 'id="booking-notice"' in html
    assert 'id="booking-summary"' not in html
    assert not Registration.objects.exists()


def test_a_full_class_confirms_as_a_waiting_list_booking(client):
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    html = _html(_step(client, session, "confirm"))
    assert "満席のため、キャンセル待ちでの申込になります。" in html
    assert "キャンセル待ちで申し込む" in html


# --- The booking page: confirmed and waiting-list bookings --------------------------------


def test_a_confirmed_booking_offers_the_calendar_and_says_the_code_is_for_the_day(client):
    session = make_session()
    html = _html(client.get(_book(client, session)["Location"]))
    assert "カレンダーに追加" in html
    assert "calendar.ics" in html
    assert "当日の受付" in html
    assert "キャンセル待ちの受付番号" not in html


@pytest.mark.parametrize(
    ("email", "told_by"),
    [("", "お電話でお知らせします"), ("hanako@example.jp", "メールでお知らせします")],
)
def test_a_waiting_list_booking_says_so_and_how_a_free_seat_is_told(client, email, told_by):
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")

    location = _book(client, session, email=email)["Location"]
    html = _html(client.get(location))
    slip = _html(client.get(f"{location}slip/"))

    assert Registration.objects.get(name="豊島 花子").status == "waitlisted"
    assert "キャンセル待ちの受付番号です" in html
    assert told_by in html
    assert "カレンダーに追加" not in html
    assert "calendar.ics" not in html
    assert "当日の受付" not in html
    assert "当日、受付でこのQRコードを見せてください" not in slip


def test_sms_consent_is_shown_on_the_confirm_step_and_kept_to_the_booking(client):
    session = make_session(capacity=1)
    allocate_seat(session, booking(1), channel="web")
    confirm = _html(_step(client, session, "confirm", phone="090-1234-5678", sms_consent="on"))

    assert "SMS" in confirm[confirm.index('id="booking-summary"') :]
    hidden = _hidden(confirm)
    assert hidden["sms_consent"] == "on"
    location = client.post(
        reverse("classes:book", args=[session.pk]), {**hidden, "step": "submit"}
    )["Location"]

    registration = Registration.objects.get(name="豊島 花子")
    assert (registration.status, registration.sms_consent) == ("waitlisted", True)
    assert "携帯電話にSMSでお知らせします" in _html(client.get(location))
