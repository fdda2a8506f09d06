"""Demo course pages for seed_demo, built from the curriculum units (idempotent).

Pages are found by slug under their parent and created only when missing, so an editor's
changes to a seeded page survive the next run.

The demo H5P activities (demo/h5p/dist, our own Japanese content) are imported once,
found again by title, and placed as required H5P blocks in a few lessons of both tracks. A lesson
gets its activity only while it has no H5P block and no revision (nobody has edited it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from django.utils.html import escape
from wagtail.models import Page

from courses.choices import Audience, Level
from courses.models import CourseIndexPage, CoursePage, CurriculumUnit, LessonPage
from demo.h5p import DIST
from learning.activities import H5P_BLOCK, h5p_blocks, sync_lesson_activities
from learning.h5p.storage import H5PStoreError, import_package
from learning.h5p.validation import H5PValidationError
from learning.models import H5PPackage

logger = logging.getLogger(__name__)

CATALOGUE_SLUG = "courses"
CATALOGUE_TITLE = "オンライン教材"
CATALOGUE_INTRO = (
    "<p>区民の方向けのスマホ講座と、職員向けの研修です。対象やレベルで絞り込めます。</p>"
)
SECURITY_SLUG = "security-training"
LEVELS = {"基本講座": Level.BASIC, "応用講座": Level.ADVANCED}
# B01 is the very first course, like the はじめて classes that teach it.
FIRST_COURSES = {"B01"}

# Demo smartphone instructions, by (course code, unit title): (title, iPhone steps, Android steps).
DEMO_STEPS = {
    ("B01", "電源の入れ方・切り方／再起動"): (
        "電源を切る",
        [
            "右側のサイドボタンと、左側の音量ボタンのどちらかを同時に長押しします。",
            "「スライドで電源オフ」が出たら、電源のマークを右へスライドします。",
        ],
        [
            "右側の電源ボタンを長押しします（機種によっては電源ボタンと音量を上げるボタン）。",
            "「電源を切る」をタップします。",
        ],
    ),
    ("B01", "音量・マナーモード・充電"): (
        "マナーモードにする",
        [
            "左側の着信/サイレントスイッチ（またはアクションボタン）を押します。",
            "画面に「消音モード」と出たら、マナーモードになっています。",
        ],
        [
            "音量ボタンを押して、画面に出た音量の表示のベルのマークをタップします。",
            "ベルが振動のマークに変わったら、マナーモードになっています。",
        ],
    ),
}


@dataclass(frozen=True)
class DemoActivity:
    """One demo .h5p file and the lessons (course slug, lesson slug) it is placed in."""

    file: str
    title: str
    lessons: tuple[tuple[str, str], ...]
    caption: str = ""


DEMO_ACTIVITIES = (
    DemoActivity(
        "security-quiz.h5p",
        "情報セキュリティ 理解度テスト",
        ((SECURITY_SLUG, "s15"),),
        "5問のうち4問以上の正解で合格です。",
    ),
    DemoActivity(
        "smartphone-basics-quiz.h5p",
        "スマホの基本操作 確認クイズ",
        (("b01", "b01-03"),),
        "この講座で学んだことを、3つの問題で確かめましょう。",
    ),
    DemoActivity(
        "sms-scam-true-false.h5p",
        "あやしいSMSに注意 〇×クイズ",
        (("b10", "b10-01"),),
    ),
)


def import_demo_packages() -> tuple[dict[str, H5PPackage], list[str]]:
    """Import the demo packages not yet stored (found by title); return them and any problems.

    Each import is its own durable transaction (learning.h5p.storage), so call this outside
    ``transaction.atomic``. A package that cannot be stored is reported, not raised: the rest of
    the demo data still loads.
    """
    packages: dict[str, H5PPackage] = {}
    problems: list[str] = []
    for activity in DEMO_ACTIVITIES:
        existing = H5PPackage.objects.filter(title=activity.title).order_by("pk").first()
        if existing is not None:
            packages[activity.file] = existing
            continue
        try:
            packages[activity.file] = import_package(
                DIST / activity.file, title=activity.title, trusted=True
            )
        except (H5PValidationError, H5PStoreError) as exc:
            logger.warning("Demo H5P package %s not imported: %s", activity.file, exc)
            problems.append(f"{activity.file}: {exc.one_line}")
    return packages, problems


def place_demo_activities(catalogue: Page, packages: dict[str, H5PPackage]) -> int:
    """Add each demo package as a required H5P block to its lessons; return the lessons with it.

    A lesson that already has an H5P block, or that an editor has saved (it has revisions), is
    left as it is.
    """
    placed = 0
    for activity in DEMO_ACTIVITIES:
        package = packages.get(activity.file)
        if package is None:
            continue
        for course_slug, lesson_slug in activity.lessons:
            lesson = _demo_lesson(catalogue, course_slug, lesson_slug)
            if lesson is None:
                continue
            if any(found == package for _id, found, _required in h5p_blocks(lesson)):
                placed += 1
                continue
            if h5p_blocks(lesson) or lesson.revisions.exists():
                continue
            _insert_h5p_block(lesson, package, activity.caption)
            placed += 1
    return placed


def _demo_lesson(catalogue: Page, course_slug: str, lesson_slug: str) -> LessonPage | None:
    course = catalogue.get_children().filter(slug=course_slug).first()
    if course is None:
        return None
    return LessonPage.objects.child_of(course).filter(slug=lesson_slug).first()


def _insert_h5p_block(lesson: LessonPage, package: H5PPackage, caption: str) -> None:
    """Put the activity before the closing callout (or at the end) and sync LessonActivity."""
    raw = list(lesson.body.raw_data)
    at = len(raw) - 1 if raw and raw[-1]["type"] == "callout" else len(raw)
    value = {"package": package.pk, "required": True, "caption": caption}
    raw.insert(at, {"type": H5P_BLOCK, "value": value})
    lesson.body = raw
    lesson.save(update_fields=["body"], clean=False)
    sync_lesson_activities(lesson)


def seed_course_pages(home: Page, packages: dict[str, H5PPackage] | None = None) -> int:
    """Build the catalogue with the resident and staff tracks; return how many pages it has.

    ``packages`` (from ``import_demo_packages``) are placed in their demo lessons.
    """
    catalogue = _child(home, CATALOGUE_SLUG, _catalogue)
    units = CurriculumUnit.objects.filter(track=CurriculumUnit.Track.SMARTPHONE)
    for code, group in groupby(units.order_by("sort_order"), key=lambda unit: unit.course_code):
        group = list(group)
        course = _child(catalogue, code.lower(), _resident_course, code, group[0])
        for number, unit in enumerate(group, 1):
            _child(course, f"{code.lower()}-{number:02d}", _lesson, unit)

    security = CurriculumUnit.objects.filter(track=CurriculumUnit.Track.SECURITY)
    course = _child(catalogue, SECURITY_SLUG, _security_course)
    for unit in security.order_by("sort_order"):
        _child(course, unit.course_code.lower(), _lesson, unit)
    if packages:
        place_demo_activities(catalogue, packages)
    return catalogue.get_descendants(inclusive=True).count()


def _child(parent: Page, slug: str, build: Callable[..., Page], *args) -> Page:
    """Return the child page with this slug, built from ``build(*args)`` if it is missing."""
    existing = parent.get_children().filter(slug=slug).first()
    if existing is not None:
        return existing.specific
    instance = build(*args)
    instance.slug = slug
    return parent.add_child(instance=instance)


def _catalogue() -> CourseIndexPage:
    return CourseIndexPage(title=CATALOGUE_TITLE, intro=CATALOGUE_INTRO)


def _resident_course(code: str, unit: CurriculumUnit) -> CoursePage:
    level = Level.FIRST if code in FIRST_COURSES else LEVELS.get(unit.level, Level.BASIC)
    return CoursePage(
        title=unit.course_title,
        audience=Audience.RESIDENT,
        level=level,
        topic=code,
        intro=f"<p>{escape(unit.course_title)}を、自分のスマホで確かめながら学びます。</p>",
        search_description=f"{unit.level}：{unit.course_title}",
    )


def _security_course() -> CoursePage:
    return CoursePage(
        title="情報セキュリティ研修",
        audience=Audience.STAFF,
        intro=(
            "<p>全職員が受ける情報セキュリティ研修です。"
            "総務省のガイドラインに沿った庁内ルールを学びます。</p>"
        ),
        search_description="職員向け：情報セキュリティポリシーと日々の行動",
        certificate=True,
        pass_mark=80,
    )


def _lesson(unit: CurriculumUnit) -> LessonPage:
    body = [
        ("heading", {"text": "この単元の目標", "size": "h2"}),
        ("paragraph", f"<p>{escape(unit.objectives)}</p>"),
    ]
    steps = DEMO_STEPS.get((unit.course_code, unit.title))
    if steps is not None:
        title, iphone, android = steps
        body.append(
            (
                "steps",
                {
                    "title": title,
                    "iphone": [{"text": text, "image": None, "alt": ""} for text in iphone],
                    "android": [{"text": text, "image": None, "alt": ""} for text in android],
                },
            )
        )
    body.append(
        ("callout", {"kind": "tip", "text": "わからないときは、講師や窓口に聞いてください。"})
    )
    return LessonPage(title=unit.title, estimated_minutes=15, body=_stream(body))


def _stream(items: list[tuple[str, object]]) -> list[dict]:
    """Return StreamField raw data for (block type, value) pairs."""
    return [{"type": kind, "value": value} for kind, value in items]
