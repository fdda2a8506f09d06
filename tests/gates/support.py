"""Fixtures and helpers shared by the gates and the browser tests."""

from __future__ import annotations

import time

import pytest
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


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Render ``{% static %}`` without a collectstatic manifest (DEBUG is off in tests)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Each test creates five users; PBKDF2 would spend seconds on their passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def live_page_of(model: type[Page]) -> Page | None:
    return model.objects.live().order_by("path").first()


# Sample classes for the matrix's sample paths (/classes/900001/ …). Fixed keys far above
# what the sequences reach in a test run, so the paths stay valid on SQLite and PostgreSQL.
SAMPLE_SESSION_PK = 900001
SAMPLE_REFERENCE = "ACEFGH"


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
    return {"venue": venue, "series": series, "session": session, "registration": registration}


def ensure_staff_samples(trainer) -> None:
    """Give the staff pages something to show: the gates' trainer teaches the sample session,
    the sample booking waits for a reminder call, and the series has can-do items."""
    from classes.models import ClassSession, PhoneCall, Registration
    from courses.models import CurriculumUnit

    session = ClassSession.objects.get(pk=SAMPLE_SESSION_PK)
    session.trainers.add(trainer)
    PhoneCall.objects.get_or_create(
        registration=Registration.objects.get(reference=SAMPLE_REFERENCE),
        session=session,
        reason=PhoneCall.Reason.REMINDER,
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
