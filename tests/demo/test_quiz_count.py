"""The demo quizzes announce the right number of questions (issue 14: 全6問中 for five).

H5P.SingleChoiceSet's progress text counts the result slide too (``createProgressbar(
numQuestions + 1)``), so ``:total`` is one more than the questions. Our texts state the count
themselves, and it must be the number of questions.
"""

from __future__ import annotations

import json
import re

import pytest

from demo.h5p import build

SETS = [
    name
    for name in build.package_names()
    if build.read_json(build.CONTENT_SRC / name / "h5p.json")["mainLibrary"]
    == "H5P.SingleChoiceSet"
]


def _content(name: str) -> dict:
    return build.read_json(build.CONTENT_SRC / name / "content" / "content.json")


def test_there_are_single_choice_sets_to_check():
    assert "security-quiz" in SETS and len(SETS) >= 3


@pytest.mark.parametrize("name", SETS)
def test_progress_text_states_the_number_of_questions(name):
    content = _content(name)
    text = content["l10n"]["slideOfTotal"]
    assert ":total" not in text, "the library's :total counts the result slide as a question"
    stated = re.search(r"全(\d+)問", text)
    assert stated, text
    assert int(stated.group(1)) == len(content["choices"])
    assert ":num" in text


def test_security_quiz_says_five_questions():
    text = json.dumps(_content("security-quiz"), ensure_ascii=False)
    assert "全5問中" in text and "全6問中" not in text
