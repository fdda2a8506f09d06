"""Resident lessons with drawn iPhone/Android steps (issue 14): B01 電源, B01 マナーモード,
B04 写真, B10 詐欺対策. The drawings are SVG files in static/images/lessons/, made by
demo/illustrations.py, each with a <title>, no baked-in text, and alt text in the lesson.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from courses.blocks import DeviceStepsBlock, StepBlock
from courses.models import CurriculumUnit
from demo import illustrations
from demo.courses import DEMO_STEPS, _lesson

SVG = "{http://www.w3.org/2000/svg}"
LESSONS = [
    ("B01", "電源の入れ方・切り方／再起動"),
    ("B01", "音量・マナーモード・充電"),
    ("B04", "写真・動画の撮影と閲覧"),
    ("B10", "詐欺・セキュリティ対策"),
]


def _steps():
    for key, operations in DEMO_STEPS.items():
        for title, iphone, android in operations:
            for device, steps in (("iphone", iphone), ("android", android)):
                for text, drawing, alt in steps:
                    yield key, title, device, text, drawing, alt


def test_the_drawings_are_up_to_date_and_clean():
    assert illustrations.stale() == []
    for name in illustrations.DRAWINGS:
        root = ET.parse(illustrations.OUT / name).getroot()
        assert root.tag == SVG + "svg" and root.get("role") == "img"
        title = root.find(SVG + "title")
        assert title is not None and title.text.strip(), name
        tags = {element.tag.removeprefix(SVG) for element in root.iter()}
        assert not tags & {"text", "script", "image", "foreignObject", "a"}, name
        assert "href" not in (illustrations.OUT / name).read_text("utf-8")


def test_each_lesson_has_drawn_steps_for_both_phones_with_alt_text():
    for key in LESSONS:
        operations = DEMO_STEPS[key]
        for _title, iphone, android in operations:
            assert iphone and android
        drawn = {device for k, _t, device, _x, drawing, _a in _steps() if k == key and drawing}
        assert drawn == {"iphone", "android"}, key
    used = set()
    for key, _title, _device, text, drawing, alt in _steps():
        assert text.strip()
        if drawing:
            assert drawing in illustrations.DRAWINGS, drawing
            assert len(alt) >= 10, (key, drawing)
            used.add(drawing)
    assert used == set(illustrations.DRAWINGS)


@pytest.mark.django_db
def test_a_drawn_step_renders_as_an_image_with_its_alt_text():
    unit = CurriculumUnit(course_code="B04", title="写真・動画の撮影と閲覧", objectives="撮る")
    page = _lesson(unit)
    steps = [block for block in page.body if block.block_type == "steps"]
    assert len(steps) == 2
    html = steps[0].render()
    assert 'src="/static/images/lessons/camera-shutter.svg"' in html
    assert 'alt="カメラの画面の下にある、大きな丸いシャッターボタンの図。"' in html
    assert html.count("<img") == 4  # two steps each for iPhone and Android


def test_a_step_refuses_an_unknown_drawing_and_a_drawing_without_alt_text():
    block = StepBlock()
    good = block.to_python({"text": "押す", "illustration": "camera-shutter.svg", "alt": "図"})
    assert block.clean(good)["illustration"] == "camera-shutter.svg"
    for illustration, alt in (("../settings.py", "図"), ("nothing.svg", "図")):
        value = block.to_python({"text": "押す", "illustration": illustration, "alt": alt})
        with pytest.raises(ValidationError):
            block.clean(value)
    value = block.to_python({"text": "押す", "illustration": "camera-shutter.svg", "alt": ""})
    with pytest.raises(ValidationError):
        block.clean(value)
    assert DeviceStepsBlock().child_blocks["iphone"].child_block.child_blocks["illustration"]
