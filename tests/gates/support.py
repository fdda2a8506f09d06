"""Fixtures and helpers shared by the gates and the browser tests."""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client
from wagtail.models import Collection, Locale, Page, Site, get_page_models

from accounts.models import User
from base.homepage import HOME_LEAD, HOME_TITLE
from base.models import HomePage


def sign_in(client: Client, user: User | None, *, reauthenticated: bool = False) -> Client:
    """Log the client in as the login form does (password, then TOTP if the user has it).

    ``force_login`` alone leaves none of allauth's authentication records. With
    ``reauthenticated`` the visitor has also just confirmed the password again, which allauth
    asks for before MFA changes such as TOTP activation.
    """
    if user is None:
        return client
    client.force_login(user)
    now = time.time()
    records = [{"method": "password", "at": now, "email": user.email}]
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        records.append({"method": "mfa", "at": now, "id": totp.pk, "type": totp.type})
    if reauthenticated:
        records.append({"method": "password", "at": now, "reauthenticated": True})
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()
    return client


def concrete_page_models() -> list[type[Page]]:
    """Every page type an editor can create (Wagtail's bare root ``Page`` excluded)."""
    return [model for model in get_page_models() if model is not Page]


def ensure_page_tree() -> None:
    """Make sure the site has one live page of each page type, also after a flush.

    The data migration creates the home page, but a flush (``transactional_db``) deletes it
    together with Wagtail's root page, locale and root collection. Add a page here for each
    new page type, below the home page, so the accessibility audit visits it.
    """
    ensure_course_pages(ensure_home_page())


def ensure_home_page() -> HomePage:
    """The home page and what Wagtail needs under it, recreated after a flush if missing."""
    locale = Locale.objects.first() or Locale.objects.create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(instance=HomePage(title=HOME_TITLE, slug="home", lead=HOME_LEAD))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": HOME_TITLE},
    )
    return home


def _stored_file(path: str, content: bytes) -> str:
    """Write a sample media file once; later runs (and flushes) reuse it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(content))
    return path


def ensure_course_pages(home: HomePage) -> None:
    """One live catalogue, course and lesson; the lesson shows every kind of block."""
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from learning.models import H5PLibrary, H5PPackage

    catalogue = CourseIndexPage.objects.child_of(home).filter(slug="gate-courses").first()
    if catalogue is None:
        catalogue = home.add_child(
            instance=CourseIndexPage(title="オンライン教材", slug="gate-courses")
        )
    course = CoursePage.objects.child_of(catalogue).first()
    if course is None:
        course = catalogue.add_child(
            instance=CoursePage(
                title="スマホの基本操作", slug="b01", level="first", topic="B01", certificate=True
            )
        )
    if LessonPage.objects.child_of(course).exists():
        return
    png = get_test_image_file().file.getvalue()
    image = Image.objects.create(
        title="見本の画面",
        file=_stored_file("original_images/gate-sample.png", png),
        width=640,
        height=480,
    )
    documents = {
        name: Document.objects.create(
            title=name, file=_stored_file(f"documents/gate-{name}", content)
        )
        for name, content in [
            ("handout.pdf", b"%PDF-1.4 sample"),
            ("video.mp4", b"sample"),
            ("captions.vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\n電源\n".encode()),
        ]
    }
    library, _created = H5PLibrary.objects.get_or_create(
        machine_name="H5P.MultiChoice", major_version=1, minor_version=16
    )
    package = H5PPackage.objects.create(title="見本のクイズ", main_library=library)
    step = {"text": "電源ボタンを長押しします。", "image": image.pk, "alt": "電源ボタンの位置"}
    body = [
        {"type": "heading", "value": {"text": "電源を入れる", "size": "h2"}},
        {"type": "paragraph", "value": "<p>まず<b>電源</b>を入れます。</p>"},
        {"type": "image", "value": {"image": image.pk, "alt": "ホーム画面", "caption": "例"}},
        {
            "type": "video",
            "value": {
                "title": "電源の入れ方",
                "video": documents["video.mp4"].pk,
                "url": "",
                "captions": documents["captions.vtt"].pk,
                "transcript": "電源ボタンを長く押します。",
            },
        },
        {"type": "h5p", "value": {"package": package.pk, "required": True, "caption": ""}},
        {"type": "steps", "value": {"title": "再起動", "iphone": [step], "android": [step]}},
        {"type": "handout", "value": {"document": documents["handout.pdf"].pk, "description": ""}},
        {"type": "callout", "value": {"kind": "warning", "text": "知らない番号には出ない。"}},
    ]
    for slug, title in [("b01-01", "電源の入れ方"), ("b01-02", "画面の操作")]:
        course.add_child(instance=LessonPage(title=title, slug=slug, body=body))


def live_page_of(model: type[Page]) -> Page | None:
    return model.objects.live().order_by("path").first()


# Sample classes for the matrix's sample paths (/classes/900001/ …). Fixed keys far above
# what the sequences reach in a test run, so the paths stay valid on SQLite and PostgreSQL.
SAMPLE_SESSION_PK = 900001
SAMPLE_REFERENCE = "ACEFGH"
SAMPLE_REGISTRATION_PK = 900001
SAMPLE_CALL_PK = 900001
SAMPLE_AUDIT_ENTRY_PK = 900001


def ensure_class_samples() -> dict:
    """Make sure a bookable future session and one confirmed booking on it exist."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from classes.models import ClassSeries, ClassSession, Registration, Venue

    venue, _created = Venue.objects.get_or_create(
        name="区民ひろば駒込",
        defaults={
            "address": "豊島区駒込2-2-4",
            "area": "駒込",
            "access": "JR駒込駅から歩いて5分",
            "accessibility": "エレベーターがあります。",
        },
    )
    series, _created = ClassSeries.objects.get_or_create(
        title="はじめてのスマホ（見本）",
        defaults={"level": "first", "curriculum_code": "B01", "what_to_bring": "お使いのスマホ"},
    )
    day = timezone.localdate() + timedelta(days=7)
    starts = datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())
    session, _created = ClassSession.objects.update_or_create(
        pk=SAMPLE_SESSION_PK,
        defaults={
            "series": series,
            "venue": venue,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "capacity": 10,
        },
    )
    registration, _created = Registration.objects.get_or_create(
        reference=SAMPLE_REFERENCE,
        defaults={
            "pk": SAMPLE_REGISTRATION_PK,
            "series": series,
            "session": session,
            "status": Registration.Status.CONFIRMED,
            "seat": 1,
            "name": "豊島 花子",
            "name_kana": "としま はなこ",
            "phone": "0339811111",
            "person_key": "0339811111|豊島花子",
            "age_band": "75-79",
            "area": "駒込",
            "device": "android",
            "consented_at": timezone.now(),
            "channel": "counter",
        },
    )
    # One 操作記録 entry about the booking, for the audit log's entry page.
    from base.models import AuditEntry

    AuditEntry.objects.update_or_create(
        pk=SAMPLE_AUDIT_ENTRY_PK,
        defaults={
            "action": "classes.booking.searched",
            "object_id": str(registration.pk),
            "data": {"query": "0123456789abcdef", "results": 1},
        },
    )
    return {"venue": venue, "series": series, "session": session, "registration": registration}


def ensure_staff_samples(trainer) -> None:
    """Give the staff pages something to show: the gates' trainer teaches the sample session,
    the sample booking waits for a reminder call, and the series has can-do items."""
    from django.utils import timezone

    from classes.models import ClassSession, PhoneCall, Registration
    from courses.models import CurriculumUnit

    session = ClassSession.objects.get(pk=SAMPLE_SESSION_PK)
    session.trainers.add(trainer)
    PhoneCall.objects.get_or_create(
        registration=Registration.objects.get(reference=SAMPLE_REFERENCE),
        session=session,
        reason=PhoneCall.Reason.REMINDER,
        defaults={"pk": SAMPLE_CALL_PK},
    )
    # A burst of web bookings from one address, for the 不審な申込 page (classes.abuse).
    for n in range(1, 4):
        Registration.objects.update_or_create(
            reference=f"GATEX{n}",
            defaults={
                "series": session.series,
                "session": session,
                "status": Registration.Status.WAITLISTED,
                "name": f"見本 不審{n}",
                "name_kana": "みほん ふしん",
                "phone": f"090000099{n}",
                "person_key": f"090000099{n}|見本不審{n}",
                "age_band": "75-79",
                "area": "駒込",
                "device": "android",
                "consented_at": timezone.now(),
                "created_at": timezone.now(),
                "channel": "web",
                "client_hash": "gate-sample-address",
            },
        )
    for order, (title, objectives) in enumerate(
        [("電源", "電源を入れたり切ったりできる"), ("電話", "電話をかけたり受けたりできる")], 1
    ):
        CurriculumUnit.objects.get_or_create(
            course_code=session.series.curriculum_code,
            title=title,
            defaults={
                "track": CurriculumUnit.Track.SMARTPHONE,
                "course_title": "スマホの基本操作",
                "objectives": objectives,
                "sort_order": order,
            },
        )


# Samples for the training report pages (/learning/training/…/900001/).
SAMPLE_DEPARTMENT_PK = 900001
SAMPLE_PERSON_PK = 900001
SAMPLE_COHORT_PK = 900001


def ensure_training_samples() -> None:
    """A department with one staff member, a requirement on the gate course and a cohort."""
    from django.utils import timezone

    from accounts.models import Department, User
    from courses.models import CoursePage
    from learning.fiscal import fiscal_year
    from learning.models import CourseCompletion
    from training.models import Cohort, CohortCourse, CohortMember, TrainingRequirement

    ensure_page_tree()
    course = CoursePage.objects.live().order_by("path").first()
    department, _created = Department.objects.update_or_create(
        pk=SAMPLE_DEPARTMENT_PK, defaults={"code": "G900", "name": "情報政策課（見本）"}
    )
    person, _created = User.objects.update_or_create(
        pk=SAMPLE_PERSON_PK,
        defaults={
            "email": "gate-learner@example.jp",
            "last_name": "見本",
            "first_name": "職員",
            "employee_number": "G900001",
            "department": department,
        },
    )
    TrainingRequirement.objects.get_or_create(
        course=course,
        title="情報セキュリティ研修（見本）",
        defaults={"all_staff": True, "due_month": 9, "due_day": 30},
    )
    now = timezone.now()
    CourseCompletion.objects.get_or_create(
        user=person,
        course=course,
        defaults={
            "course_title": course.title,
            "completed_at": now,
            "fiscal_year": fiscal_year(now),
            "score": 80.0,
        },
    )
    cohort, _created = Cohort.objects.update_or_create(
        pk=SAMPLE_COHORT_PK, defaults={"name": "寺子屋ICT（見本）", "fiscal_year": fiscal_year(now)}
    )
    CohortCourse.objects.get_or_create(cohort=cohort, course=course, defaults={"sort_order": 0})
    CohortMember.objects.get_or_create(cohort=cohort, user=person)
