"""Series completion and the printable 修了証 (classes.certificates, CertificateView)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from classes.certificates import certificate_for, completion_status
from classes.models import ClassSession
from classes.services import allocate_seat, cancel_registration, record_attendance
from tests.browser.support import DESKTOP, NARROW, inject_axe, new_context
from tests.classes.factories import booking, make_series, make_session
from tests.gates.support import sign_in

pytestmark = pytest.mark.django_db

REGISTRATION_LIST = "/admin/snippets/classes/registration/"


def _series_of_four(**fields):
    """A whole-series class of four weekly sessions and one booking; sessions 1–2 are past."""
    series = make_series(booking_mode="series", completion_percent=75, **fields)
    sessions = [make_session(series, days=7 * (n + 1)) for n in range(4)]
    registration = allocate_seat(series, booking(1), channel="web")
    now = timezone.now()
    for n, session in enumerate(sessions[:2]):
        starts = now - timedelta(days=14 - 7 * n)
        ClassSession.objects.filter(pk=session.pk).update(
            starts_at=starts, ends_at=starts + timedelta(hours=2)
        )
    return series, sessions, registration


def _attend(sessions, registration, *statuses):
    for session, status in zip(sessions, statuses, strict=False):
        record_attendance(session, registration, status, now=session.starts_at)


def test_three_of_four_with_75_percent_completes():
    _series, sessions, registration = _series_of_four()
    _attend(sessions, registration, "present", "late", "absent", "present")
    status = completion_status(registration)
    assert (status.attended, status.total, status.required) == (3, 4, 3)
    assert status.completed


def test_future_sessions_count_in_the_denominator():
    _series, sessions, registration = _series_of_four()
    _attend(sessions, registration, "present", "present")
    status = completion_status(registration)
    assert (status.attended, status.total, status.remaining) == (2, 4, 2)
    assert not status.completed
    assert status.still_possible
    assert certificate_for(registration) is None


def test_missing_too_many_sessions_makes_completion_impossible():
    _series, sessions, registration = _series_of_four()
    _attend(sessions, registration, "absent", "absent")
    status = completion_status(registration)
    assert not status.completed and not status.still_possible


def test_a_cancelled_booking_never_completes():
    _series, sessions, registration = _series_of_four()
    _attend(sessions, registration, "present", "present", "present", "present")
    cancel_registration(registration)
    registration.refresh_from_db()
    assert not completion_status(registration).completed


def test_session_by_session_bookings_of_one_person_add_up():
    series = make_series(completion_percent=50)
    sessions = [make_session(series, days=7 * (n + 1)) for n in range(4)]
    first = allocate_seat(sessions[0], booking(1), channel="web")
    second = allocate_seat(sessions[1], booking(1), channel="phone")
    record_attendance(sessions[0], first, "present", now=sessions[0].starts_at)
    record_attendance(sessions[1], second, "present", now=sessions[1].starts_at)
    assert completion_status(first).attended == 2
    assert completion_status(second).completed


@pytest.fixture
def admin_client(make_user) -> Client:
    return sign_in(Client(), make_user(Role.ADMIN, mfa=True))


def test_certificate_page_shows_name_series_dates_and_attendance(admin_client):
    series, sessions, registration = _series_of_four(title="はじめてのスマホ 駒込")
    _attend(sessions, registration, "present", "present", "present")
    response = admin_client.get(f"/admin/classes/certificate/{registration.reference.lower()}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "修了証" in content
    assert "豊島 花子1 様" in content
    assert "はじめてのスマホ 駒込" in content
    assert "全 4 回のうち 3 回" in content
    assert "豊島区" in content
    for session in series.sessions.all():
        assert f"{timezone.localtime(session.starts_at):%Y年%-m月%-d日}" in content
    assert f"{timezone.localdate():%Y年%-m月%-d日}" in content  # date issued
    assert "css/certificate.css" in content  # A4 and print rules; no inline <style> (CSP)


def test_no_certificate_before_completion(admin_client):
    _series, sessions, registration = _series_of_four()
    _attend(sessions, registration, "present")
    response = admin_client.get(f"/admin/classes/certificate/{registration.reference}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "修了の条件をまだ満たしていません" in content
    assert "css/certificate.css" not in content


def test_unknown_reference_is_404(admin_client):
    assert admin_client.get("/admin/classes/certificate/XXXXXX/").status_code == 404


def test_registration_listing_links_certificates_of_completed_bookings_only(admin_client):
    _series, sessions, done = _series_of_four()
    _attend(sessions, done, "present", "present", "present")
    other_series = make_series(title="LINE 入門")
    not_done = allocate_seat(make_session(other_series), booking(2), channel="web")
    content = admin_client.get(REGISTRATION_LIST).content.decode()
    assert f"/admin/classes/certificate/{done.reference}/" in content
    assert f"/admin/classes/certificate/{not_done.reference}/" not in content


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => `${v.id}: ${v.help} (${v.nodes.length})`);
}"""
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.mark.browser
@pytest.mark.usefixtures("site_pages")
@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "320px"])
def test_certificate_is_accessible_and_prints_on_one_a4_page(
    request, live_server, make_user, viewport
):
    """axe (WCAG 2.2 AA) finds nothing, the page reflows at 320 px, and it prints as one A4 page."""
    chromium_browser = request.getfixturevalue("chromium")
    _series, sessions, registration = _series_of_four(title="はじめてのスマホ 駒込")
    _attend(sessions, registration, "present", "present", "present")
    admin = make_user(Role.ADMIN, mfa=True)
    context = new_context(chromium_browser, live_server.url, admin, viewport=viewport)
    try:
        page = context.new_page()
        response = page.goto(f"/admin/classes/certificate/{registration.reference}/")
        assert response.status == 200
        inject_axe(page)
        assert page.evaluate(RUN_AXE, WCAG_TAGS) == []
        scroll_width, width = page.evaluate(PAGE_WIDTH)
        assert scroll_width <= width
        page.emulate_media(media="print")
        assert page.locator(".toolbar").is_hidden()
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        context.close()
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)) == 1
    # A4 portrait is 595 x 842 points.
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert (round(float(box[1])), round(float(box[2]))) == (595, 842)
