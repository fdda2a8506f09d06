"""ウェブアクセシビリティ方針 and 試験結果 (base.accessibility, base.views_accessibility)."""

from __future__ import annotations

import json

import pytest
from wagtail.models import Site

from base import accessibility
from base.accessibility import (
    CRITERIA,
    FAIL,
    NOT_APPLICABLE,
    NOT_TESTED,
    PASS,
    REVIEW,
    criteria_of,
    criterion_results,
    load_report,
)
from base.models import SiteSettings

SAMPLE = {
    "format": accessibility.FORMAT_VERSION,
    "generated_at": "2026-12-03T05:30:00+00:00",
    "commit": "abc123def456",
    "tool": {"name": "axe-core", "version": "4.14.1", "tags": ["wcag2a", "wcag2aa"]},
    "browser": "Chromium (Debian) through Playwright",
    "conditions": {
        "desktop": {"viewport": {"width": 1280, "height": 800}, "text_size": "standard"},
        "narrow-xlarge": {"viewport": {"width": 320, "height": 640}, "text_size": "xlarge"},
    },
    "pages": [
        {
            "pattern": "classes/",
            "path": "/classes/",
            "visitor": "anonymous",
            "conditions": ["desktop", "narrow-xlarge"],
            "result": "fail",
            "outcomes": {"color-contrast": "violations", "image-alt": "passes"},
            "violations": [{"rule": "color-contrast", "condition": "desktop", "help": ""}],
        },
        {
            "pattern": "learning/my/",
            "path": "/learning/my/",
            "visitor": "staff",
            "conditions": ["desktop"],
            "result": "pass",
            "outcomes": {"color-contrast": "passes", "video-caption": "inapplicable"},
            "violations": [],
        },
    ],
    "rules": {
        "color-contrast": {"tags": ["wcag2aa", "wcag143"], "criteria": ["1.4.3"]},
        "image-alt": {"tags": ["wcag2a", "wcag111"], "criteria": ["1.1.1"]},
        "video-caption": {"tags": ["wcag2a", "wcag122"], "criteria": ["1.2.2"]},
    },
}


def test_criteria_come_from_axe_tags():
    assert criteria_of(["wcag2aa", "wcag143", "cat.color"]) == ["1.4.3"]
    assert criteria_of(["wcag21aa", "wcag1410"]) == ["1.4.10"]
    assert criteria_of(["wcag22aa", "wcag2411"]) == ["2.4.11"]
    assert criteria_of(["wcag2a", "wcag21a", "best-practice"]) == []


def test_the_checklist_holds_every_level_a_and_aa_criterion_once():
    numbers = [criterion.number for criterion in CRITERIA]
    assert len(numbers) == len(set(numbers)) == 56  # WCAG 2.2 A+AA (55) and JIS's 4.1.1
    assert {criterion.level for criterion in CRITERIA} == {"A", "AA"}
    assert "2.5.8" in numbers and "1.4.10" in numbers


def test_a_criterion_fails_on_any_page_and_says_where():
    rules = {
        "a": {"criteria": ["1.4.3"]},
        "b": {"criteria": ["1.1.1"]},
        "c": {"criteria": ["1.2.2"]},
        "d": {"criteria": ["2.4.2"]},
    }
    pages = [
        {"path": "/x/", "outcomes": {"a": "passes", "b": "passes", "c": "inapplicable"}},
        {"path": "/y/", "outcomes": {"a": "violations", "d": "incomplete"}},
    ]
    results = criterion_results(rules, pages)
    assert results["1.4.3"]["result"] == FAIL
    assert results["1.4.3"]["failing_pages"] == ["/y/"]
    assert results["1.1.1"]["result"] == PASS
    assert results["1.2.2"]["result"] == NOT_APPLICABLE
    assert results["2.4.2"]["result"] == REVIEW
    assert results["3.3.8"]["result"] == NOT_TESTED


@pytest.fixture
def published(tmp_path, monkeypatch):
    path = tmp_path / "accessibility_results.json"
    path.write_text(json.dumps(SAMPLE, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(accessibility, "RESULTS_PATH", path)
    return path


@pytest.mark.django_db
def test_the_results_page_shows_date_standard_pages_and_criteria(client, published):
    html = client.get("/accessibility/results/").content.decode()
    assert "JIS X 8341-3:2016" in html
    assert "2026年12月3日" in html
    assert "axe-core 4.14.1" in html
    assert "abc123def456" in html
    assert "/classes/" in html and "/learning/my/" in html
    assert "幅 320px・文字 特大" in html
    # 1.4.3 fails (a violation on /classes/), 1.1.1 passes, 1.2.2 does not apply.
    assert _row(html, "1.4.3").count("不適合") == 1
    assert "適合" in _row(html, "1.1.1") and "不適合" not in _row(html, "1.1.1")
    assert "該当なし" in _row(html, "1.2.2")
    assert "自動試験の対象外" in _row(html, "3.3.8")


def _row(html: str, number: str) -> str:
    start = html.index(f'<th scope="row">{number}</th>')
    return html[start : html.index("</tr>", start)]


@pytest.mark.django_db
def test_the_results_page_says_plainly_when_there_are_no_results(client, tmp_path, monkeypatch):
    monkeypatch.setattr(accessibility, "RESULTS_PATH", tmp_path / "missing.json")
    response = client.get("/accessibility/results/")
    assert response.status_code == 200
    assert "試験結果のファイルが見つかりません" in response.content.decode()


def test_a_file_of_another_format_is_not_read_as_results(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"format": 999}', encoding="utf-8")
    assert load_report(path) is None
    path.write_text("not json", encoding="utf-8")
    assert load_report(path) is None


@pytest.mark.django_db
def test_the_policy_names_target_scope_exceptions_period_and_contact(client, published):
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.help_phone = "03-4566-0000"
    site_settings.help_desk = "豊島区 情報管理課"
    site_settings.save()
    html = client.get("/accessibility/").content.decode()
    for text in (
        "JIS X 8341-3:2016",
        "WCAG 2.2",
        "AA",
        "対象範囲",
        "管理画面",
        "例外事項",
        "H5P",
        "PDF",
        "2026年12月3日",
        "2028年3月31日",
        "豊島区 情報管理課",
        'href="tel:0345660000"',
        'href="/accessibility/results/"',
    ):
        assert text in html, text


@pytest.mark.django_db
def test_every_page_footer_links_to_the_policy(client):
    html = client.get("/accounts/login/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert 'href="/accessibility/"' in footer


def test_the_published_results_are_readable_and_name_their_run():
    """base/data/accessibility_results.json (make accessibility-report) loads as results."""
    report = load_report()
    assert report is not None, "Run make accessibility-report and commit the file."
    assert report.generated_at is not None and report.data["commit"]
    assert report.tool["version"] and report.pages
    resident_pages = [page for page in report.pages if page["visitor"] == "anonymous"]
    assert resident_pages and all("narrow-xlarge" in p["conditions"] for p in resident_pages)
