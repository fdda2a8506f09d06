"""Course certificates (修了証): the A4 PDF and the public verification look-up.

A certificate belongs to one CourseCompletion with a ``certificate_code`` (drawn by
learning.completion when the course issues certificates). The PDF is drawn with reportlab's
built-in Japanese CID fonts (HeiseiMin-W3, HeiseiKakuGo-W5), which need no font file, so it
works in closed networks. Its QR code holds the public verification URL; that page shows only
the first character of the family name, the course and the date.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from base.audit import log_action
from base.qr import dark_runs, qr_matrix
from learning.fiscal import local_date
from learning.models import CourseCompletion

MINCHO = "HeiseiMin-W3"
GOTHIC = "HeiseiKakuGo-W5"
PAGE_SIZE = landscape(A4)  # 841.9 × 595.3 pt
TEXT_WIDTH = PAGE_SIZE[0] - 180
# Latin text is set in the standard PDF fonts (see font_for).
LATIN_FONTS = {MINCHO: "Times-Roman", GOTHIC: "Helvetica"}
CODE_FONT = "Helvetica-Bold"
URL_FONT = "Helvetica"
# Codes are drawn from learning.completion.CERTIFICATE_ALPHABET; anything longer than this or
# outside A–Z/0–9 after normalising cannot be a code, so it is not looked up.
CODE_PATTERN = re.compile(r"^[A-Z0-9]{4,32}$")
# Spaces, ASCII hyphens and the dash look-alikes people type or OCR produces.
CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]")
REIWA_START = dt.date(2019, 5, 1)

_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        pdfmetrics.registerFont(UnicodeCIDFont(MINCHO))
        pdfmetrics.registerFont(UnicodeCIDFont(GOTHIC))
        _fonts_registered = True


# --- Codes and look-up --------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """Return the code in its stored form: NFKC, upper case, spaces and hyphens removed."""
    return CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def is_code_shaped(code: str) -> bool:
    """Whether a normalised code could be a certificate code at all (checked before any query)."""
    return bool(CODE_PATTERN.match(code))


def display_code(code: str) -> str:
    """Group the code in fives for reading aloud: ACDEFGHJKM → ACDEF-GHJKM."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def find_certificate(raw_code: str) -> CourseCompletion | None:
    """Return the completion whose certificate has this code (any spacing or case), or None."""
    code = normalise_code(raw_code)
    if not is_code_shaped(code):
        return None
    return (
        CourseCompletion.objects.select_related("user")
        .filter(certificate_code=code)
        .only(
            "certificate_code",
            "course_title",
            "completed_at",
            "user__last_name",
            "user__first_name",
        )
        .first()
    )


def name_initial(last_name: str, first_name: str = "") -> str:
    """Return the first character of the family name (of the given name when there is none)."""
    name = (last_name or "").strip() or (first_name or "").strip()
    return name[:1]


# --- Text helpers -------------------------------------------------------------------------


def japanese_era(day: dt.date) -> str:
    """Return the Reiwa year of a date (令和8年), or "" before the era began."""
    if day < REIWA_START:
        return ""
    year = day.year - 2018
    if year == 1:
        return _("令和元年")
    return _("令和%(year)s年") % {"year": year}


def format_score(score: float) -> str:
    """92.5 → "92.5", 100.0 → "100"."""
    return f"{round(score, 1):g}"


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than ``width``: between CJK characters or at spaces."""
    tokens = re.findall(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\S\s*|\s+", text)
    lines: list[str] = []
    current = ""
    for token in tokens:
        if pdfmetrics.stringWidth((current + token).rstrip(), font, size) <= width:
            current += token
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = ""
        token = token.lstrip()
        if pdfmetrics.stringWidth(token.rstrip(), font, size) <= width:
            current = token
            continue
        # A token wider than a whole line (a long word or address) is cut between characters.
        for char in token:
            if current and pdfmetrics.stringWidth(current + char, font, size) > width:
                lines.append(current.rstrip())
                current = ""
            current += char
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]


def fit_text(
    text: str,
    font: str,
    width: float,
    *,
    size: float,
    min_size: float,
    max_lines: int = 1,
) -> tuple[float, list[str]]:
    """Return the largest size (down to ``min_size``) at which the text fits in ``max_lines``.

    Text that does not fit even at ``min_size`` is cut, with an ellipsis.
    """
    while True:
        lines = wrap_text(text, font, size, width)
        if len(lines) <= max_lines:
            return size, lines
        if size - 1 < min_size:
            break
        size -= 1
    lines = lines[:max_lines]
    last = lines[-1]
    while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return size, lines


# --- Content and PDF ----------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateContent:
    """What the printed certificate says (already in the reader's language where translated)."""

    name: str
    course_title: str
    completed_on: dt.date
    score: float | None
    code: str
    verify_url: str
    issuer: str


def certificate_content(
    completion: CourseCompletion, *, verify_url: str, issuer: str
) -> CertificateContent:
    user = completion.user
    return CertificateContent(
        name=user.get_full_name() or user.email,
        course_title=completion.course_title,
        completed_on=local_date(completion.completed_at),
        score=completion.score,
        code=completion.certificate_code or "",
        verify_url=verify_url,
        issuer=issuer,
    )


def _draw_qr(pdf: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw the QR code for ``text`` as filled runs, in module units, lower-left at (x, y)."""
    matrix = qr_matrix(text)
    count = len(matrix)
    pdf.saveState()
    pdf.translate(x, y)
    pdf.scale(size / count, size / count)
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, start, length in dark_runs(matrix):
        pdf.rect(start, count - 1 - row_index, length, 1, stroke=0, fill=1)
    pdf.restoreState()


def font_for(text: str, japanese_font: str) -> str:
    """Return a standard Latin font for text it can show, else the Japanese CID font.

    Latin text in the CID fonts depends on the viewer's substitute font and often comes out
    unevenly spaced; every viewer has Helvetica and Times with exact metrics.
    """
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return japanese_font
    return LATIN_FONTS[japanese_font]


def _centred(
    pdf: canvas.Canvas,
    text: str,
    japanese_font: str,
    top: float,
    *,
    size: float,
    min_size: float | None = None,
    max_lines: int = 1,
    leading: float = 1.35,
) -> float:
    """Draw text centred on the page from baseline ``top`` down, fitted to the text width.

    Return the baseline below the last line.
    """
    font = font_for(text, japanese_font)
    size, lines = fit_text(
        text, font, TEXT_WIDTH, size=size, min_size=min_size or size, max_lines=max_lines
    )
    pdf.setFont(font, size)
    for line in lines:
        pdf.drawCentredString(PAGE_SIZE[0] / 2, top, line)
        top -= size * leading
    return top


def _draw_text(pdf: canvas.Canvas, x: float, y: float, text: str, font: str, size: float) -> float:
    """Draw text from (x, y) in the font that suits it; return where the next text may start."""
    font = font_for(text, font)
    pdf.setFont(font, size)
    pdf.drawString(x, y, text)
    return x + pdfmetrics.stringWidth(text, font, size)


def build_certificate_pdf(content: CertificateContent) -> bytes:
    """Draw the certificate: one A4 landscape page. The same content gives the same bytes."""
    _register_fonts()
    width, height = PAGE_SIZE
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE_SIZE, invariant=1)
    pdf.setTitle(_("修了証 %(course)s") % {"course": content.course_title})
    pdf.setAuthor(content.issuer)
    pdf.setSubject(_("確認コード %(code)s") % {"code": display_code(content.code)})
    pdf.setCreator(content.issuer)

    # A double frame.
    pdf.setStrokeColorRGB(0.0, 0.23, 0.45)
    pdf.setLineWidth(4)
    pdf.rect(24, 24, width - 48, height - 48, stroke=1, fill=0)
    pdf.setLineWidth(1)
    pdf.rect(34, 34, width - 68, height - 68, stroke=1, fill=0)
    pdf.setFillColorRGB(0.1, 0.1, 0.1)

    title = _("修了証")
    font = font_for(title, MINCHO)
    spacing = 18 if len(title) <= 6 else 0  # 修 了 証, spaced out as printed certificates are
    title_width = pdfmetrics.stringWidth(title, font, 46) + spacing * (len(title) - 1)
    pdf.setFont(font, 46)
    pdf.drawString((width - title_width) / 2, height - 118, title, charSpace=spacing)

    name = _("%(name)s 様") % {"name": content.name}
    baseline = _centred(pdf, name, MINCHO, height - 192, size=30, min_size=16, max_lines=2)
    statement = _("あなたは次の講座を修了したことを証します。")
    baseline = _centred(pdf, statement, MINCHO, baseline - 20, size=17)
    baseline = _centred(
        pdf, content.course_title, GOTHIC, baseline - 18, size=24, min_size=14, max_lines=3
    )

    era = japanese_era(content.completed_on)
    day = date_format(content.completed_on, "DATE_FORMAT")
    if era:
        day = _("%(date)s（%(era)s）") % {"date": day, "era": era}
    facts = [_("修了日：%(date)s") % {"date": day}]
    if content.score is not None:
        facts.append(_("得点：%(score)s%%") % {"score": format_score(content.score)})
    _centred(pdf, "　".join(facts), MINCHO, baseline - 16, size=15)

    # Issuer, bottom right.
    font = font_for(content.issuer, MINCHO)
    pdf.setFont(font, 20)
    pdf.drawRightString(width - 80, 92, content.issuer)

    # Verification, bottom left: QR code, the code and the address.
    qr_size = 92
    _draw_qr(pdf, content.verify_url, 64, 60, qr_size)
    left = 64 + qr_size + 14
    after = _draw_text(pdf, left, 136, _("確認コード："), GOTHIC, 11)
    pdf.setFont(CODE_FONT, 13)
    pdf.drawString(after + 2, 136, display_code(content.code))
    _draw_text(pdf, left, 118, _("この修了証は次のページで確かめられます。"), GOTHIC, 9)
    url_size, url_lines = fit_text(
        content.verify_url, URL_FONT, width - left - 240, size=10, min_size=7, max_lines=2
    )
    pdf.setFont(URL_FONT, url_size)
    for index, line in enumerate(url_lines):
        pdf.drawString(left, 103 - index * (url_size + 2), line)
    _draw_text(
        pdf, left, 66, _("修了日 %(iso)s") % {"iso": content.completed_on.isoformat()}, GOTHIC, 8
    )

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- Download ------------------------------------------------------------------------------


def content_disposition(completion: CourseCompletion) -> str:
    """An attachment header: a safe ASCII name plus the Japanese one as filename* (RFC 6266)."""
    code = completion.certificate_code or "certificate"
    ascii_name = f"certificate-{code}.pdf"
    title = re.sub(r"\W+", "_", completion.course_title)
    title = title.strip("_")[:60] or code
    readable = f"{_('修了証')}_{title}_{code}.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(readable, safe='')}"


def certificate_pdf(
    completion: CourseCompletion, content: CertificateContent, *, actor, request=None
) -> bytes:
    """The PDF to download; someone other than its owner (an admin) downloading it is audited
    as ``learning.certificate.downloaded``."""
    pdf = build_certificate_pdf(content)
    if actor is not None and actor.pk != completion.user_id:
        log_action("learning.certificate.downloaded", user=actor, obj=completion, request=request)
    return pdf
