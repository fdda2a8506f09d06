"""StreamField blocks of the lesson pages.

Every block that shows something visual carries its text alternative as a required field:
images need alt text, videos need a captions track.
"""

from __future__ import annotations

import copy
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from courses.choices import CalloutKind
from courses.page_cache import cached

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]
VIDEO_EXTENSIONS = ("mp4", "webm")
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("見出し"), max_length=120)
    size = blocks.ChoiceBlock(
        label=_("大きさ"),
        choices=[("h2", _("大見出し")), ("h3", _("小見出し"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        description = _("本文を区切る見出し")
        label = _("見出し")


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/paragraph_block.html"
        description = _("文章（太字、リンク、箇条書き）")
        label = _("文章")


class ImageBlock(blocks.StructBlock):
    """An image with required alt text; Wagtail's own image block allows an empty one."""

    image = ImageChooserBlock(label=_("画像"))
    alt = blocks.CharBlock(
        label=_("代替テキスト"),
        max_length=200,
        help_text=_("画像が見えない人に読み上げる説明です。必ず入力してください。"),
    )
    caption = blocks.CharBlock(label=_("キャプション"), max_length=200, required=False)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        description = _("画像（代替テキスト必須）とキャプション")
        label = _("画像")


class VideoValue(blocks.StructValue):
    def source_url(self) -> str:
        return video_source(self)[0]

    def source_type(self) -> str:
        return video_source(self)[1]


class VideoBlock(blocks.StructBlock):
    """A video file we host ourselves, with a required Japanese captions track (WebVTT)."""

    title = blocks.CharBlock(label=_("動画の題名"), max_length=120)
    video = DocumentChooserBlock(
        label=_("動画ファイル"),
        required=False,
        help_text=_("MP4 または WebM。文書ライブラリから選ぶか、下に URL を入力します。"),
    )
    url = blocks.CharBlock(
        label=_("動画ファイルの URL"),
        required=False,
        max_length=300,
        help_text=_("このサイトのメディア内のファイル（/media/ で始まる URL）。"),
    )
    captions = DocumentChooserBlock(
        label=_("字幕ファイル（.vtt）"), help_text=_("WebVTT 形式の日本語字幕です。必須です。")
    )
    transcript = blocks.TextBlock(
        label=_("書き起こし"), required=False, help_text=_("音声の内容を文章にしたものです。")
    )

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"
        value_class = VideoValue
        description = _("自前で配信する動画（字幕必須）と書き起こし")
        label = _("動画")

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        video, url = value.get("video"), (value.get("url") or "").strip()
        if bool(video) == bool(url):
            errors["video"] = ValidationError(
                _("動画ファイルを選ぶか、URL を入力してください（どちらか一つ）。")
            )
        elif video and video.file_extension.lower() not in VIDEO_EXTENSIONS:
            errors["video"] = ValidationError(
                _("動画は MP4 または WebM のファイルにしてください。")
            )
        elif url and not _is_media_url(url):
            errors["url"] = ValidationError(
                _("URL はこのサイトのメディア内のファイルにしてください。")
            )
        captions = value.get("captions")
        if captions and captions.file_extension.lower() != "vtt":
            errors["captions"] = ValidationError(_("字幕は .vtt ファイルにしてください。"))
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


def _is_media_url(url: str) -> bool:
    ext = url.rsplit(".", 1)[-1].lower()
    return url.startswith(settings.MEDIA_URL) and ".." not in url and ext in VIDEO_EXTENSIONS


def video_source(value) -> tuple[str, str]:
    """Return the URL and MIME type of a video block's file."""
    if value.get("video"):
        document = value["video"]
        return document.url, VIDEO_TYPES.get(document.file_extension.lower(), "")
    url = value.get("url") or ""
    return url, VIDEO_TYPES.get(url.rsplit(".", 1)[-1].lower(), "")


class PackageChooserBlock(SnippetChooserBlock):
    """The H5P block's package chooser; the lesson page reads the packages from the shared cache.

    Packages change only on upload and edit (learning bumps the content version then,
    courses.page_cache); every learner's view of a lesson reads the same rows.
    """

    @property
    def canonical_module_path(self) -> str:
        # Stored in migrations as the chooser it extends: the field's definition is unchanged.
        return "wagtail.snippets.blocks.SnippetChooserBlock"

    def bulk_to_python(self, values: list) -> list:
        ids = sorted({value for value in values if value is not None})
        objects = cached(
            "packages", lambda: self.model_class.objects.in_bulk(ids), ",".join(map(str, ids))
        )
        # Distinct instances per block, as SnippetChooserBlock returns.
        return [copy.copy(objects.get(value)) if value in objects else None for value in values]


class H5PBlock(blocks.StructBlock):
    """An H5P activity. For now a placeholder figure: the player comes with the learning app."""

    package = PackageChooserBlock("learning.H5PPackage", label=_("H5P パッケージ"))
    required = blocks.BooleanBlock(
        label=_("修了に必要"),
        required=False,
        default=True,
        help_text=_("この活動に合格しないとレッスンを修了できません。"),
    )
    caption = blocks.CharBlock(label=_("キャプション"), max_length=200, required=False)

    class Meta:
        icon = "form"
        template = "blocks/h5p_block.html"
        description = _("H5P の問題や教材（アップロード済みのパッケージから選ぶ）")
        label = _("H5P 活動")


ILLUSTRATION_DIR = "images/lessons/"
ILLUSTRATION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.svg$")


def illustration_exists(name: str) -> bool:
    """Whether ``name`` is one of the lesson illustrations in static/images/lessons/."""
    from django.contrib.staticfiles import finders

    return bool(ILLUSTRATION_NAME.match(name)) and bool(finders.find(ILLUSTRATION_DIR + name))


class StepBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("手順"))
    image = ImageChooserBlock(label=_("画面の画像"), required=False)
    illustration = blocks.CharBlock(
        label=_("イラスト（ファイル名）"),
        required=False,
        max_length=80,
        help_text=_(
            "static/images/lessons/ にある SVG のファイル名（例：iphone-power-off.svg）。"
            "画像を選んだときは使いません。"
        ),
    )
    alt = blocks.CharBlock(
        label=_("画像の代替テキスト"),
        required=False,
        max_length=200,
        help_text=_("画像かイラストを選んだときは必須です。"),
    )

    class Meta:
        icon = "list-ol"
        label = _("手順")

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        illustration = (value.get("illustration") or "").strip()
        if illustration and not illustration_exists(illustration):
            errors["illustration"] = ValidationError(
                _("そのイラストはありません。static/images/lessons/ の SVG のファイル名です。")
            )
        if (value.get("image") or illustration) and not (value.get("alt") or "").strip():
            errors["alt"] = ValidationError(_("画像の代替テキストを入力してください。"))
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class DeviceStepsBlock(blocks.StructBlock):
    """Numbered smartphone instructions, once for iPhone and once for Android."""

    title = blocks.CharBlock(label=_("操作の名前"), max_length=120)
    iphone = blocks.ListBlock(StepBlock(), label=_("iPhone の手順"), min_num=1)
    android = blocks.ListBlock(StepBlock(), label=_("Android の手順"), min_num=1)

    class Meta:
        icon = "mobile-alt"
        template = "blocks/device_steps_block.html"
        description = _("スマホ操作の手順（iPhone と Android を切り替えて表示）")
        label = _("スマホ操作の手順")


class HandoutBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("配布資料"))
    description = blocks.CharBlock(label=_("説明"), max_length=200, required=False)

    class Meta:
        icon = "doc-full"
        template = "blocks/handout_block.html"
        description = _("ダウンロードできる配布資料（形式と大きさを表示）")
        label = _("配布資料")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(label=_("種類"), choices=CalloutKind.choices, default="tip")
    text = blocks.TextBlock(label=_("内容"))

    class Meta:
        icon = "warning"
        template = "blocks/callout_block.html"
        description = _("ヒントまたは注意の囲み")
        label = _("ヒント・注意")


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    video = VideoBlock()
    h5p = H5PBlock()
    steps = DeviceStepsBlock()
    handout = HandoutBlock()
    callout = CalloutBlock()
