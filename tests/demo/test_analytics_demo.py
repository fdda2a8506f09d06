"""The analytics demo data that seed_demo loads: past classes, population, training."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from analytics.models import PopulationFigure
from analytics.population import C2016_NOTE, latest_dataset, population_by_town
from classes.choices import TOSHIMA_AREAS
from classes.models import Attendance, ClassSeries, ClassSession, Registration, SkillCheck, Venue
from demo.analytics import DEMO_MARK, seed_analytics_demo
from demo.courses import SECURITY_SLUG
from learning.fiscal import fiscal_year, fiscal_year_dates, fiscal_year_span
from learning.models import CourseCompletion
from training.models import Cohort, TrainingRequirement

SIXTY_FIVE_PLUS = ["65-69", "70s", "75-79", "80+"]


def _demo_counts():
    demo = Registration.objects.filter(series__title__startswith=DEMO_MARK)
    return (
        PopulationFigure.objects.count(),
        ClassSeries.objects.filter(title__startswith=DEMO_MARK).count(),
        ClassSession.objects.count(),
        demo.count(),
        Attendance.objects.count(),
        SkillCheck.objects.count(),
        CourseCompletion.objects.count(),
        TrainingRequirement.objects.count(),
        Cohort.objects.count(),
    )


def _fingerprint():
    return list(
        Registration.objects.filter(series__title__startswith=DEMO_MARK)
        .order_by("reference")
        .values_list(
            "reference",
            "series__title",
            "session__starts_at",
            "person_key",
            "status",
            "seat",
            "age_band",
            "area",
            "device",
        )
    )


@pytest.fixture
def seeded(db):
    call_command("seed_demo", allow_production_demo=True)


def test_seed_demo_stays_idempotent_and_deterministic(seeded):
    first = _demo_counts()
    assert all(first)
    fingerprint = _fingerprint()
    call_command("seed_demo", allow_production_demo=True)
    assert _demo_counts() == first
    # Built again from nothing, the same rows come back.
    ClassSeries.objects.filter(title__startswith=DEMO_MARK).delete()
    seed_analytics_demo()
    assert _fingerprint() == fingerprint


def test_population_is_the_2016_file_with_its_note(seeded):
    assert PopulationFigure.objects.count() == 83 * 4
    dataset = latest_dataset()
    assert dataset.as_of == dt.date(2016, 1, 1)
    assert dataset.note == C2016_NOTE
    assert "as of about 2016, source unverified" in dataset.note
    assert population_by_town()["population"].sum() == 57464
    assert set(population_by_town()["town"]) == set(TOSHIMA_AREAS)


def test_past_classes_across_venues_and_areas_in_the_past_and_the_current_fiscal_year(seeded):
    year = fiscal_year() - 1
    start, end = fiscal_year_span(year)
    series = ClassSeries.objects.filter(title__startswith=DEMO_MARK)
    sessions = ClassSession.objects.filter(series__in=series)
    assert sessions.exists()
    assert not sessions.filter(starts_at__lt=start).exists()
    # Both years have classes, so every dashboard opens on data (the current year by default).
    assert sessions.filter(starts_at__lt=end).exists()
    if (timezone.localdate() - fiscal_year_dates(year + 1)[0]).days > 30:  # not in early April
        assert sessions.filter(starts_at__gte=end).exists()
    assert sessions.aggregate(last=Max("ends_at"))["last"] < timezone.now()
    # The six demo venues of the analytics demo (of the 26 区民ひろば the seed loads).
    assert sessions.values("venue").distinct().count() == 6
    assert all(area in TOSHIMA_AREAS for area in Venue.objects.values_list("area", flat=True))
    assert sessions.filter(status=ClassSession.Status.CANCELLED).exists()

    bookings = Registration.objects.filter(series__in=series)
    assert set(bookings.values_list("status", flat=True)) == {
        "confirmed",
        "waitlisted",
        "cancelled",
    }
    confirmed = bookings.filter(status="confirmed")
    assert set(TOSHIMA_AREAS) <= set(confirmed.values_list("area", flat=True))
    # Skewed to 65+; every device, and loaner wishes.
    assert confirmed.filter(age_band__in=SIXTY_FIVE_PLUS).count() > 0.7 * confirmed.count()
    assert set(bookings.values_list("device", flat=True)) == {"iphone", "android", "none"}
    assert bookings.filter(wants_loaner=True, device="none").exists()
    assert bookings.filter(series__booking_mode="series", session__isnull=True).exists()
    # Repeat participants: one person in several classes.
    repeaters = (
        confirmed.values("person_key").annotate(n=Count("series", distinct=True)).filter(n__gt=1)
    )
    assert repeaters.count() > 20
    # Booked before the class, cancelled ones hold no seat.
    assert not bookings.filter(status="cancelled", seat__isnull=False).exists()
    assert not bookings.filter(status="waitlisted", seat__isnull=False).exists()


def test_no_class_is_overbooked_and_seats_are_numbered(seeded):
    for session in ClassSession.objects.filter(
        series__title__startswith=DEMO_MARK
    ).with_availability():
        assert session.confirmed <= session.seat_capacity
        held = Registration.objects.holding_seat_in(session)
        seats = sorted(held.values_list("seat", flat=True))
        assert seats == list(range(1, len(seats) + 1))
        if session.status == ClassSession.Status.CANCELLED:
            assert not held.exists() and not session.attendances.exists()
        for registration in held:
            assert registration.created_at < session.starts_at


def test_attendance_and_skill_checks_are_consistent(seeded):
    attendance = Attendance.objects.filter(session__series__title__startswith=DEMO_MARK)
    assert set(attendance.values_list("status", flat=True)) == {"present", "late", "absent"}
    assert not attendance.exclude(registration__status="confirmed").exists()
    assert not attendance.exclude(session__status="scheduled").exists()
    for row in attendance.select_related("registration", "session")[:300]:
        assert row.session.series_id == row.registration.series_id
        if row.registration.session_id is not None:
            assert row.registration.session_id == row.session_id
    checks = SkillCheck.objects.all()
    assert checks.exists()
    assert not checks.filter(registration__series__curriculum_code="").exists()
    pre = set(checks.filter(phase="pre").values_list("registration", "unit"))
    post = set(checks.filter(phase="post").values_list("registration", "unit"))
    assert pre == post  # pairs of the same booking and item
    gained = checks.filter(phase="post", can_do=True).count()
    assert gained > checks.filter(phase="pre", can_do=True).count()


def test_staff_completions_across_departments(seeded):
    year = fiscal_year() - 1
    requirement = TrainingRequirement.objects.get(course__slug=SECURITY_SLUG)
    assert requirement.all_staff and requirement.recurrence == "annual"
    past = CourseCompletion.objects.filter(course=requirement.course, fiscal_year=year)
    assert past.values("user__department").distinct().count() >= 8
    rates = (
        past.values("user__department")
        .annotate(n=Count("user", distinct=True))
        .values_list("n", flat=True)
    )
    assert len(set(rates)) > 1  # departments differ
    for completion in CourseCompletion.objects.all():
        assert completion.completed_at < timezone.now()
        assert completion.fiscal_year == fiscal_year(completion.completed_at)
    # Last year's finished cohort (this year's: demo.training, tests/demo/test_training_demo.py).
    cohort = Cohort.objects.get(fiscal_year=year)
    assert cohort.fiscal_year == year and cohort.path.count() == 3
