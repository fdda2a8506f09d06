"""The demo H5P packages (demo/h5p) and how seed_demo places them in lessons."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.management import call_command

from accounts.roles import Role
from courses.models import LessonPage
from demo.courses import DEMO_ACTIVITIES, SECURITY_SLUG, all_demo_activities
from demo.h5p import DIST, build, security_checks
from learning.h5p.validation import validate_package
from learning.models import H5PLibrary, H5PPackage, LessonActivity

pytestmark = pytest.mark.django_db

# Titles of the test fixtures: none of their content may ship as demo content.
FIXTURE_TITLES = {"Hello World", "Single Choice Set", "Fill in the Blanks"}


def _demo_lessons() -> dict[str, LessonPage]:
    return {
        lesson_slug: LessonPage.objects.get(slug=lesson_slug, depth__gt=3)
        for activity in all_demo_activities()
        for _course, lesson_slug in activity.lessons
    }


def test_built_packages_match_their_sources():
    assert build.out_of_date() == []
    assert security_checks.stale() == []
    assert sorted(p.name for p in DIST.glob("*.h5p")) == sorted(
        a.file for a in all_demo_activities()
    )


@pytest.mark.parametrize("activity", DEMO_ACTIVITIES, ids=lambda a: a.file)
def test_demo_package_validates_and_is_our_own_japanese_content(activity):
    path = DIST / activity.file
    validated = validate_package(path)
    assert validated.title not in FIXTURE_TITLES
    assert validated.h5p_json["language"] == "ja"
    assert validated.h5p_json["license"] == "CC BY"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        content = json.loads(zf.read("content/content.json"))
        libraries = {
            name.split("/")[0]: json.loads(zf.read(name))
            for name in names
            if name.count("/") == 1 and name.endswith("/library.json")
        }
    # Runtime libraries only, each with a licence we may ship.
    assert not [name for name in names if name.startswith("H5PEditor.")]
    for data in libraries.values():
        build.check_licence(data)
    # Every library shipped is used by the content, none is missing.
    assert {
        (lib["machineName"], lib["majorVersion"], lib["minorVersion"]) for lib in libraries.values()
    } == set(validated.dependencies)
    text = json.dumps(content, ensure_ascii=False)
    assert "Goji" not in text and "Is this false" not in text
    assert path.stat().st_size < 1_000_000


CHECKS = [a for a in all_demo_activities() if a not in DEMO_ACTIVITIES]


def test_every_security_unit_but_the_last_has_its_own_check():
    assert [lesson for a in CHECKS for _course, lesson in a.lessons] == [
        f"s{n:02d}" for n in range(1, 15)
    ]


@pytest.mark.parametrize("activity", CHECKS, ids=lambda a: a.file)
def test_unit_check_is_content_only_scored_and_validates_with_the_stored_libraries(activity):
    from learning.h5p.storage import import_package

    import_package(DIST / "security-quiz.h5p", title="libraries", trusted=True)
    path = DIST / activity.file
    validated = validate_package(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        content = json.loads(zf.read("content/content.json"))
    assert names == ["h5p.json", "content/content.json"]  # the libraries come from the store
    assert path.stat().st_size < 10_000
    assert validated.h5p_json["mainLibrary"] == "H5P.SingleChoiceSet"
    assert validated.h5p_json["license"] == "CC BY" and validated.title == activity.title
    assert 2 <= len(content["choices"]) <= 3
    package = import_package(path, title=activity.title, trusted=True)
    assert package.scored and package.scoring == "verified"
    assert package.max_score == len(content["choices"])


def test_a_library_with_an_unknown_licence_is_refused():
    with pytest.raises(build.BuildError, match="GPL"):
        build.check_licence({"machineName": "H5P.Something", "license": "GPL-3.0"})
    with pytest.raises(build.BuildError):
        build.check_licence({"machineName": "H5P.Undeclared"})


def test_a_missing_library_stops_the_build():
    with pytest.raises(build.BuildError, match="H5P.Question-1.4"):
        build.runtime_closure(
            ("H5P.TrueFalse", 1, 6),
            {
                ("H5P.TrueFalse", 1, 6): {
                    "preloadedDependencies": [
                        {"machineName": "H5P.Question", "majorVersion": 1, "minorVersion": 4}
                    ]
                }
            },
        )


def test_seed_demo_imports_the_packages_once_and_places_required_activities(capsys):
    call_command("seed_demo", allow_production_demo=True)
    call_command("seed_demo", allow_production_demo=True)
    titles = sorted(H5PPackage.objects.values_list("title", flat=True))
    assert titles == sorted(a.title for a in all_demo_activities())
    # The shared store holds each library once although two packages use the same ones.
    assert H5PLibrary.objects.filter(machine_name="H5P.JoubelUI").count() == 1
    assert not H5PLibrary.objects.filter(machine_name__startswith="H5PEditor.").exists()

    lessons = _demo_lessons()
    for activity in all_demo_activities():
        package = H5PPackage.objects.get(title=activity.title)
        for course_slug, lesson_slug in activity.lessons:
            lesson = lessons[lesson_slug]
            assert lesson.get_parent().slug == course_slug
            rows = list(LessonActivity.objects.filter(lesson=lesson))
            assert [(r.package_id, r.required) for r in rows] == [(package.pk, True)]
            blocks = [b.block_type for b in lesson.body]
            assert blocks.count("h5p") == 1
            assert blocks[-1] == "callout"  # the activity comes before the closing tip
    # Both tracks have an activity.
    audiences = {lesson.course().audience for lesson in lessons.values()}
    assert audiences == {"staff", "resident"}
    assert LessonActivity.objects.count() == sum(len(a.lessons) for a in all_demo_activities())
    assert "Demo H5P packages: 17." in capsys.readouterr().out


def test_seed_demo_leaves_a_lesson_an_editor_changed(capsys):
    call_command("seed_demo", allow_production_demo=True)
    lesson = _demo_lessons()["s15"]
    lesson.body = [block for block in lesson.body.raw_data if block["type"] != "h5p"]
    lesson.save_revision().publish()
    assert not LessonActivity.objects.filter(lesson=lesson).exists()
    call_command("seed_demo", allow_production_demo=True)
    lesson.refresh_from_db()
    assert [b.block_type for b in lesson.body].count("h5p") == 0
    assert not LessonActivity.objects.filter(lesson=lesson).exists()
    assert H5PPackage.objects.count() == len(all_demo_activities())


def test_a_package_that_cannot_be_imported_is_reported_and_the_rest_loads(
    monkeypatch, tmp_path, capsys
):
    import demo.courses

    broken = tmp_path / "dist"
    broken.mkdir()
    for activity in all_demo_activities():
        (broken / activity.file).write_bytes((DIST / activity.file).read_bytes())
    (broken / "security-quiz.h5p").write_bytes(b"not a zip")
    monkeypatch.setattr(demo.courses, "DIST", broken)
    call_command("seed_demo", allow_production_demo=True)
    err = capsys.readouterr().err
    assert "security-quiz.h5p" in err
    # The unit checks still load: smartphone-basics-quiz.h5p brings the same libraries.
    assert "security-check-s01.h5p" not in err
    assert H5PPackage.objects.count() == len(all_demo_activities()) - 1
    assert not LessonActivity.objects.filter(lesson=_demo_lessons()["s15"]).exists()
    assert LessonActivity.objects.filter(lesson=_demo_lessons()["b10-01"]).exists()


def test_the_seeded_security_lesson_renders_its_activity_for_staff(client, make_user):
    call_command("seed_demo", allow_production_demo=True)
    lesson = _demo_lessons()["s15"]
    assert lesson.get_parent().slug == SECURITY_SLUG
    client.force_login(make_user(Role.STAFF))
    response = client.get(lesson.url)
    assert response.status_code == 200
    package = H5PPackage.objects.get(title="情報セキュリティ 理解度テスト")
    assert str(package.uuid) in response.content.decode()
