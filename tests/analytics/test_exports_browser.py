"""The Excel export page in Chromium: the static script follows the job's progress and shows
the download link when the file is ready, with no console error, no request to another host
and no accessibility violation; the link downloads the workbook."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from analytics import exports
from analytics.models import ExportJob
from tests.analytics.classes_support import build
from tests.browser.support import DESKTOP, NARROW, audit, close_when_quiet, new_context, watch

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW])
def test_the_page_follows_the_progress_and_offers_the_file(
    chromium, live_server, site_pages, make_user, viewport
):
    admin = make_user(Role.ADMIN, mfa=True)
    build(make_user(Role.TRAINER, mfa=True), make_user(Role.TRAINER))
    job = ExportJob.objects.create(requested_by=admin, dashboard="classes", query="year=2025")
    context = new_context(chromium, live_server.url, admin, viewport=viewport)
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"/analytics/exports/{job.pk}/")
        progress = page.locator("progress#export-progress")
        expect(progress).to_have_attribute("value", "0")
        link = page.get_by_role("link", name="Excelファイルをダウンロード")
        expect(link).to_be_hidden()
        assert audit(page, live_server.url) == []

        ExportJob.objects.filter(pk=job.pk).update(status="running", progress=60)
        expect(progress).to_have_attribute("value", "60", timeout=10_000)
        expect(page.get_by_text("作成中")).to_be_visible()

        # The task builds only a pending job: put it back as the worker would find it.
        ExportJob.objects.filter(pk=job.pk).update(status="pending", progress=0)
        assert exports.build_export(str(job.pk)) == ExportJob.Status.DONE
        expect(link).to_be_visible(timeout=10_000)
        expect(progress).to_have_attribute("value", "100")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.endswith(".xlsx")
        assert problems == []
    finally:
        close_when_quiet(context)
