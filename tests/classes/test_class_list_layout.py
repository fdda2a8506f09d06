"""The class list's filter disclosure (issue 14): folded while no condition is chosen, open with
a line naming the chosen conditions while any is, and buttons marked to wrap between phrases."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from base.templatetags.phrase_tags import phrase_breaks, phrases
from tests.classes.factories import make_series, make_session, make_venue

pytestmark = pytest.mark.django_db


def _filter_details(html: str) -> str:
    match = re.search(r'<details class="class-filter"[^>]*>.*?</summary>', html, re.S)
    assert match, "the filters are not inside <details class=class-filter>"
    return match.group(0)


def test_filters_are_folded_until_one_is_chosen_then_named(client):
    make_session(make_series(title="はじめてのスマホ"), venue=make_venue("区民ひろば上池袋"))
    url = reverse("classes:session_list")

    folded = _filter_details(client.get(url).content.decode())
    assert " open" not in folded.split(">")[0]
    assert "条件で絞り込む" in folded and "いまの条件" not in folded

    opened = _filter_details(
        client.get(url, {"level": "first", "device": "iphone"}).content.decode()
    )
    assert " open" in opened.split(">")[0]
    summary = re.sub(r"<[^>]+>", "", opened.split("<summary", 1)[1])
    assert "いまの条件" in summary
    assert "レベル はじめて" in summary and "スマホの種類 iPhone" in summary


def test_list_marks_phrase_breaks_in_titles_venues_and_buttons(client):
    make_session(
        make_series(title="写真をとって送ってみよう"), venue=make_venue("区民ひろば西池袋第二")
    )
    html = client.get(reverse("classes:session_list")).content.decode()
    assert "写真をとって<wbr>送ってみよう" in html
    assert "区民ひろば<wbr>西池袋第二" in html


def test_phrase_breaks_follow_particles_not_okurigana():
    assert phrase_breaks("キャンセル待ちで申し込む") == "キャンセル<wbr>待ちで<wbr>申し込む"
    assert phrase_breaks("パスワード") == "パスワード"
    assert phrase_breaks("区民ひろば上池袋") == "区民ひろば<wbr>上池袋"
    assert phrase_breaks("申し込む") == "申し込む"
    assert phrases("<b>区民ひろば要町</b>") == "&lt;b&gt;区民ひろば<wbr>要町&lt;/b&gt;"
