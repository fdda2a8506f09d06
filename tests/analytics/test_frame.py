"""The dashboards' shared frame: filters in the URL, scope, charts, downloads and their audit."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import path
from openpyxl import load_workbook

from accounts.roles import Role, has_role
from analytics.charts import Chart, bar_chart
from analytics.filters import FilterForm, Filters
from analytics.views import DashboardView
from base.models import AuditEntry
from config import urls as site_urls
from tests.gates.support import sign_in


class SampleDashboard(DashboardView):
    title = "見本"
    url_name = "sample"
    filter_fields = ("year", "date_from", "date_to", "venue")
    audit_action = "analytics.sample.downloaded"

    def allowed(self, user) -> bool:
        return has_role(user, Role.ADMIN)

    def filter_choices(self):
        return {"venue": [(7, "区民ひろば駒込")]}

    def get_charts(self, filters: Filters) -> list[Chart]:
        table = pd.DataFrame({"会場": ["駒込</script><b>", "=cmd"], "人数": [12, "<5"]})
        figure = bar_chart(
            pd.DataFrame({"v": ["駒込</script>", "要町"], "n": [12, None]}), x="v", y="n", title="t"
        )
        return [Chart("people", "参加者", table, figure, source="テスト出典")]


# The sample dashboard first, then the site's own routes (the layout links to them).
urlpatterns = [path("sample/", SampleDashboard.as_view(), name="sample"), *site_urls.urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def admin_client(make_user) -> Client:
    return sign_in(Client(), make_user(Role.ADMIN, mfa=True))


def test_the_page_shows_the_table_and_the_figure_as_data_never_as_script(admin_client):
    html = admin_client.get("/sample/").content.decode()
    assert '<script type="application/json" id="chart-people-figure">' in html
    # A label cannot close the data block: < and > are escaped inside it.
    block = html.split('id="chart-people-figure">')[1].split("</script>")[0]
    assert "\\u003C/script\\u003E" in block and "<" not in block
    # In the table the same label is escaped HTML.
    assert "駒込&lt;/script&gt;&lt;b&gt;" in html
    assert "<td>&lt;5</td>" in html
    assert "出典：テスト出典" in html


def test_downloads_hold_the_table_and_are_audited(admin_client):
    response = admin_client.get("/sample/?year=2025&download=people&format=csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["会場", "人数"]
    assert rows[1] == ["駒込</script><b>", "12"]
    assert rows[2] == ["'=cmd", "<5"]  # a formula is never run by the spreadsheet
    assert rows[-1][0] == "出典：テスト出典"
    entry = AuditEntry.objects.get(action="analytics.sample.downloaded")
    assert entry.data == {"chart": "people", "format": "csv", "filters": "year=2025"}
    xlsx = admin_client.get("/sample/?download=people&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]] == ["駒込</script><b>", 12]
    assert AuditEntry.objects.count() == 2


def test_unknown_chart_or_format_is_404_and_not_audited(admin_client):
    assert admin_client.get("/sample/?download=nothing&format=csv").status_code == 404
    assert admin_client.get("/sample/?download=people&format=pdf").status_code == 404
    assert not AuditEntry.objects.exists()


def test_a_value_outside_the_visitors_choices_is_404_on_page_and_download(admin_client):
    assert admin_client.get("/sample/?venue=7").status_code == 200
    assert admin_client.get("/sample/?venue=8").status_code == 404
    assert admin_client.get("/sample/?venue=8&download=people&format=csv").status_code == 404
    assert admin_client.get("/sample/?venue=x").status_code == 404


def test_access(client, make_user):
    assert client.get("/sample/").status_code == 302
    sign_in(client, make_user(Role.TRAINER, mfa=True))
    assert client.get("/sample/").status_code == 403


def test_bad_filters_say_so_and_fall_back_to_the_defaults(admin_client):
    response = admin_client.get("/sample/?year=1999&date_from=2025-05-10&date_to=2025-05-01")
    html = response.content.decode()
    assert response.status_code == 200
    assert "年度は一覧から選んでください" in html
    assert "終了日は開始日より後の日にしてください" in html
    filters = response.context["filters"]
    assert (filters.date_from, filters.date_to) == (None, None)


def test_the_span_is_the_fiscal_year_narrowed_by_the_dates():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    whole = Filters(year=2025).span()
    assert whole == (
        dt.datetime(2025, 4, 1, tzinfo=tokyo),
        dt.datetime(2026, 4, 1, tzinfo=tokyo),
    )
    narrowed = Filters(year=2025, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 6, 30))
    assert narrowed.span() == (
        dt.datetime(2025, 4, 1, tzinfo=tokyo),
        dt.datetime(2025, 7, 1, tzinfo=tokyo),
    )
    assert narrowed.is_narrowed and not Filters(year=2025).is_narrowed
    assert Filters(year=2025, venue=3).query(venue=None) == "year=2025"


def test_the_form_keeps_valid_fields_when_another_is_wrong():
    form = FilterForm(
        {"year": "2024", "town": "どこか"},
        fields=("year", "town"),
        today=dt.date(2026, 5, 1),
    )
    filters = form.filters()
    assert filters.year == 2024 and filters.town is None
    assert "town" in form.errors


def test_plotly_js_is_served_from_the_plotly_package():
    found = finders.find("vendor/plotly/plotly.min.js")
    assert found and found.endswith("plotly/package_data/plotly.min.js")
    assert finders.find("vendor/plotly/../../settings.py") is None


def test_a_resident_dashboard_explains_both_marks(admin_client):
    html = admin_client.get("/sample/").content.decode()
    assert 'id="suppression-legend"' in html
    assert "「&lt;5」は1〜4人" in html and "「x」" in html
