"""Course catalogue, course and lesson pages: creation rules, blocks, filters, seed and search."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from base.models import HomePage
from courses.blocks import ImageBlock, StepBlock, VideoBlock
from courses.models import CourseIndexPage, CoursePage, LessonPage
from demo.courses import CATALOGUE_SLUG, SECURITY_SLUG

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def home() -> HomePage:
    return HomePage.objects.get()


@pytest.fixture
def catalogue(home) -> CourseIndexPage:
    return home.add_child(instance=CourseIndexPage(title="オンライン教材", slug="courses"))


def _course(parent, slug: str, **fields) -> CoursePage:
    fields.setdefault("title", slug)
    return parent.add_child(instance=CoursePage(slug=slug, **fields))


def _lesson(parent, slug: str, **fields) -> LessonPage:
    fields.setdefault("title", slug)
    return parent.add_child(instance=LessonPage(slug=slug, **fields))


def _image() -> Image:
    return Image.objects.create(title="画面", file=get_test_image_file())


def _document(name: str, content: bytes = b"demo") -> Document:
    return Document.objects.create(title=name, file=ContentFile(content, name=name))


def _package():
    from learning.models import H5PLibrary, H5PPackage

    library = H5PLibrary.objects.create(
        machine_name="H5P.MultiChoice", major_version=1, minor_version=16, runnable=True
    )
    return H5PPackage.objects.create(title="詐欺メールを見分けるクイズ", main_library=library)


def test_pages_can_only_be_created_where_they_belong(home, catalogue):
    course = _course(catalogue, "b01")
    lesson = _lesson(course, "b01-01")
    assert CourseIndexPage.can_create_at(home)
    assert not CoursePage.can_create_at(home)
    assert not LessonPage.can_create_at(home)
    assert CoursePage.can_create_at(catalogue)
    assert not LessonPage.can_create_at(catalogue)
    assert LessonPage.can_create_at(course)
    assert not CoursePage.can_create_at(course)
    assert not LessonPage.can_create_at(lesson)
    assert LessonPage.allowed_subpage_models() == []


def test_image_block_refuses_an_empty_alt_text():
    image = _image()
    block = ImageBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"image": image.pk, "alt": "", "caption": ""}))
    value = block.clean(block.to_python({"image": image.pk, "alt": "設定の画面", "caption": ""}))
    assert value["alt"] == "設定の画面"


def test_step_screenshot_needs_alt_text():
    image = _image()
    block = StepBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"text": "押します", "image": image.pk, "alt": " "}))
    assert block.clean(block.to_python({"text": "押します", "image": None, "alt": ""}))


def test_video_block_requires_a_vtt_captions_track():
    video, captions, text = _document("a.mp4"), _document("a.vtt", b"WEBVTT\n"), _document("a.txt")
    block = VideoBlock()

    def clean(**value):
        raw = {"title": "動画", "video": None, "url": "", "captions": None, "transcript": ""}
        return block.clean(block.to_python({**raw, **value}))

    with pytest.raises(ValidationError):
        clean(video=video.pk)
    with pytest.raises(ValidationError):
        clean(video=video.pk, captions=text.pk)
    with pytest.raises(ValidationError):  # neither a file nor a URL
        clean(captions=captions.pk)
    with pytest.raises(ValidationError):  # not in our media
        clean(url="https://example.com/a.mp4", captions=captions.pk)
    with pytest.raises(ValidationError):
        clean(url="/media/../secret.mp4", captions=captions.pk)
    assert clean(video=video.pk, captions=captions.pk)["captions"] == captions
    assert clean(url="/media/videos/a.webm", captions=captions.pk)["url"]


def test_lesson_renders_every_block_type(client, catalogue):
    image, handout = _image(), _document("手順書.pdf", b"%PDF-1.4 demo")
    video, captions = _document("power.mp4"), _document("power.vtt", b"WEBVTT\n")
    package = _package()
    course = _course(catalogue, "b01")
    step = {"text": "電源ボタンを長押しします。", "image": image.pk, "alt": "電源ボタンの位置"}
    lesson = _lesson(
        course,
        "b01-01",
        body=[
            {"type": "heading", "value": {"text": "電源を入れる", "size": "h2"}},
            {"type": "paragraph", "value": "<p>まず<b>電源</b>を入れます。</p>"},
            {"type": "image", "value": {"image": image.pk, "alt": "ホーム画面", "caption": "例"}},
            {
                "type": "video",
                "value": {
                    "title": "電源の入れ方",
                    "video": video.pk,
                    "url": "",
                    "captions": captions.pk,
                    "transcript": "電源ボタンを押します。",
                },
            },
            {"type": "h5p", "value": {"package": package.pk, "required": True, "caption": ""}},
            {
                "type": "steps",
                "value": {
                    "title": "再起動",
                    "iphone": [step],
                    "android": [{**step, "text": "電源メニューを開きます。"}],
                },
            },
            {"type": "handout", "value": {"document": handout.pk, "description": "印刷用"}},
            {"type": "callout", "value": {"kind": "warning", "text": "充電しながら使わない。"}},
        ],
    )
    html = client.get(lesson.url).content.decode()
    assert '<h2 class="lesson-heading">電源を入れる</h2>' in html
    assert "<b>電源</b>" in html
    assert 'alt="ホーム画面"' in html
    assert "<video controls" in html
    assert f'<source src="{video.url}" type="video/mp4">' in html
    assert (
        f'<track kind="captions" srclang="ja" label="日本語字幕" src="{captions.url}" default>'
        in (html)
    )
    assert "電源ボタンを押します。" in html
    # The player runs in a sandboxed iframe (tests/learning/test_player_pages.py has the rest).
    assert "詐欺メールを見分けるクイズ" in html and 'sandbox="allow-scripts"' in html
    assert 'data-device-variant="iphone"' in html and 'data-device-variant="android"' in html
    assert 'aria-pressed="false" data-device="iphone"' in html
    assert 'aria-pressed="false" data-device="android"' in html
    assert 'alt="電源ボタンの位置"' in html and "電源メニューを開きます。" in html
    assert "手順書.pdf" in html and "（PDF・" in html and "印刷用" in html
    assert "callout--warning" in html and "充電しながら使わない。" in html


def test_home_page_links_both_doors_to_the_catalogue(client, home, catalogue):
    html = client.get(home.url).content.decode()
    assert f'href="{catalogue.url}?audience=resident"' in html
    assert f'href="{catalogue.url}?audience=staff"' in html


def test_catalogue_filters_by_track_level_and_topic(client, catalogue):
    _course(catalogue, "b01", title="基本操作", audience="resident", level="first", topic="B01")
    _course(catalogue, "a02", title="マイナポータル", audience="resident", level="advanced")
    _course(catalogue, "sec", title="情報セキュリティ研修", audience="staff")
    hidden = _course(catalogue, "draft", title="下書きの講座", audience="staff")
    hidden.unpublish()

    def titles(query: str = "") -> list[str]:
        response = client.get(f"{catalogue.url}{query}")
        assert response.status_code == 200
        return [course.title for course in response.context["courses"]]

    assert titles() == ["基本操作", "マイナポータル", "情報セキュリティ研修"]
    assert titles("?audience=staff") == ["情報セキュリティ研修"]
    assert titles("?audience=resident&level=advanced") == ["マイナポータル"]
    assert titles("?topic=B01") == ["基本操作"]
    # An unknown value filters nothing and says so.
    response = client.get(f"{catalogue.url}?level=expert")
    assert len(response.context["courses"]) == 3
    assert "選べない条件がありました" in response.content.decode()


def test_course_page_lists_live_lessons_in_order_with_their_time(client, catalogue):
    course = _course(catalogue, "b01", title="基本操作")
    _lesson(course, "one", title="電源", estimated_minutes=10)
    _lesson(course, "two", title="画面の操作", estimated_minutes=20)
    _lesson(course, "three", title="下書き").unpublish()
    _lesson(course, "four", title="充電", estimated_minutes=5, required=False)
    response = client.get(course.url)
    assert [lesson.title for lesson in response.context["lessons"]] == [
        "電源",
        "画面の操作",
        "充電",
    ]
    html = response.content.decode()
    assert html.index("電源") < html.index("画面の操作") < html.index("充電")
    assert "目安 20 分" in html and "下書き" not in html
    assert course.total_minutes() == 35


def test_lessons_link_to_the_previous_and_next_lesson(client, catalogue):
    course = _course(catalogue, "b01")
    first, second, third = (_lesson(course, slug) for slug in ("l1", "l2", "l3"))
    assert first.previous_lesson() is None and first.next_lesson() == second
    assert third.next_lesson() is None
    html = client.get(second.url).content.decode()
    assert f'href="{first.url}" rel="prev"' in html
    assert f'href="{third.url}" rel="next"' in html


def test_prerequisites_are_listed_on_the_course_page(client, catalogue):
    basic = _course(catalogue, "basic", title="基本操作")
    advanced = _course(catalogue, "advanced", title="マイナポータル")
    advanced.prerequisites.add(basic)
    advanced.save()
    assert list(advanced.prerequisites.all()) == [basic]
    html = client.get(advanced.url).content.decode()
    assert "先に修了する講座" in html and f'href="{basic.url}"' in html


def test_pages_are_searchable(catalogue):
    course = _course(catalogue, "sec", title="情報セキュリティ研修", intro="<p>庁内ルール</p>")
    _lesson(
        course,
        "s04",
        title="標的型攻撃メール",
        body=[{"type": "paragraph", "value": "<p>不審な 添付ファイル は 開かない。</p>"}],
    )
    # The database backend splits words at spaces only, so the body spaces its Japanese words.
    assert [p.title for p in LessonPage.objects.live().search("添付ファイル")] == [
        "標的型攻撃メール"
    ]
    assert [p.title for p in CoursePage.objects.live().search("庁内ルール")] == [
        "情報セキュリティ研修"
    ]


def test_seed_demo_builds_both_tracks_once():
    call_command("seed_demo", allow_production_demo=True)
    catalogue = CourseIndexPage.objects.get(slug=CATALOGUE_SLUG)
    resident = CoursePage.objects.child_of(catalogue).filter(audience="resident")
    assert resident.count() == 20  # B01–B10 and A01–A10
    b01 = resident.get(topic="B01")
    assert b01.level == "first"
    assert resident.get(topic="A02").level == "advanced"
    assert [lesson.title for lesson in b01.lessons()] == [
        "電源の入れ方・切り方／再起動",
        "ロック解除と画面の操作",
        "音量・マナーモード・充電",
    ]
    steps = [block for block in b01.lessons().first().body if block.block_type == "steps"]
    assert len(steps) == 2 and len(steps[0].value["android"]) == 2  # 電源を切る, 入れる
    security = CoursePage.objects.get(slug=SECURITY_SLUG)
    assert security.audience == "staff" and security.certificate
    assert security.lessons().count() == 15
    assert LessonPage.objects.live().count() == 25 + 15

    pages = CourseIndexPage.objects.count(), CoursePage.objects.count(), LessonPage.objects.count()
    call_command("seed_demo", allow_production_demo=True)
    assert (
        CourseIndexPage.objects.count(),
        CoursePage.objects.count(),
        LessonPage.objects.count(),
    ) == pages


def test_admin_edit_forms_open_for_each_page_type(client, make_user, home, catalogue):
    """The panels (including the H5P and prerequisite choosers) render in the admin."""
    from django.urls import reverse

    from accounts.roles import Role
    from tests.gates.support import sign_in

    course = _course(catalogue, "b01")
    lesson = _lesson(course, "b01-01")
    sign_in(client, make_user(Role.ADMIN, mfa=True))
    for model, parent in [
        ("courseindexpage", home),
        ("coursepage", catalogue),
        ("lessonpage", course),
    ]:
        url = reverse("wagtailadmin_pages:add", args=("courses", model, parent.pk))
        assert client.get(url).status_code == 200, url
    for page in (catalogue, course, lesson):
        assert client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).status_code == 200
