"""Every response carries Content-Security-Policy and Permissions-Policy (issue 13).

Every route of the access matrix, requested as each visitor, is checked by
test_access_matrix.py::test_access with the same ``header_problems`` (one request per route and
visitor for both checks): pages, redirects, 403/404/405, JSON, files. Here: the answers that no
route gives (the input guard's refusal, a server error, a document download, the content
origin's 404) and the policy's parts. The values per page type are in docs/operations.md
"Security headers".
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path

from base import security_headers
from tests.gates.security import directives, header_problems
from tests.gates.support import ensure_page_tree


def test_the_header_check_finds_a_missing_header(rf):
    from django.http import HttpResponse

    assert header_problems(HttpResponse(), "GET /x/")
    weak = HttpResponse()
    weak["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    weak["Permissions-Policy"] = "camera=()"
    assert any("script-src" in p for p in header_problems(weak, "GET /x/"))


def _boom(request):
    raise RuntimeError("a server error for the header test")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
def test_errors_refusals_and_files_send_both_headers(settings, make_user):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    ensure_page_tree()
    document = Document.objects.create(title="配布資料", file=ContentFile(b"%PDF-1.4", "h.pdf"))
    client = Client(raise_request_exception=False)
    problems = []
    for url, status in [
        ("/classes/?area=%00", 400),  # base.middleware.InputGuardMiddleware
        (document.url, 200),
        ("/api/sessions/999999/bookings", 405),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        problems += header_problems(response, f"GET {url}")
    settings.ROOT_URLCONF = __name__
    response = client.get("/boom/")
    assert response.status_code == 500
    problems += header_problems(response, "GET /boom/")
    assert not problems, "\n".join(problems)


def test_frames_come_only_from_the_h5p_player_origin(settings):
    settings.H5P_DEV_CONTENT_ORIGIN = False
    settings.H5P_CONTENT_ORIGIN = ""
    assert "frame-src 'self';" in security_headers.csp_for("/learn/", "DENY")
    settings.H5P_CONTENT_ORIGIN = "https://h5p-content.example.net"
    csp = security_headers.csp_for("/learn/", "DENY")
    assert "frame-src https://h5p-content.example.net;" in csp
    assert csp.endswith("frame-ancestors 'none'")
    admin = security_headers.csp_for("/admin/pages/1/edit/preview/", "SAMEORIGIN")
    assert "frame-src https://h5p-content.example.net 'self'" in admin
    assert admin.endswith("frame-ancestors 'self'")


def test_static_and_media_on_other_hosts_are_allowed_where_they_load(settings):
    settings.STATIC_URL = "https://static.example.jp/s/"
    settings.MEDIA_URL = "https://media.example.jp/m/"
    found = directives(security_headers.csp_for("/", "DENY"))
    assert found["script-src"] == "'self' https://static.example.jp"
    assert "https://media.example.jp" in found["img-src"]
    assert "https://media.example.jp" in found["media-src"]
    assert "media.example.jp" not in found["script-src"]


def test_the_camera_only_on_the_check_in_page():
    assert "camera=()" in security_headers.permissions_policy_for("classes_staff:roster")
    assert "camera=(self)" in security_headers.permissions_policy_for("classes_staff:checkin")
    assert "geolocation=(self)" in security_headers.permissions_policy_for(None)


@pytest.mark.django_db
def test_the_content_origin_keeps_its_own_policy(client, settings):
    """learning's sandboxing policies win over the app's (they are stricter for their job)."""
    from learning.h5p import serving

    settings.H5P_CONTENT_ORIGIN = "https://h5p-content.example.net"
    settings.ALLOWED_HOSTS = ["testserver", "h5p-content.example.net"]
    response = client.get(
        "/learning/h5p/00000000-0000-4000-8000-000000000000/content/x.svg",
        HTTP_HOST="h5p-content.example.net",
        secure=True,
    )
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == serving.FILE_CSP
    assert "camera=()" in response["Permissions-Policy"]
