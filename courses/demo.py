"""Demo course pages for seed_demo, built from the curriculum units (idempotent).

Pages are found by slug under their parent and created only when missing, so an editor's
changes to a seeded page survive the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from django.utils.html import escape
from wagtail.models import Page

from courses.choices import Audience, Level
from courses.models import CourseIndexPage, CoursePage, CurriculumUnit, LessonPage

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


def seed_course_pages(home: Page) -> int:
    """Build the catalogue with the resident and staff tracks; return how many pages it has."""
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
