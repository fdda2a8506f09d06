import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Department, User
from accounts.roles import Role, roles_of
from classes.models import ClassSeries, ClassSession, Registration, Venue
from courses.models import CourseIndexPage, CoursePage, CurriculumUnit, LessonPage
from demo.management.commands.seed_demo import DEMO_CLASSES, DEMO_USERS

UPCOMING = [spec["title"] for spec in DEMO_CLASSES]


def _counts():
    return (
        Venue.objects.count(),
        CurriculumUnit.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        ClassSeries.objects.count(),
        ClassSession.objects.count(),
        Registration.objects.count(),
        CourseIndexPage.objects.count(),
        CoursePage.objects.count(),
        LessonPage.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_loads_real_data_and_is_idempotent(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first

    # The 6 区民ひろば rows of classes/data (the 7th row is an office, not a venue).
    assert first[0] == 6
    assert Venue.objects.get(name="区民ひろば駒込").address == "豊島区駒込2-2-4"
    assert not Venue.objects.filter(name__startswith="地域区民ひろば課").exists()
    # 25 smartphone units and 15 information-security units.
    assert CurriculumUnit.objects.filter(track="smartphone").count() == 25
    assert CurriculumUnit.objects.filter(track="security").count() == 15
    assert CurriculumUnit.objects.get(course_code="S04").title == "標的型攻撃メール・フィッシング"
    # One catalogue: 20 resident courses (25 lessons) and the staff security course (15 lessons).
    assert first[-3:] == (1, 21, 40)

    out = capsys.readouterr().out
    for email, password, *_rest in DEMO_USERS:
        assert email in out and password in out


@pytest.mark.django_db
def test_seed_demo_schedules_classes_with_bookings_and_a_waitlist():
    call_command("seed_demo")
    # One upcoming demo class per level, at three venues, every session ahead and led by the
    # trainer (the past classes of the analytics demo are tested in test_analytics_demo.py).
    upcoming = ClassSeries.objects.filter(title__in=UPCOMING)
    assert sorted(upcoming.values_list("level", flat=True)) == [
        "advanced",
        "basic",
        "first",
    ]
    sessions = ClassSession.objects.filter(series__in=upcoming)
    assert sessions.count() == 4 + 3 + 2
    assert len({s.venue_id for s in sessions}) == 3
    trainer = User.objects.get(email="trainer@example.jp")
    assert all(list(s.trainers.all()) == [trainer] for s in sessions)
    assert all(s.starts_at > timezone.now() for s in sessions)
    # Bookings came through allocate_seat from the web and by phone; one class is full.
    bookings = Registration.objects.filter(series__in=upcoming)
    assert set(bookings.values_list("channel", flat=True)) == {"web", "phone"}
    full = (
        ClassSession.objects.filter(
            series__title="LINEで家族と連絡しよう", registrations__isnull=False
        )
        .distinct()
        .get()
    )
    assert full.registrations.filter(status="confirmed").count() == full.capacity == 4
    assert full.registrations.filter(status="waitlisted").count() == 2
    whole = upcoming.get(level="first")
    assert whole.is_whole_series
    assert whole.registrations.filter(session__isnull=True, status="confirmed").count() == 3


@pytest.mark.django_db
def test_demo_users_have_their_roles_and_passwords():
    call_command("seed_demo")
    for email, password, *_rest, role, _number in DEMO_USERS:
        user = User.objects.get(email=email)
        assert user.check_password(password)
        assert roles_of(user) == {role}
    admin = User.objects.get(email="admin@example.jp")
    assert admin.has_perm("wagtailadmin.access_admin")
    assert not User.objects.get(email="trainer@example.jp").has_perm("wagtailadmin.access_admin")
    assert Role.ADMIN in roles_of(admin)


@pytest.mark.django_db
def test_seed_demo_keeps_a_password_an_admin_changed():
    call_command("seed_demo")
    user = User.objects.get(email="staff@example.jp")
    user.set_password("changed-by-admin-2026")
    user.save()
    call_command("seed_demo")
    user.refresh_from_db()
    assert user.check_password("changed-by-admin-2026")
