"""デジタルデバイド指標: reach per 1,000 by 町名, missing population, suppression (primary,
secondary, differencing), trend, devices, skills, the national baseline, access and downloads.

The world and its hand-computed figures are in tests/analytics/reach_support.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from analytics import reach_figures as rf
from analytics.baseline import ATTRIBUTION
from analytics.filters import Filters
from analytics.models import PopulationFigure
from analytics.population import C2016_AS_OF, C2016_NOTE
from base.models import AuditEntry
from classes.models import Attendance, ClassSeries, ClassSession, SkillCheck
from courses.models import CurriculumUnit
from tests.analytics.reach_support import (
    JST,
    YEAR,
    at,
    build_world,
    make_session,
    make_venue,
    person,
)
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

URL = "/analytics/reach/"


@pytest.fixture
def world() -> dict:
    return build_world()


def _table(filters: Filters) -> dict[str, dict]:
    rows = rf.town_table(rf.Scope.of(filters)).rows()
    return {row["town"]: row for row in rows.to_dict("records")}


def _add_nagasaki_population(count: int = 700) -> None:
    PopulationFigure.objects.create(
        as_of=C2016_AS_OF, town="長崎", age_from=65, count=count, as_of_note=C2016_NOTE
    )


def test_reach_per_thousand_by_town_equals_the_hand_computed_values(world):
    counts = rf.town_counts(rf.Scope.fiscal_year(YEAR))
    assert counts[["駒込", "要町", "池袋", "高田", "長崎"]].tolist() == [10, 8, 2, 6, 7]
    assert counts.sum() == 33  # the absent 千早 booking is no participant

    rows = _table(Filters(year=YEAR))
    assert (rows["駒込"]["participants"], rows["駒込"]["population"]) == (10, 2000)
    assert rows["駒込"]["rate"] == "5.0"  # 10 / (1,200 + 800) × 1,000
    assert rows["要町"]["rate"] == "6.4"  # 8 / 1,250 × 1,000
    assert rows["千早"]["rate"] == "0.0"  # 0 / 1,000: nobody, shown
    assert rows["合計"]["participants"] == 33


def test_a_town_without_population_says_so_instead_of_dividing(world):
    rows = _table(Filters(year=YEAR))
    assert rows["長崎"]["participants"] == 7
    assert rows["長崎"]["missing"]
    assert rows["長崎"]["rate"] == "人口データなし"
    # The ward's rate needs every town: one missing, and the 合計 says so too.
    assert rows["合計"]["rate"] == "人口データなし"

    chart = rf.reach_charts(Filters(year=YEAR))[0]
    shown = chart.table.set_index("町名")
    assert shown.loc["長崎", "65歳以上の人口"] == "人口データなし"
    assert shown.loc["長崎", "1,000人あたり"] == "人口データなし"

    _add_nagasaki_population(700)
    rows = _table(Filters(year=YEAR))
    assert rows["長崎"]["rate"] == "10.0"  # 7 / 700 × 1,000
    # 33 / (2,000 + 1,250 + 4,000 + 1,500 + 700 + 15 × 1,000) × 1,000 = 1.3497…
    assert rows["合計"]["population"] == 24450
    assert rows["合計"]["rate"] == "1.3"


def test_small_counts_are_hidden_and_one_more_so_the_total_gives_nothing_away(world):
    rows = _table(Filters(year=YEAR))
    # Primary: 池袋's 2. Secondary: the 町名 column adds up to 33, so 池袋 alone would be
    # 33 − the rest; the smallest other count, 高田's 6, is hidden too.
    assert rows["池袋"]["participants"] == "<5"
    assert rows["高田"]["participants"] == "x"  # 6, hidden to protect 池袋: not "<5"
    assert rows["池袋"]["rate"] == "x" and rows["高田"]["rate"] == "x"
    assert rows["合計"]["participants"] == 33
    shown = [r["participants"] for t, r in rows.items() if t != "合計"]
    assert sum(n for n in shown if n not in ("<5", "x")) == 25  # 33 − 25 = 8 = 2 + 6: no single one
    # A hidden count lists no venue (a venue is listed from 5 people on).
    assert rows["高田"]["venues"] == ""
    assert rows["駒込"]["venues"] == "区民ひろば駒込"  # 9 there; 1 at 要町 is not listed
    assert rows["要町"]["located"] == "区民ひろば要町"

    chart = rf.reach_charts(Filters(year=YEAR))[0]
    # The chart has gaps, never 0, where a rate is hidden or missing; ranked by reach.
    bars = dict(zip(chart.figure.data[0].y, chart.figure.data[0].x, strict=True))
    assert bars["池袋"] is None and bars["高田"] is None and bars["長崎"] is None
    assert list(chart.figure.data[0].y[:2]) == ["要町", "駒込"]
    assert chart.table["町名"].tolist()[:2] == ["要町", "駒込"]
    assert chart.table["町名"].tolist()[-1] == "合計"


@pytest.mark.parametrize(
    "narrowed",
    [
        pytest.param(lambda w: {"venue": w["komagome"].pk}, id="venue"),
        pytest.param(lambda w: {"date_to": dt.date(YEAR, 6, 30)}, id="date-range"),
    ],
)
def test_a_filter_that_differs_from_the_ward_by_a_few_people_is_hidden(world, narrowed):
    """The ward shows 駒込 10; at 区民ひろば駒込 (or until June) 駒込 has 9: showing 9 would
    tell that one person from 駒込 went only elsewhere (or later)."""
    whole = _table(Filters(year=YEAR))
    filtered = _table(Filters(year=YEAR, **narrowed(world)))
    assert whole["駒込"]["participants"] == 10
    assert rf.town_counts(rf.Scope.of(Filters(year=YEAR, **narrowed(world))))["駒込"] == 9
    assert filtered["駒込"]["participants"] == "x"
    assert filtered["駒込"]["rate"] == "x"
    # 高田 (6 in both) differs by nothing; the filtered total 17 differs from 33 by 16.
    assert filtered["合計"]["participants"] == 17
    assert filtered["池袋"]["participants"] == "<5"


def test_the_trend_counts_participants_per_fiscal_year_in_tokyo_time(world):
    _add_nagasaki_population(700)
    komagome = world["komagome"]
    # 31 March 23:30 JST belongs to FY2023; six people from 駒込 come then.
    late = make_session(komagome, dt.datetime(YEAR, 3, 31, 23, 30, tzinfo=JST))
    for _ in range(6):
        person(late, "駒込")

    assert rf.yearly_counts(YEAR - 1, YEAR).to_dict() == {YEAR - 1: 6, YEAR: 33}
    chart = next(c for c in rf.reach_charts(Filters(year=YEAR)) if c.slug == "reach-trend")
    table = chart.table.set_index("年度")
    assert table.loc["2023年度", "65歳以上の参加者"] == 6
    assert table.loc["2023年度", "1,000人あたり"] == "0.2"  # 6 / 24,450 × 1,000
    assert table.loc["2024年度", "1,000人あたり"] == "1.3"
    # The trend starts with the first fiscal year that had a class.
    assert table.index.tolist() == ["2023年度", "2024年度"]
    assert "2016年ごろ・出典未確認" in chart.note


def test_devices_and_skill_gains_are_counted_per_person(world, settings):
    settings.ANALYTICS_MIN_CELL = 2
    s1 = world["s1"]
    unit = CurriculumUnit.objects.create(
        course_code="B01", title="電話", course_title="基本", objectives="電話をかけられる"
    )
    # Five people aged 80+ without a smartphone: three gain the item, two do not.
    for n in range(5):
        booking = person(s1, "駒込", age_band="80+", device="none")
        SkillCheck.objects.create(registration=booking, phase="pre", unit=unit, can_do=False)
        SkillCheck.objects.create(registration=booking, phase="post", unit=unit, can_do=n < 3)
    # A pre answer without a post one is no pair.
    lone = person(s1, "駒込", age_band="80+", device="none")
    SkillCheck.objects.create(registration=lone, phase="pre", unit=unit, can_do=False)
    # Session by session: the pre answer under one booking, the post under another.
    series = ClassSeries.objects.create(title="二回の教室", level="first")
    first, last = (
        ClassSession.objects.create(
            series=series,
            venue=world["komagome"],
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            capacity=5,
        )
        for starts in (at(YEAR, 9, 1), at(YEAR, 9, 8))
    )
    for key in ("0390000000|二回花子", "0390000001|二回次郎"):
        pre = person(first, "要町", age_band="65-69", device="iphone", key=key)
        post = person(last, "要町", age_band="65-69", device="iphone", key=key)
        SkillCheck.objects.create(registration=pre, phase="pre", unit=unit, can_do=False)
        SkillCheck.objects.create(registration=post, phase="post", unit=unit, can_do=True)

    # From outside the ward: not among the ward's participants.
    outsider = person(s1, "区外", age_band="80+", device="none")
    SkillCheck.objects.create(registration=outsider, phase="pre", unit=unit, can_do=False)
    SkillCheck.objects.create(registration=outsider, phase="post", unit=unit, can_do=True)

    scope = rf.Scope.fiscal_year(YEAR)
    skills = rf.skill_counts(scope)
    assert skills.loc["80+"].tolist() == [3, 2]
    assert skills.loc["65-69"].tolist() == [2, 0]  # two people, two bookings each
    devices = rf.device_counts(scope)
    assert devices.loc["80+"].tolist() == [0, 6]
    assert devices.loc["65-69"].tolist() == [2, 0]
    assert devices.loc["70s"].tolist() == [33, 0]

    charts = {c.slug: c for c in rf.reach_charts(Filters(year=YEAR))}
    skill = charts["skill-gain"].table.set_index("年代")
    assert skill.loc["80歳以上", "増えた方の割合"] == "60.0%"  # 3 of 5 pairs
    assert skill.loc["合計", "増えた方の割合"] == "71.4%"  # 5 of 7
    device = charts["no-smartphone"].table.set_index("年代")
    assert device.loc["80歳以上", "スマホなしの割合"] == "100.0%"
    assert device.loc["合計", "スマホなしの割合"] == "14.6%"  # 6 of 33 + 6 + 2


def test_the_national_baseline_sits_beside_the_ward_with_its_attribution(world):
    chart = next(c for c in rf.reach_charts(Filters(year=YEAR)) if c.slug == "baseline")
    table = chart.table.set_index("年齢")
    national = [c for c in chart.table.columns if c.startswith("全国")][0]
    assert table.loc["60〜69歳", national] == "78.8%"
    assert table.loc["70〜79歳", national] == "53.0%"
    # 70〜79: the 33 participants aged 70〜74, all with a smartphone.
    assert table.loc["70〜79歳", "区の参加者（スマホを持って参加）"] == "100.0%"
    # 60〜69: nobody in the ward's classes, so no rate.
    assert table.loc["60〜69歳", "区の参加者（スマホを持って参加）"] == "—"
    assert "総務省" in chart.source
    annotations = [a.text for a in chart.figure.layout.annotations]
    assert ATTRIBUTION in annotations


def test_the_figures_take_the_same_number_of_queries_for_more_people(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rf.reach_charts(Filters(year=YEAR, venue=world["komagome"].pk))
        return len(queries)

    before = count()
    for area in ("巣鴨", "目白", "千川"):
        for _ in range(7):
            person(world["s1"], area, age_band="80+", device="none")
    assert count() == before


# --- The page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.STAFF, Role.TRAINER, Role.COUNTER])
def test_only_admins_open_the_dashboard(make_user, role):
    user = make_user(role, mfa=role is not None)
    response = sign_in(Client(), user).get(URL)
    assert response.status_code == 403
    assert sign_in(Client(), user).get(URL + "?download=reach-by-town").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def admin_client(make_user) -> Client:
    return sign_in(Client(), make_user(Role.ADMIN, mfa=True))


def test_the_page_shows_every_chart_the_as_of_note_and_no_personal_data(world, admin_client):
    response = admin_client.get(URL, {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    for slug in ("reach-by-town", "reach-trend", "no-smartphone", "skill-gain", "baseline"):
        assert f'id="chart-{slug}"' in html
    assert "as of about 2016, source unverified" in html
    assert "人口データなし" in html
    assert "/open-data/" in html
    for booking in world["bookings"]:
        assert booking.name not in html
        assert booking.reference not in html
        assert booking.phone not in html
        assert booking.person_key not in html


def test_the_download_is_the_table_as_shown_and_audited(world, admin_client):
    response = admin_client.get(URL, {"year": YEAR, "download": "reach-by-town", "format": "csv"})
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "町名",
        "65歳以上の参加者",
        "65歳以上の人口",
        "1,000人あたり",
        "参加者が通った会場",
        "町内の会場",
    ]
    by_town = {row[0]: row for row in rows[1:] if row}
    assert by_town["要町"][1:4] == ["8", "1250", "6.4"]
    assert by_town["池袋"][1] == "<5"
    assert by_town["長崎"][3] == "人口データなし"
    text = body.decode("utf-8-sig")
    assert "as of about 2016, source unverified" in text
    for booking in world["bookings"]:
        assert booking.name not in text and booking.person_key not in text
    entry = AuditEntry.objects.get(action="analytics.reach.downloaded")
    assert entry.data["chart"] == "reach-by-town"


def test_a_venue_that_held_no_class_is_not_a_choice(world, admin_client):
    empty = make_venue("区民ひろば高松", "高松")
    assert admin_client.get(URL, {"venue": empty.pk}).status_code == 404
    assert admin_client.get(URL, {"venue": world["kaname"].pk}).status_code == 200


def test_an_absent_booking_is_no_participant(world):
    absent = [b for b in world["bookings"] if b.area == "千早"][0]
    assert absent.attendances.get().status == Attendance.Status.ABSENT
    assert rf.town_counts(rf.Scope.fiscal_year(YEAR))["千早"] == 0
