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
from functools import cache
from itertools import groupby
from pathlib import Path

from django.utils.html import escape
from wagtail.models import Page

from courses.choices import Audience, Level
from courses.models import CourseIndexPage, CoursePage, CurriculumUnit, LessonPage
from demo.h5p import DIST
from demo.h5p.security_checks import load_units, package_name, package_title, unit_titles
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

# Demo smartphone instructions, by (course code, unit title): a list of (title, iPhone steps,
# Android steps); a step is its text and, where drawn, an illustration of
# static/images/lessons/ (demo/illustrations.py) with its alt text.
Step = tuple[str, str, str]  # text, illustration file ("" for none), alt text
DEMO_STEPS: dict[tuple[str, str], list[tuple[str, list[Step], list[Step]]]] = {
    ("B01", "電源の入れ方・切り方／再起動"): [
        (
            "電源を切る",
            [
                (
                    "右側のサイドボタンと、左側の音量ボタンのどちらかを、同時に長押しします。",
                    "iphone-power-off.svg",
                    "iPhone の右側のサイドボタンと左側の音量ボタンを、同時に押さえている図。",
                ),
                (
                    "「スライドで電源オフ」が出たら、電源のマークを指で右へすべらせます。",
                    "iphone-slide-power.svg",
                    "画面の上の電源のマークを、右へすべらせる図。",
                ),
            ],
            [
                (
                    "右側の電源ボタンを長押しします"
                    "（機種によっては、電源ボタンと音量を上げるボタンを同時に長押し）。",
                    "android-power-button.svg",
                    "Android の右側にある電源ボタンを長押ししている図。",
                ),
                (
                    "出てきたメニューで「電源を切る」をタップします。",
                    "android-power-menu.svg",
                    "画面に並んだ丸いボタンのうち、いちばん上の電源のマークをタップする図。",
                ),
            ],
        ),
        (
            "電源を入れる・再起動する",
            [
                ("サイドボタンを、りんごのマークが出るまで長押しします。", "", ""),
                (
                    "調子が悪いときは、いったん電源を切り、30秒ほど待ってから入れ直します"
                    "（これが再起動です）。",
                    "",
                    "",
                ),
            ],
            [
                ("電源ボタンを、画面にメーカーのロゴが出るまで長押しします。", "", ""),
                (
                    "調子が悪いときは、電源ボタンの長押しで出るメニューの「再起動」をタップします。",
                    "",
                    "",
                ),
            ],
        ),
    ],
    ("B01", "音量・マナーモード・充電"): [
        (
            "マナーモードにする",
            [
                (
                    "左側の上にある着信/サイレントスイッチを、画面の側から背中側へ動かします"
                    "（アクションボタンの機種は、そのボタンを長押しします）。",
                    "iphone-silent-switch.svg",
                    "iPhone の左側のいちばん上にある、小さなスイッチの図。",
                ),
                ("画面に「消音モード」と出たら、マナーモードになっています。", "", ""),
            ],
            [
                (
                    "音量ボタンを押し、画面に出た音量の表示の、ベルのマークをタップします。",
                    "android-sound-bell.svg",
                    "右側の音量ボタンを押すと画面に出る音量の表示と、その下のベルのマークの図。",
                ),
                ("ベルが振動のマークに変わったら、マナーモードになっています。", "", ""),
            ],
        ),
    ],
    ("B04", "写真・動画の撮影と閲覧"): [
        (
            "写真を撮る",
            [
                (
                    "ホーム画面の「カメラ」のアプリをタップします"
                    "（画面ロック中は、右下のカメラのマークを長押ししても開けます）。",
                    "camera-app.svg",
                    "ホーム画面に並んだアプリのうち、カメラの絵のアプリの図。",
                ),
                (
                    "撮りたいものを画面に映し、下の大きな丸いシャッターボタンをタップします。",
                    "camera-shutter.svg",
                    "カメラの画面の下にある、大きな丸いシャッターボタンの図。",
                ),
            ],
            [
                (
                    "ホーム画面の「カメラ」のアプリをタップします"
                    "（電源ボタンを2回続けて押すと開く機種もあります）。",
                    "camera-app.svg",
                    "ホーム画面に並んだアプリのうち、カメラの絵のアプリの図。",
                ),
                (
                    "撮りたいものを画面に映し、下の大きな丸いシャッターボタンをタップします。",
                    "camera-shutter.svg",
                    "カメラの画面の下にある、大きな丸いシャッターボタンの図。",
                ),
            ],
        ),
        (
            "撮った写真を見る・消す",
            [
                (
                    "シャッターボタンの横の小さな写真をタップすると、撮った写真が大きく出ます。",
                    "camera-thumbnail.svg",
                    "シャッターボタンの左にある、小さな四角い写真の図。",
                ),
                (
                    "いらない写真は、右下のごみ箱のマークをタップし、「写真を削除」をタップします。"
                    "消した写真は「最近削除した項目」に30日間残ります。",
                    "photo-delete.svg",
                    "写真を見ている画面の右下にある、ごみ箱のマークの図。",
                ),
            ],
            [
                (
                    "シャッターボタンの横の小さな写真をタップすると、撮った写真が大きく出ます"
                    "（「フォト」や「ギャラリー」のアプリからも見られます）。",
                    "camera-thumbnail.svg",
                    "シャッターボタンの横にある、小さな四角い写真の図。",
                ),
                (
                    "いらない写真は、ごみ箱のマーク（「削除」）をタップします。"
                    "消した写真は、しばらく「ゴミ箱」に残ります。",
                    "photo-delete.svg",
                    "写真を見ている画面の下にある、ごみ箱のマークの図。",
                ),
            ],
        ),
    ],
    ("B10", "詐欺・セキュリティ対策"): [
        (
            "あやしいSMSが届いたら",
            [
                (
                    "「荷物を届けられませんでした」「料金が未払いです」などのSMSのリンクは、"
                    "押さないでください。本物かどうかは、公式のアプリや電話番号で確かめます。",
                    "sms-link.svg",
                    "メッセージの中の青いリンクに、禁止のマークが重なった図。",
                ),
                (
                    "メッセージの上の、相手のアイコンをタップし、「この発信者を着信拒否」を"
                    "タップします。メッセージは、左へすべらせて削除できます。",
                    "iphone-sms-sender.svg",
                    "メッセージの画面のいちばん上にある、相手の丸いアイコンの図。",
                ),
            ],
            [
                (
                    "「荷物を届けられませんでした」「料金が未払いです」などのSMSのリンクは、"
                    "押さないでください。本物かどうかは、公式のアプリや電話番号で確かめます。",
                    "sms-link.svg",
                    "メッセージの中の青いリンクに、禁止のマークが重なった図。",
                ),
                (
                    "メッセージの右上の、点が3つ並んだメニューをタップし、"
                    "「ブロック」や「迷惑メッセージとして報告」をタップします。",
                    "android-sms-menu.svg",
                    "メッセージの画面の右上にある、点が縦に3つ並んだメニューの図。",
                ),
            ],
        ),
    ],
}
# The resident lessons with drawn steps; seeded before they had them, they get them
# (unless edited), like the security lessons get their text.
STEP_LESSONS = {("b01", "b01-01"), ("b01", "b01-03"), ("b04", "b04-01"), ("b10", "b10-01")}


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


# The security lessons' texts and checks (our own words, from the CSV's objectives).
SECURITY_LESSONS = Path(__file__).resolve().parent / "data" / "security_lessons.json"
SECURITY_HELP = "迷ったときは、上司か情報セキュリティ担当（情報管理課）に相談してください。"


@cache
def security_units() -> dict[str, dict]:
    """The lesson data of 情報セキュリティ研修 by unit code (S01…S15)."""
    return load_units(SECURITY_LESSONS)


def _security_checks() -> tuple[DemoActivity, ...]:
    """One content-only check per unit with questions (S15 has the full 理解度テスト)."""
    titles = unit_titles()
    checks = []
    for code, unit in sorted(security_units().items()):
        count = len(unit.get("check") or [])
        if not count:
            continue
        checks.append(
            DemoActivity(
                f"{package_name(code)}.h5p",
                package_title(titles[code]),
                ((SECURITY_SLUG, code.lower()),),
                f"{count}問の確認問題です。すべて正解すると、このレッスンを修了できます。",
            )
        )
    return tuple(checks)


def all_demo_activities() -> tuple[DemoActivity, ...]:
    """Every demo package, the full ones first: the checks take their libraries from the store."""
    return DEMO_ACTIVITIES + _security_checks()


def import_demo_packages() -> tuple[dict[str, H5PPackage], list[str]]:
    """Import the demo packages not yet stored (found by title); return them and any problems.

    Each import is its own durable transaction (learning.h5p.storage), so call this outside
    ``transaction.atomic``. A package that cannot be stored is reported, not raised: the rest of
    the demo data still loads.
    """
    packages: dict[str, H5PPackage] = {}
    problems: list[str] = []
    for activity in all_demo_activities():
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
    for activity in all_demo_activities():
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
            slug = f"{code.lower()}-{number:02d}"
            lesson = _child(course, slug, _lesson, unit)
            if (code.lower(), slug) in STEP_LESSONS:
                _refresh_lesson(lesson, _lesson(unit))

    security = CurriculumUnit.objects.filter(track=CurriculumUnit.Track.SECURITY)
    course = _child(catalogue, SECURITY_SLUG, _security_course)
    for unit in security.order_by("sort_order"):
        lesson = _child(course, unit.course_code.lower(), _security_lesson, unit)
        _refresh_lesson(lesson, _security_lesson(unit))
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
    for title, iphone, android in DEMO_STEPS.get((unit.course_code, unit.title), []):
        body.append(
            ("steps", {"title": title, "iphone": _steps(iphone), "android": _steps(android)})
        )
    body.append(
        ("callout", {"kind": "tip", "text": "わからないときは、講師や窓口に聞いてください。"})
    )
    return LessonPage(title=unit.title, estimated_minutes=15, body=_stream(body))


def _steps(steps: list[Step]) -> list[dict]:
    return [
        {"text": text, "image": None, "illustration": drawing, "alt": alt}
        for text, drawing, alt in steps
    ]


def _stream(items: list[tuple[str, object]]) -> list[dict]:
    """Return StreamField raw data for (block type, value) pairs."""
    return [{"type": kind, "value": value} for kind, value in items]


def _items(texts: list[str], tag: str = "ul") -> str:
    return f"<{tag}>" + "".join(f"<li>{escape(text)}</li>" for text in texts) + f"</{tag}>"


def security_lesson_body(unit: CurriculumUnit) -> list[dict]:
    """The lesson's teaching text: objective, what to do and not, a worked example, the point.

    The unit's check (an H5P block) is placed before the closing callout by
    ``place_demo_activities``.
    """
    data = security_units().get(unit.course_code)
    if data is None:
        return _stream(
            [
                ("heading", {"text": "この単元の目標", "size": "h2"}),
                ("paragraph", f"<p>{escape(unit.objectives)}</p>"),
                ("callout", {"kind": "tip", "text": SECURITY_HELP}),
            ]
        )
    example = data["example"]
    return _stream(
        [
            ("heading", {"text": "この単元の目標", "size": "h2"}),
            ("paragraph", f"<p>{escape(unit.objectives)}</p>"),
            ("paragraph", f"<p>{escape(data['intro'])}</p>"),
            ("heading", {"text": "すること", "size": "h2"}),
            ("paragraph", _items(data["do"])),
            ("heading", {"text": "してはいけないこと", "size": "h2"}),
            ("paragraph", _items(data["dont"])),
            ("heading", {"text": f"事例で考える：{example['title']}", "size": "h2"}),
            ("paragraph", f"<p>{escape(example['situation'])}</p>"),
            ("heading", {"text": "こう対応します", "size": "h3"}),
            ("paragraph", _items(example["response"], "ol")),
            ("callout", {"kind": "warning", "text": data["point"]}),
            ("callout", {"kind": "tip", "text": SECURITY_HELP}),
        ]
    )


def _security_lesson(unit: CurriculumUnit) -> LessonPage:
    data = security_units().get(unit.course_code) or {}
    return LessonPage(
        title=unit.title,
        estimated_minutes=data.get("minutes", 15),
        body=security_lesson_body(unit),
    )


def _without_ids(raw: list[dict]) -> list[dict]:
    return [{"type": b["type"], "value": b["value"]} for b in raw if b["type"] != H5P_BLOCK]


def _refresh_lesson(lesson: LessonPage, fresh: LessonPage) -> None:
    """Give a lesson seeded before its content existed that content (issue 14).

    Only a lesson nobody has edited (no revision) and whose body differs from ``fresh`` (an
    unsaved page built as new); its H5P blocks are kept before the closing callout. Nothing is
    written when the body is current.
    """
    wanted = [{"type": b["type"], "value": b["value"]} for b in fresh.body.raw_data]
    current = list(lesson.body.raw_data)
    if _without_ids(current) == _without_ids(wanted) or lesson.revisions.exists():
        return
    activities = [block for block in current if block["type"] == H5P_BLOCK]
    at = len(wanted) - 1 if wanted and wanted[-1]["type"] == "callout" else len(wanted)
    lesson.body = wanted[:at] + activities + wanted[at:]
    lesson.estimated_minutes = fresh.estimated_minutes
    lesson.save(update_fields=["body", "estimated_minutes"], clean=False)
