import pytest
from django.core.management import CommandError, call_command
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
    call_command("seed_demo", allow_production_demo=True)
    first = _counts()
    call_command("seed_demo", allow_production_demo=True)
    assert _counts() == first

    # The 26 区民ひろば of classes/data (not the 3 temporary sites nor the former one), each
    # with a 町名 and 23 with an address; no research note in 行き方.
    assert first[0] == 26
    assert Venue.objects.get(name="区民ひろば駒込").address == "豊島区駒込2-2-4"
    assert Venue.objects.exclude(address="").count() == 23
    assert not Venue.objects.filter(area="").exists()
    assert not Venue.objects.exclude(access="").exists()
    assert not Venue.objects.filter(name__contains="仮施設").exists()
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
    call_command("seed_demo", allow_production_demo=True)
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
    call_command("seed_demo", allow_production_demo=True)
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
    call_command("seed_demo", allow_production_demo=True)
    user = User.objects.get(email="staff@example.jp")
    user.set_password("changed-by-admin-2026")
    user.save()
    call_command("seed_demo", allow_production_demo=True)
    user.refresh_from_db()
    assert user.check_password("changed-by-admin-2026")


# --- Where seed_demo refuses (issue 13) ------------------------------------------------------


def _everything():
    from wagtail.models import Page

    from learning.models import H5PPackage

    return (*_counts(), Page.objects.count(), H5PPackage.objects.count())


@pytest.mark.django_db
def test_refused_with_debug_off_and_nothing_changes(settings):
    settings.DEBUG = False
    before = _everything()

    with pytest.raises(CommandError) as refused:
        call_command("seed_demo")

    message = str(refused.value)
    assert "DEBUG が無効" in message and "DEBUG is off" in message
    assert "--allow-production-demo" in message
    assert refused.value.returncode == 2
    assert _everything() == before
    assert not User.objects.filter(email="admin@example.jp").exists()


@pytest.mark.django_db
def test_runs_with_debug_on_without_the_flag(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert User.objects.filter(email="admin@example.jp", employee_number="900001").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("allow", [True, False])
def test_refused_on_a_database_with_other_users(settings, make_user, allow):
    """A database with people in it is not the demo's, whatever DEBUG and the flag say."""
    settings.DEBUG = not allow
    make_user(None, email="hanako@example.net")
    before = _everything()

    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", allow_production_demo=allow)

    message = str(refused.value)
    assert "seed_demo が作成していない利用者が 1 人" in message
    assert "1 user(s) that seed_demo did not create" in message
    assert _everything() == before


@pytest.mark.django_db
def test_an_account_registered_under_a_demo_address_is_not_the_demos(settings, make_user):
    """Someone who signed up as admin@example.jp (no employee number) must not be made the
    demo admin: the demo's users are known by e-mail and employee number together."""
    settings.DEBUG = True
    make_user(None, email="admin@example.jp")

    with pytest.raises(CommandError, match="1 user"):
        call_command("seed_demo")

    assert not User.objects.get(email="admin@example.jp").groups.exists()


@pytest.mark.django_db
def test_make_run_keeps_working_after_people_signed_up_on_the_demo(settings, make_user):
    """`make run` seeds on every start (DEBUG=1); a resident who signed up on the demo site
    does not stop the next start."""
    settings.DEBUG = True
    call_command("seed_demo")
    make_user(None, email="signed-up@example.net")
    first = _counts()

    call_command("seed_demo")

    assert _counts() == first
