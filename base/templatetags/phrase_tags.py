"""``{{ text|phrases }}``: Japanese text that wraps between phrases (文節), not inside words.

Browsers may break Japanese text between any two characters, so a narrow button reads
キャンセ／ル待ち／で申し and 区民ひろ／ば上池袋. The CSS class ``keep-phrases`` (site.css) sets
``word-break: keep-all``, which forbids those breaks; this filter then marks where a line may
break with ``<wbr>``: after a run of two or more hiragana that is followed by kanji, katakana
or a Latin letter or digit (the particles and endings that close a phrase: で, を, ば, の…),
and after a katakana word followed by kanji (キャンセル|待ち).
A single hiragana between kanji is usually part of the word (申し込む, 受け付け), so it is
left alone. Spaces and punctuation break as usual. A phrase still wider than the line breaks
anywhere (``overflow-wrap``), so nothing overflows.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_PHRASE_END = re.compile(
    r"(?<=[\u3041-\u309f]{2})(?=[\u3400-\u9fff\u30a0-\u30ffー々〆A-Za-z0-9Ａ-Ｚａ-ｚ０-９])"
    # A loanword in katakana ends a word where kanji follow (キャンセル|待ち, パスワード|管理):
    # at 特大 on a 320 px phone キャンセル待ちで alone is wider than a button.
    r"|(?<=[\u30a1-\u30faー]{2})(?=[\u3400-\u9fff])"
)


def phrase_breaks(text: str) -> str:
    """``text`` with ``<wbr>`` at each phrase end (no escaping: the caller escapes)."""
    return _PHRASE_END.sub("<wbr>", text)


@register.filter(is_safe=True)
def phrases(value: object) -> SafeString:
    """Escape ``value`` and mark its phrase ends with ``<wbr>``."""
    return mark_safe(phrase_breaks(str(conditional_escape(value))))  # noqa: S308
