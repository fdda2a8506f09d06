"""Certificates: the PDF (text, QR payload, download rules) and the public verification page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote, urlsplit

import pytest
import qrcode
import qrcode.constants
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from reportlab.pdfbase import pdfmetrics

from accounts.roles import Role
from base.models import AuditEntry
from learning.certificates import (
    GOTHIC,
    CertificateContent,
    build_certificate_pdf,
    display_code,
    find_certificate,
    fit_text,
    japanese_era,
    name_initial,
    normalise_code,
)
from learning.completion import mark_lesson_read
from learning.fiscal import fiscal_year
from learning.models import CourseCompletion
from tests.gates.support import sign_in
from tests.learning.lesson_support import course, lesson
from tests.learning.pdf_text import filled_rects, shown_text

pytestmark = pytest.mark.django_db

CODE = "ACDEFGHJKM"
TOKYO = dt.timezone(dt.timedelta(hours=9))
COMPLETED_AT = dt.datetime(2026, 5, 1, 10, 30, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def clean_cache():
    """Verification look-ups are counted per IP in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def learner(make_user):
    return make_user(None, last_name="豊島", first_name="花子", email="hanako@example.jp")


@pytest.fixture
def completion(learner) -> CourseCompletion:
    page = course("sec", title="情報セキュリティ研修", certificate=True)
    return CourseCompletion.objects.create(
        user=learner,
        course=page,
        course_title=page.title,
        completed_at=COMPLETED_AT,
        fiscal_year=fiscal_year(COMPLETED_AT),
        score=92.5,
        certificate_code=CODE,
    )


def _pdf_url(code: str = CODE) -> str:
    return reverse("learning:certificate_pdf", args=[code])


def _verify_url(code: str = CODE) -> str:
    return reverse("certificate_verify", args=[code])


def _download(client, user, code: str = CODE):
    return sign_in(client, user).get(_pdf_url(code))


def _expected_qr(text: str) -> set[tuple[int, int]]:
    """The dark modules of the QR code for ``text``, built here independently of the app."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    return {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


def _drawn_qr(pdf: bytes) -> set[tuple[int, int]]:
    """The dark modules the PDF draws: filled runs in module units, row 0 at the top."""
    rects = filled_rects(pdf)
    size = int(max(y for _x, y, _w, _h in rects)) + 1
    cells = set()
    for x, y, width, height in rects:
        assert height == 1
        for column in range(int(x), int(x + width)):
            cells.add((column, size - 1 - int(y)))
    return cells


# --- The PDF --------------------------------------------------------------------------------


def test_owner_downloads_a_pdf_with_name_course_date_score_and_code(client, learner, completion):
    response = _download(client, learner)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = shown_text(pdf)
    assert "豊島 花子 様" in text
    assert "情報セキュリティ研修" in text
    assert "修了日：2026年5月1日（令和8年）　得点：92.5%" in text
    assert text[text.index("確認コード：") + 1] == "ACDEF-GHJKM"
    assert "http://testserver/certificates/ACDEFGHJKM/" in text
    assert "修了日 2026-05-01" in text
    assert "豊島区" in text


def test_the_qr_code_holds_the_absolute_verification_url(client, learner, completion):
    pdf = _download(client, learner).content
    drawn = _drawn_qr(pdf)
    assert drawn == _expected_qr("http://testserver/certificates/ACDEFGHJKM/")
    assert drawn != _expected_qr("http://testserver/certificates/ACDEFGHJKN/")


def test_the_qr_code_follows_the_host_the_learner_used(client, learner, completion):
    sign_in(client, learner)
    pdf = client.get(_pdf_url(), HTTP_HOST="localhost").content
    assert _drawn_qr(pdf) == _expected_qr("http://localhost/certificates/ACDEFGHJKM/")


def test_a_course_without_questions_shows_no_score(client, learner, completion):
    completion.score = None
    completion.save()
    text = shown_text(_download(client, learner).content)
    assert "修了日：2026年5月1日（令和8年）" in text
    assert not any("得点" in line for line in text)


def test_the_file_has_an_ascii_name_and_the_japanese_one_as_filename_star(
    client, learner, completion
):
    completion.course_title = '情報/セキュリティ "研修" 2026'
    completion.save()
    header = _download(client, learner)["Content-Disposition"]
    assert header.startswith('attachment; filename="certificate-ACDEFGHJKM.pdf"; ')
    star = header.split("filename*=UTF-8''", 1)[1]
    assert star.isascii() and '"' not in star and "/" not in star
    assert unquote(star) == "修了証_情報_セキュリティ_研修_2026_ACDEFGHJKM.pdf"


def test_the_pdf_is_in_english_for_english_readers(client, learner, completion):
    sign_in(client, learner)
    response = client.get(_pdf_url(), HTTP_ACCEPT_LANGUAGE="en")
    text = shown_text(response.content)
    assert "情報セキュリティ研修" in "".join(text)  # the course title stays as written
    assert "修了証" not in text


def test_only_the_owner_and_admins_may_download(client, make_user, learner, completion):
    other = make_user(Role.STAFF)
    trainer = make_user(Role.TRAINER, mfa=True)
    admin = make_user(Role.ADMIN, mfa=True)
    assert _download(client, other).status_code == 404
    client.logout()
    assert _download(client, trainer).status_code == 404
    client.logout()
    assert _download(client, admin).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client, completion):
    response = client.get(_pdf_url())
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")


def test_unknown_or_malformed_codes_are_404(client, learner, completion):
    for code in ("ACDEFGHJKN", "x" * 40, "<b>"):
        assert _download(client, learner, code).status_code == 404


def test_the_download_accepts_the_code_as_printed(client, learner, completion):
    assert _download(client, learner, "acdef-ghjkm").status_code == 200


def test_the_same_certificate_gives_the_same_bytes(client, learner, completion):
    assert _download(client, learner).content == _download(client, learner).content


def test_long_names_and_titles_are_fitted_inside_the_page():
    content = CertificateContent(
        name="寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処 太郎",
        course_title="情報セキュリティ研修：" + "標的型メール攻撃への備えとパスワードの管理" * 9,
        completed_on=dt.date(2026, 5, 1),
        score=100.0,
        code=CODE,
        verify_url="https://learning.example.city.toshima.lg.jp/certificates/ACDEFGHJKM/",
        issuer="豊島区",
    )
    with translation.override("ja"):
        text = shown_text(build_certificate_pdf(content))
    statement = text.index("あなたは次の講座を修了したことを証します。")
    facts = next(i for i, line in enumerate(text) if line.startswith("修了日："))
    name_lines = text[1:statement]
    assert len(name_lines) == 2, "a long name wraps once, in full"
    assert "".join(name_lines) == content.name + " 様"
    title_lines = text[statement + 1 : facts]
    assert len(title_lines) == 3
    assert title_lines[0].startswith("情報セキュリティ研修：標的型")
    assert title_lines[-1].endswith("…"), "an over-long title is cut with an ellipsis"
    assert "得点：100%" in "".join(text)


def test_fit_text_shrinks_before_it_wraps_and_keeps_every_line_inside():
    size, lines = fit_text("あ" * 30, GOTHIC, 300, size=24, min_size=10)
    assert size < 24 and len(lines) == 1
    assert pdfmetrics.stringWidth(lines[0], GOTHIC, size) <= 300
    size, lines = fit_text("word " * 40, GOTHIC, 200, size=12, min_size=12, max_lines=3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(pdfmetrics.stringWidth(line, GOTHIC, size) <= 200 for line in lines)


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (dt.date(2019, 4, 30), ""),
        (dt.date(2019, 5, 1), "令和元年"),
        (dt.date(2026, 4, 1), "令和8年"),
    ],
)
def test_japanese_era(day, era):
    with translation.override("ja"):
        assert japanese_era(day) == era


def test_a_real_completion_issues_a_certificate_the_owner_can_download(client, learner):
    """The completion rules draw the code; the PDF and the verification page find it."""
    page = course("read", title="読む講座", certificate=True)
    only = lesson(page, "l1")
    mark_lesson_read(learner, only)
    from learning.completion import evaluate_course

    done = evaluate_course(learner, page)
    assert done is not None and done.certificate_code
    response = _download(client, learner, done.certificate_code)
    assert response.status_code == 200
    assert "読む講座" in shown_text(response.content)
    assert client.get(_verify_url(done.certificate_code)).status_code == 200


# --- Codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["ACDEFGHJKM", "acdefghjkm", "ACDEF-GHJKM", " acdef ghjkm ", "ＡＣＤＥＦ－ＧＨＪＫＭ"]
)
def test_codes_are_normalised(raw):
    assert normalise_code(raw) == CODE


def test_display_code_groups_in_fives():
    assert display_code(CODE) == "ACDEF-GHJKM"


def test_malformed_codes_are_not_looked_up(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert find_certificate("<script>") is None
        assert find_certificate("A" * 33) is None
        assert find_certificate("") is None


def test_name_initial_is_the_first_character_of_the_family_name():
    assert name_initial("豊島", "花子") == "豊"
    assert name_initial("", "花子") == "花"
    assert name_initial("", "") == ""


# --- The public verification page ---------------------------------------------------------


def test_verification_shows_only_initial_course_and_date(client, completion):
    response = client.get(_verify_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "豊○○ 様" in html
    assert "情報セキュリティ研修" in html
    assert "2026年5月1日" in html
    assert 'datetime="2026-05-01"' in html
    assert "ACDEF-GHJKM" in html
    for private in ("花子", "豊島 花子", "hanako", "example.jp", "92.5"):
        assert private not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_verification_needs_no_login_and_accepts_the_code_as_printed(client, completion):
    assert client.get(_verify_url("acdef-ghjkm")).status_code == 200
    assert client.get(_verify_url("ＡＣＤＥＦ－ＧＨＪＫＭ")).status_code == 200


def test_an_unknown_code_says_not_found_with_404(client, completion):
    response = client.get(_verify_url("ACDEFGHJKN"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "修了証が見つかりません" in html
    assert "ACDEF-GHJKN" in html
    assert "情報セキュリティ研修" not in html


def test_hostile_codes_are_shown_escaped(client):
    response = client.get("/certificates/<script>alert(1)<script>/")
    assert response.status_code == 404
    assert b"<SCRIPT>" not in response.content
    assert "「&lt;SCRIPT&gt;ALERT(1)&lt;SCRIPT&gt;」" in response.content.decode()


def test_lookups_are_rate_limited_per_ip_found_or_not(client, settings, completion):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = "3/10m"
    assert client.get(_verify_url("ACDEFGHJKN")).status_code == 404
    assert client.get(_verify_url("ACDEFGHJKP")).status_code == 404
    assert client.get(_verify_url()).status_code == 200
    blocked = client.get(_verify_url())
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "情報セキュリティ研修" not in blocked.content.decode()
    other_ip = client.get(_verify_url(), REMOTE_ADDR="192.0.2.7")
    assert other_ip.status_code == 200


def test_the_lookup_form_goes_to_the_verification_page(client):
    response = client.get(reverse("certificate_lookup"), {"code": "acdef ghjkm"})
    assert response.status_code == 302
    assert response["Location"] == _verify_url()


def test_the_lookup_form_explains_a_bad_code(client):
    response = client.get(reverse("certificate_lookup"), {"code": "!!!"})
    assert response.status_code == 200
    assert "確認コードは英字と数字です" in response.content.decode()
    empty = client.get(reverse("certificate_lookup"), {"code": ""})
    assert empty.status_code == 200
    assert 'aria-invalid="true"' in empty.content.decode()


def test_completions_without_a_certificate_cannot_be_verified(client, learner):
    page = course("plain", title="修了証のない講座")
    CourseCompletion.objects.create(
        user=learner,
        course=page,
        course_title=page.title,
        completed_at=timezone.now(),
        fiscal_year=fiscal_year(),
    )
    assert find_certificate("") is None
    assert client.get(_verify_url("NONE")).status_code == 404


# --- Audit: someone else's certificate ---------------------------------------------------------


def test_admin_download_of_someone_elses_certificate_is_audited_once(client, make_user, completion):
    admin = make_user(Role.ADMIN, mfa=True)
    response = sign_in(client, admin).get(_pdf_url())
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="learning.certificate.downloaded")
    assert (entry.user, entry.obj) == (admin, completion)
    assert entry.ip == "127.0.0.1"
    assert AuditEntry.objects.count() == 1


def test_owner_download_records_nothing(client, completion):
    response = sign_in(client, completion.user).get(_pdf_url())
    assert response.status_code == 200
    assert not AuditEntry.objects.exists()
