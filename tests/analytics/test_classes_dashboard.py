"""教室の出席 (/analytics/classes/): figures against hand-computed values, fiscal years,
suppression on the page and in the files, trainer scoping, downloads and their audit, no
personal data, and a query count that does not grow with the people.

The world is tests/analytics/classes_support.py (its docstring has the table); k = 5.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from analytics import classes_figures as figures
from analytics.filters import Filters
from base.models import AuditEntry
from tests.analytics.classes_support import KANAME, KOMAGOME, at, build, series, session, venue
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

URL = "/analytics/classes/"
FY2025 = Filters(year=2025)
H = "<5"


def _row(chart, **cells) -> dict:
    """The one table row whose cells match ``cells`` (column name → value)."""
    records = chart.table.to_dict("records")
    found = [r for r in records if all(r[k] == v for k, v in cells.items())]
    assert len(found) == 1, records
    return found[0]


# --- Figures ----------------------------------------------------------------------------------


def test_venue_month_of_a_trainer_equals_the_hand_computed_counts_and_rates(world, trainer):
    """June at 駒込 (S1, the trainer's): s1 and s2 held, s4 cancelled; seats 12 + 12 = 24;
    booked 12 + 8 = 20 (fill 20 ÷ 24 = 83.3%); arrived 6 (5 present, 1 late) + 8 = 14, so
    6 no-shows of 20 (30.0%, the absent p7 and the five without a record); waiting 5
    (5 ÷ 24 = 20.8%); one cancelled booking: 1 is hidden."""
    chart = figures.venue_month_chart(FY2025, figures.Scope(user=trainer))

    june = _row(chart, 会場=KOMAGOME, 月="2025年6月")
    assert june == {
        "会場": KOMAGOME,
        "月": "2025年6月",
        "開催済みの回": 2,
        "中止した回": 1,
        "定員（延べ）": 24,
        "予約（延べ）": 20,
        "出席": 14,
        "無断欠席": 6,
        "これからの回の予約": 0,
        "無断欠席率": "30.0%",
        "充足率": "83.3%",
        "キャンセル待ち": 5,
        "待機率": "20.8%",
        "予約の取消": H,
    }
    assert len(chart.table) == 2  # June and 合計: nothing of the other trainer's classes
    assert _row(chart, 会場="合計")["予約（延べ）"] == 20


def test_venue_month_counts_a_whole_series_booking_at_each_of_its_sessions(world):
    """S3 (whole series, 2 × 6 seats) has five bookings: 5 + 5 = 10 of 12 seats; arrivals
    5 + 4 = 9, one no-show."""
    raw = figures.venue_month_frame(FY2025, figures.Scope())

    september = raw.loc[(KOMAGOME, "2025-09")]
    assert september[["held", "seats", "booked", "attended", "no_show"]].tolist() == [
        2,
        12,
        10,
        9,
        1,
    ]
    july = raw.loc[(KANAME, "2025-07")]
    assert july[["held", "seats", "booked", "attended", "waiting"]].tolist() == [1, 8, 3, 3, 0]


def test_admin_table_hides_a_cell_of_three_and_what_would_give_it_away(world):
    """要 in July has 3 bookings, all arrived: "<5". The bookings block (arrived + no-show +
    to come = booked) is suppressed with its totals: against the 合計 row (33) the 3 could be
    worked out, so September's 10 is hidden too, and so on until no row or column has exactly
    one hidden cell. Rates over a hidden count are hidden; seats and sessions are not about
    residents and stay."""
    chart = figures.venue_month_chart(FY2025, figures.Scope())

    july = _row(chart, 会場=KANAME)
    assert (july["予約（延べ）"], july["出席"], july["充足率"]) == (H, H, "x")  # a rate: "x"
    assert (july["定員（延べ）"], july["開催済みの回"]) == (8, 1)
    september = _row(chart, 月="2025年9月")
    # September's 10 is hidden to protect July's 3: marked "x", not "<5" (it is not small).
    assert september["予約（延べ）"] == "x" and september["充足率"] == "x"
    june = _row(chart, 月="2025年6月")
    # 14 arrived and 6 no-shows are hidden to protect other months' small cells: "x".
    assert (june["予約（延べ）"], june["出席"], june["無断欠席"], june["充足率"]) == (
        20,
        "x",
        "x",
        "83.3%",
    )
    total = _row(chart, 会場="合計")
    assert (total["予約（延べ）"], total["出席"], total["無断欠席"]) == (33, 26, 7)
    assert (total["定員（延べ）"], total["充足率"], total["無断欠席率"]) == (44, "75.0%", "21.2%")
    # A figure gets gaps, never zeros, where a cell is hidden.
    heat = chart.figure.data[0]
    assert list(heat.y) == [KANAME, KOMAGOME]
    assert list(heat.x) == ["2025年6月", "2025年7月", "2025年9月"]
    assert [list(row) for row in heat.z] == [[None, None, None], [83.3, None, None]]


def test_skill_change_pairs_pre_and_post_answers_of_one_person_in_one_class(world, trainer):
    """B01: p1..p5 answered both items at the first (s1) and last (s2) session, on two
    bookings each. Before: p4 and p5 could do item 1 → 2 of 10 = 20.0%; after: all five item 1,
    p1..p4 item 2 → 9 of 10 = 90.0%; +70.0 points. p6 (no post) and p7 (different items)
    make no pair."""
    chart = figures.skill_change_chart(FY2025, figures.Scope(user=trainer))

    assert _row(chart, 講座="B01 はじめてのスマホ") == {
        "講座": "B01 はじめてのスマホ",
        "組（人と教室）": 5,
        "初回にできた項目": "20.0%",
        "最終回にできた項目": "90.0%",
        "変化（ポイント）": "+70.0",
    }


def test_skill_change_hides_a_topic_with_fewer_than_five_pairs(world):
    """A01 has 2 pairs (q1, q2): the pairs and the shares are hidden."""
    raw = figures.skill_change_frame(FY2025, figures.Scope())
    assert raw.loc["A01 アプリを使う"].tolist() == [2, 2, 2, 0, 2]
    assert raw.loc["B01 はじめてのスマホ"].tolist() == [5, 10, 10, 2, 9]

    chart = figures.skill_change_chart(FY2025, figures.Scope())
    a01 = _row(chart, 講座="A01 アプリを使う")
    assert a01["組（人と教室）"] == H
    assert {a01["初回にできた項目"], a01["最終回にできた項目"], a01["変化（ポイント）"]} == {"x"}


def test_first_time_and_repeat_participants(world):
    """駒込: p1..p8 came to their first class (S1); r1..r5 had come to S0 in FY2024, so S3 is a
    later class. 要: q1..q3 first. A trainer sees only S1's people."""
    raw = figures.first_repeat_frame(FY2025, figures.Scope())
    assert raw.to_dict("index") == {
        KANAME: {"first": 3, "repeat": 0},
        KOMAGOME: {"first": 8, "repeat": 5},
    }


def test_participants_by_age_device_and_loaner_count_distinct_people(world, trainer):
    """p1..p8 came (p1..p6 twice): 8 people 75-79 on Android; q 3 people 65-69 on iPhone;
    r 5 people 80+ without a phone, asking for a loaner."""
    ages = figures.age_frame(FY2025, figures.Scope())
    assert ages[ages > 0].to_dict() == {"65〜69歳": 3, "75〜79歳": 8, "80歳以上": 5}
    devices = figures.device_frame(FY2025, figures.Scope())
    assert devices.to_dict("index") == {
        "iPhone": {"own": 3, "loaner": 0},
        "Android": {"own": 8, "loaner": 0},
        "持っていない": {"own": 0, "loaner": 5},
    }
    mine = figures.participants_by_age(FY2025, figures.Scope(user=trainer))
    assert _row(mine, 年代="75〜79歳")["参加者（人）"] == 8
    assert _row(mine, 年代="合計")["参加者（人）"] == 8


def test_a_narrower_date_range_cannot_reveal_a_small_group_by_difference(world, trainer):
    """The trainer's year shows 8 people aged 75-79 (p1..p8). Up to 16 June only s1 counts:
    6 people (p1..p6), and 8 − 6 = 2 would name the two who came only on the 17th: hidden."""
    scope = figures.Scope(user=trainer)
    year = figures.participants_by_age(FY2025, scope)
    narrowed = figures.participants_by_age(Filters(year=2025, date_to=date(2025, 6, 16)), scope)

    assert figures.age_frame(Filters(year=2025, date_to=date(2025, 6, 16)), scope)["75〜79歳"] == 6
    assert _row(year, 年代="75〜79歳")["参加者（人）"] == 8
    assert _row(narrowed, 年代="75〜79歳")["参加者（人）"] == "x"  # 6 is not small: "x"


def test_a_session_belongs_to_the_fiscal_year_of_its_start_in_tokyo(trainer, other_trainer):
    """31 March 23:30 JST is FY2025 (14:30 UTC, still March); 1 April 00:10 JST is FY2026
    although it is 31 March 15:10 in UTC."""
    of = series("年度の境目", "B01")
    place = venue(KOMAGOME)
    session(of, place, at(2026, 3, 31, 23, 30), 10, trainer)
    session(of, place, at(2026, 4, 1, 0, 10), 10, trainer)

    before = figures.venue_month_frame(Filters(year=2025), figures.Scope())
    after = figures.venue_month_frame(Filters(year=2026), figures.Scope())

    assert before["held"].to_dict() == {(KOMAGOME, "2026-03"): 1}
    assert after["held"].to_dict() == {(KOMAGOME, "2026-04"): 1}


def test_a_town_narrows_the_residents_not_the_seats(world):
    """要町 residents are q1..q3: 3 bookings in July at 要; 駒込's seats stay, its bookings 0."""
    raw = figures.venue_month_frame(Filters(year=2025, town="要町"), figures.Scope())
    assert raw["booked"].to_dict() == {
        (KANAME, "2025-07"): 3,
        (KOMAGOME, "2025-06"): 0,
        (KOMAGOME, "2025-09"): 0,
    }
    assert raw["seats"].sum() == 44


# --- The page, scope and downloads --------------------------------------------------------------


def test_a_trainer_opens_the_page_on_their_own_next_and_last_sessions(world, trainer):
    upcoming = session(world.s1, world.komagome, at(2030, 1, 8), 12, trainer)

    response = sign_in(Client(), trainer).get(URL)

    assert response.status_code == 200
    rows = response.context["own_sessions"]
    assert [(r["kind"], r["pk"]) for r in rows] == [
        ("next", upcoming.pk),
        ("last", world.sessions["s2"].pk),
        ("last", world.sessions["s1"].pk),
    ]
    assert (rows[1]["booked"], rows[1]["seats"], rows[1]["attended"]) == (8, 12, 8)
    html = response.content.decode()
    assert reverse("classes_staff:roster", args=[upcoming.pk]) in html


@pytest.mark.parametrize(
    "query",
    [
        "series={s2}",
        "venue={kaname}",
        "series={s2}&download=venue-month&format=csv",
        "venue={kaname}&download=age&format=xlsx",
    ],
)
def test_another_trainers_class_or_venue_is_not_found_also_for_downloads(world, trainer, query):
    client = sign_in(Client(), trainer)
    url = f"{URL}?year=2025&" + query.format(s2=world.s2.pk, kaname=world.kaname.pk)

    assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="analytics.classes.downloaded").exists()


def test_a_trainer_may_choose_their_own_class_and_an_admin_any(world, trainer, admin):
    own = f"{URL}?year=2025&series={world.s1.pk}&venue={world.komagome.pk}"
    assert sign_in(Client(), trainer).get(own).status_code == 200
    assert sign_in(Client(), admin).get(f"{URL}?year=2025&series={world.s2.pk}").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 403), (Role.STAFF, 403), (Role.COUNTER, 403), (Role.TRAINER, 200), (Role.ADMIN, 200)],
)
def test_who_may_open_the_dashboard(make_user, role, status):
    user = make_user(role, mfa=True)
    assert sign_in(Client(), user).get(URL).status_code == status


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _csv_rows(response) -> list[list[str]]:
    body = response.content
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_downloads_hold_the_table_with_hidden_cells_and_are_audited(world, admin):
    """The page, the CSV and the Excel file show the same "<5" for 要's 3 bookings."""
    client = sign_in(Client(), admin)
    page = client.get(f"{URL}?year=2025").content.decode()
    assert "&lt;5" in page

    chart = figures.venue_month_chart(FY2025, figures.Scope())
    expected = [[str(c) for c in chart.table.columns]]
    expected += [["" if v is None else str(v) for v in row] for row in chart.table.to_numpy()]

    csv_response = client.get(f"{URL}?year=2025&download=venue-month&format=csv")
    rows = _csv_rows(csv_response)
    assert rows[: len(expected)] == expected
    kaname = next(r for r in rows if r[0] == KANAME)
    assert kaname[5] == H

    xlsx = client.get(f"{URL}?year=2025&download=venue-month&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert cells[: len(expected)] == expected

    entries = AuditEntry.objects.filter(action="analytics.classes.downloaded", user=admin)
    assert [(e.data["chart"], e.data["format"]) for e in entries.order_by("pk")] == [
        ("venue-month", "csv"),
        ("venue-month", "xlsx"),
    ]


def test_no_name_phone_reference_or_person_key_in_the_page_or_the_files(world, admin):
    client = sign_in(Client(), admin)
    bodies = [client.get(f"{URL}?year=2025").content.decode()]
    for chart in figures.charts(FY2025, figures.Scope()):
        for fmt in ("csv", "xlsx"):
            response = client.get(f"{URL}?year=2025&download={chart.slug}&format={fmt}")
            assert response.status_code == 200
            if fmt == "csv":
                bodies.append(response.content.decode("utf-8-sig"))
            else:
                sheet = load_workbook(io.BytesIO(response.content)).active
                bodies.append(repr(list(sheet.iter_rows(values_only=True))))
    for secret in world.secrets:
        for body in bodies:
            assert secret not in body


def test_queries_do_not_grow_with_the_people(make_user, admin):
    """Twice the people (p1..p18 copied) take exactly as many queries, page and all."""
    counts = []
    for scale in (1, 2):
        build(make_user(Role.TRAINER), make_user(Role.TRAINER), scale=scale)
        client = sign_in(Client(), admin)
        # The shared caches (site settings) filled first, so both scales start alike.
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{URL}?year=2025").status_code == 200
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as narrowed:
            assert client.get(f"{URL}?year=2025&town=駒込").status_code == 200
        counts.append(len(narrowed))
    assert counts[0] == counts[2] and counts[1] == counts[3]
