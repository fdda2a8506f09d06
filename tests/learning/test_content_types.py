"""learning.h5p.content_types: what the server derives from each real package's content.json."""

from __future__ import annotations

import json
import zipfile

import pytest

from demo.h5p import DIST
from learning.h5p.content_types import TRUSTED, UNSCORED, VERIFIED, analyse, analyse_package
from tests.learning.h5p_support import FIXTURES


def _analyse(path):
    with zipfile.ZipFile(path) as zf:
        h5p = json.loads(zf.read("h5p.json"))
        content = json.loads(zf.read("content/content.json"))
    return analyse_package(h5p["mainLibrary"], content)


@pytest.mark.parametrize(
    ("path", "library", "scored", "max_score", "scoring"),
    [
        (FIXTURES / "true-false-hello-world.h5p", "H5P.TrueFalse", True, 1, VERIFIED),
        (FIXTURES / "single-choice-set.h5p", "H5P.SingleChoiceSet", True, 3, VERIFIED),
        (FIXTURES / "fill-in-the-blanks.h5p", "H5P.Blanks", True, 3, TRUSTED),
        (FIXTURES / "interactive-video.h5p", "H5P.InteractiveVideo", True, None, TRUSTED),
        (
            FIXTURES / "course-presentation-all-libraries.h5p",
            "H5P.CoursePresentation",
            True,
            None,
            TRUSTED,
        ),
        (FIXTURES / "minimal-valid-greetingcard.h5p", "H5P.GreetingCard", False, None, UNSCORED),
        (DIST / "security-quiz.h5p", "H5P.SingleChoiceSet", True, 5, VERIFIED),
        (DIST / "smartphone-basics-quiz.h5p", "H5P.SingleChoiceSet", True, 3, VERIFIED),
        (DIST / "sms-scam-true-false.h5p", "H5P.TrueFalse", True, 1, VERIFIED),
    ],
)
def test_real_packages(path, library, scored, max_score, scoring):
    found = _analyse(path)
    assert (found.library, found.scored, found.max_score, found.scoring) == (
        library,
        scored,
        max_score,
        scoring,
    )


def test_single_choice_set_key_lists_each_questions_sub_content_id():
    found = _analyse(FIXTURES / "single-choice-set.h5p")
    assert found.key["questions"] == list(found.children)
    assert found.children["51445ea9-9c98-437a-8981-72d46d6e86c4"]["max"] == 1


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        (["*blue*berries and *Cloud*berries"], 2),
        (["no cloze", "one *a/b* here"], 1),
        (["an empty ** pair, then *one*"], 1),
        (["unclosed *star"], 0),
    ],
)
def test_blanks_maximum_counts_clozes_as_handle_blanks_does(questions, expected):
    assert analyse("H5P.Blanks", {"questions": questions}).max_score == expected


def test_unknown_types_are_scored_and_containers_without_questions_are_not():
    assert analyse("H5P.SomethingNew", {}).scoring == TRUSTED
    assert analyse("H5P.SomethingNew", {}).scored is True
    text_only = {"content": [{"content": {"library": "H5P.AdvancedText 1.1", "params": {}}}]}
    assert analyse("H5P.Column", text_only).scoring == UNSCORED
    with_quiz = {"content": [{"content": {"library": "H5P.TrueFalse 1.6", "params": {}}}]}
    assert analyse("H5P.Column", with_quiz).scored is True


def test_question_set_with_other_questions_is_trusted_and_a_mixed_pool_has_no_maximum():
    blanks = {"library": "H5P.Blanks 1.14", "params": {"questions": ["*a*"]}, "subContentId": "b"}
    tf = {"library": "H5P.TrueFalse 1.6", "params": {}, "subContentId": "t"}
    assert analyse("H5P.QuestionSet", {"questions": [blanks, tf]}).scoring == TRUSTED
    assert analyse("H5P.QuestionSet", {"questions": [blanks, tf]}).max_score == 2
    mc = {
        "library": "H5P.MultiChoice 1.16",
        "params": {
            "answers": [{"correct": True}, {"correct": True}],
            "behaviour": {"singlePoint": False},
        },
        "subContentId": "m",
    }
    assert analyse("H5P.QuestionSet", {"questions": [tf, mc], "poolSize": 1}).max_score is None
    assert analyse("H5P.QuestionSet", {"questions": [tf, tf], "poolSize": 1}).max_score == 1
