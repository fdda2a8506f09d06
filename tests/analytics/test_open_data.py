"""Open data: public page and CSV files of suppressed aggregates (tests/analytics/reach_support.py
holds the world and its hand-computed figures)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from analytics import open_data
from analytics import reach_figures as rf
from analytics.filters import Filters
from tests.analytics.reach_support import YEAR, at, make_session, person
from tests.analytics.reach_support import build_world as _build_world
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

PERSONAL_COLUMNS = ("名前", "氏名", "電話", "受付番号", "person_key", "メール")


@pytest.fixture(autouse=True)
def fresh_cache():
    """Files are cached; each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world() -> dict:
    return _build_world()


def _rows(name: str, client: Client | None = None) -> list[list[str]]:
    body = (client or Client()).get(f"/open-data/{name}.csv").content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_files_are_utf8_with_a_bom_and_the_documented_header(world):
    for spec in open_data.FILES.values():
        response = Client().get(f"/open-data/{spec.name}.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response.content.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in response.content
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert header == [column.name for column in spec.columns]
        assert response["Last-Modified"]


def test_the_town_file_holds_the_pages_table_with_the_same_cells_hidden(world):
    rows = _rows("reach-by-town")
    by_town = {row[1]: row for row in rows[1:] if row[0] == str(YEAR)}
    assert by_town["駒込"][2:5] == ["10", "2000", "5.0"]
    assert by_town["要町"][2:5] == ["8", "1250", "6.4"]
    assert by_town["池袋"][2:5] == ["<5", "4000", "x"]  # primary
    assert by_town["高田"][2:5] == ["x", "1500", "x"]  # secondary
    assert by_town["長崎"][2:5] == ["7", "", "人口データなし"]
    assert by_town["合計"][2] == "33"
    assert "as of about 2016, source unverified" in by_town["駒込"][5]
    page = rf.town_table(rf.Scope.of(Filters(year=YEAR))).rows()
    for row in page.to_dict("records"):
        assert by_town[row["town"]][2] == str(row["participants"])
        assert by_town[row["town"]][4] == row["rate"]


def test_the_venue_file_equals_the_hand_computed_figures(world):
    rows = _rows("classes-by-venue")
    by_venue = {row[1]: row for row in rows[1:]}
    header = rows[0]
    seventy = header.index("参加者_70〜74歳")
    # 要町: 17 seats booked (one 欠席), 16 came; 16 beside 17 tells one no-show, so the
    # attendance is hidden, and with it 駒込's (secondary: the 合計 row adds them up).
    assert by_venue["区民ひろば要町"][:6] == [str(YEAR), "区民ひろば要町", "1", "30", "17", "x"]
    assert by_venue["区民ひろば駒込"][:5] == [str(YEAR), "区民ひろば駒込", "1", "30", "17"]
    assert by_venue["合計"][:5] == [str(YEAR), "合計", "2", "60", "34"]
    attended = [by_venue[v][5] for v in ("区民ひろば要町", "区民ひろば駒込", "合計")]
    assert attended.count("x") >= 2
    assert by_venue["区民ひろば要町"][seventy] == "16"
    assert by_venue["区民ひろば駒込"][seventy] == "17"
    assert by_venue["合計"][seventy] == "33"
    assert by_venue["合計"][-1] == "33"


def test_no_file_or_page_holds_anything_personal(world):
    texts = [Client().get("/open-data/").content.decode()]
    for name in open_data.FILES:
        texts.append(Client().get(f"/open-data/{name}.csv").content.decode("utf-8-sig"))
        header = _rows(name)[0]
        assert not [c for c in header if any(word in c for word in PERSONAL_COLUMNS)]
    for text in texts:
        for booking in world["bookings"]:
            assert booking.name not in text
            assert booking.name_kana not in text
            assert booking.phone not in text
            assert booking.reference not in text
            assert booking.person_key not in text


def test_the_page_is_public_and_documents_columns_licence_and_date(world):
    response = Client().get("/open-data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "CC BY 4.0" in html
    assert "as of about 2016, source unverified" in html
    for spec in open_data.FILES.values():
        assert f'href="/open-data/{spec.name}.csv"' in html
        for column in spec.columns:
            assert f'<th scope="row">{column.name}</th>' in html
        generated = timezone.localtime(open_data.generate(spec.name).generated_at)
        assert f"{generated:%Y-%m-%d %H:%M}</time>" in html
    assert "作成日時" in html


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_signed_in_people_see_the_same_files(world, make_user, role):
    client = sign_in(Client(), make_user(role, mfa=True))
    assert client.get("/open-data/").status_code == 200
    assert _rows("reach-by-town", client) == _rows("reach-by-town")


def test_an_unknown_file_is_not_found(world):
    assert Client().get("/open-data/people.csv").status_code == 404
    assert Client().get("/open-data/reach-by-town.xlsx").status_code == 404


def test_only_ended_fiscal_years_are_published_and_files_are_cached(world):
    assert open_data.published_years() == [YEAR]
    first = open_data.generate("reach-by-town")
    # A class this fiscal year: not in the files (the year has not ended).
    now_session = make_session(world["komagome"], timezone.now() - dt.timedelta(minutes=5))
    for _ in range(6):
        person(now_session, "駒込")
    assert open_data.published_years() == [YEAR]
    # A new past class shows once the cached file has expired (here: cleared).
    past = make_session(world["komagome"], at(YEAR + 1, 5, 1))
    for _ in range(6):
        person(past, "駒込")
    assert open_data.generate("reach-by-town") == first
    cache.clear()
    again = open_data.generate("reach-by-town")
    assert again.generated_at > first.generated_at
    years = {row[0] for row in csv.reader(io.StringIO(again.content.decode("utf-8-sig")))}
    assert years == {"年度", str(YEAR), str(YEAR + 1)}


def test_files_are_the_same_in_english(world, client):
    japanese = _rows("reach-by-town")
    cache.clear()
    client.cookies["django_language"] = "en"
    english = client.get("/open-data/reach-by-town.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert list(csv.reader(io.StringIO(english.content.decode("utf-8-sig")))) == japanese
