"""Property tests (hypothesis) for the xAPI parser and the server's H5P scoring.

- Any JSON, or any bytes, given to the parser and the ingest service ends as an XapiError or a
  stored statement, never another exception; a stored score never exceeds its maximum.
- Re-scoring agrees with a reference: a line-by-line transliteration of H5P.MultiChoice's
  ``calcScore``/``getMaxScore`` (js/multichoice.js 1.16) and H5P.TrueFalse, for random tasks and
  random answer sets; whatever the response text, the score stays within 0 and the maximum.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from learning.h5p import content_types
from learning.models import XapiStatement
from learning.xapi import XapiError, ingest_statement, parse_body
from tests.learning.lesson_support import course, h5p_block, lesson, package, statement

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
VERBS = ["answered", "completed", "experienced", "failed", "passed", "progressed", "voided", 3]


# --- the parser -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()))
def test_parse_body_answers_a_dict_or_an_xapi_error(body):
    try:
        parsed = parse_body(body)
    except XapiError as error:
        assert error.status in (400, 413) and error.detail
    else:
        assert isinstance(parsed, dict)


@pytest.fixture
def quiz_page(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    quiz = package("single-choice-set.h5p", title="クイズ")
    return quiz, lesson(course(pass_mark=80), "l1", [h5p_block(quiz)])


def _mutated(quiz, changes: dict) -> dict:
    """A real statement of the quiz with some parts replaced by arbitrary JSON."""
    data = statement(quiz, "answered", raw=1, max=3, success=True, response="0")
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for part in parents:
            if not isinstance(target.get(part), dict):
                target[part] = {}
            target = target[part]
        target[last] = value
    return data


PATHS = st.sampled_from(
    [
        "verb.id",
        "object.id",
        "result",
        "result.score",
        "result.score.raw",
        "result.score.max",
        "result.score.min",
        "result.response",
        "result.success",
        "context",
        "context.contextActivities.parent",
        "actor",
    ]
)


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    changes=st.dictionaries(PATHS, JSON | st.sampled_from(VERBS), max_size=3),
    sub=st.sampled_from(["", "?subContentId=51445ea9-9c98-437a-8981-72d46d6e86c4", "?x=1"]),
)
def test_ingest_stores_or_refuses_any_statement(make_user, quiz_page, changes, sub):
    quiz, page = quiz_page
    learner = make_user(None)
    data = _mutated(quiz, changes)
    if isinstance(data.get("object"), dict) and isinstance(data["object"].get("id"), str):
        data["object"]["id"] += sub
    try:
        # The endpoint's path: the body is parsed first, then ingested.
        stored = ingest_statement(learner, page, parse_body(json.dumps(data).encode()))
    except XapiError as error:
        assert error.detail
        event(f"refused: {error.code}")
        return
    event("stored")
    assert XapiStatement.objects.filter(pk=stored.pk).exists()
    if stored.score_raw is not None:
        assert 0 <= stored.score_raw <= stored.score_max
        if stored.top_level:
            assert stored.score_max == quiz.max_score


# --- re-scoring against a reference ---------------------------------------------------------


def reference_multi_choice(params: dict, user_answers: list[int]) -> tuple[float, float]:
    """H5P.MultiChoice 1.16, transliterated: (score, getMaxScore()) for the chosen answers."""
    answers = params["answers"]
    behaviour = {"type": "auto", "singlePoint": True, "passPercentage": 100, **params["behaviour"]}
    weight = 1
    num_correct = len([a for a in answers if a.get("correct")])
    blank_is_correct = num_correct == 0
    if behaviour["type"] == "auto":
        single_answer = num_correct == 1
    else:
        single_answer = behaviour["type"] == "single"

    def calculate_max_score():
        if blank_is_correct:
            return weight
        total = 0
        for choice in answers:
            if choice.get("correct"):
                total += choice.get("weight", 1)
        return total

    def get_max_score():
        if not single_answer and not behaviour["singlePoint"]:
            return calculate_max_score()
        return weight

    score = 0
    for answer in user_answers:
        choice = answers[answer]
        w = choice.get("weight", 1)
        if choice.get("correct"):
            score += w
        else:
            score -= w
    if score < 0:
        score = 0
    if not user_answers and blank_is_correct:
        score = weight
    if behaviour["singlePoint"]:
        passed = (100 * score / calculate_max_score()) >= behaviour["passPercentage"]
        score = weight if passed else 0
    return score, get_max_score()


@st.composite
def multi_choice_task(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    answers = []
    for _ in range(count):
        answer = {"text": "x", "correct": draw(st.booleans())}
        if draw(st.booleans()):
            answer["weight"] = draw(st.integers(min_value=1, max_value=3))
        answers.append(answer)
    behaviour = {}
    if draw(st.booleans()):
        behaviour["type"] = draw(st.sampled_from(["auto", "single", "multi"]))
    if draw(st.booleans()):
        behaviour["singlePoint"] = draw(st.booleans())
    if draw(st.booleans()):
        behaviour["passPercentage"] = draw(st.integers(min_value=0, max_value=100))
    params = {"answers": answers, "behaviour": behaviour}
    key = content_types.multi_choice_key(params)
    limit = 1 if key["single_answer"] else count
    chosen = draw(st.lists(st.integers(0, count - 1), unique=True, max_size=limit))
    return params, chosen


@settings(max_examples=500, deadline=None)
@given(task=multi_choice_task(), shuffled=st.randoms(use_true_random=False))
def test_multi_choice_rescoring_agrees_with_the_reference(task, shuffled):
    params, chosen = task
    key = content_types.multi_choice_key(params)
    expected, expected_max = reference_multi_choice(params, chosen)
    order = list(chosen)
    shuffled.shuffle(order)  # the player reports the chosen answers in any order
    response = "[,]".join(str(i) for i in order)
    server = content_types.score_response(key, response)
    assert key["max"] == expected_max
    assert server == min(expected, expected_max)
    assert 0 <= server <= key["max"]


@settings(max_examples=300, deadline=None)
@given(task=multi_choice_task(), response=st.text(max_size=30) | st.none() | st.integers())
def test_multi_choice_score_stays_within_bounds_for_any_response(task, response):
    params, _chosen = task
    key = content_types.multi_choice_key(params)
    assert 0 <= content_types.score_response(key, response) <= key["max"]


@settings(max_examples=100, deadline=None)
@given(correct=st.sampled_from(["true", "false", None, "yes"]), response=JSON)
def test_true_false_rescoring_agrees_with_the_reference(correct, response):
    params = {} if correct is None else {"correct": correct}
    key = content_types.true_false_key(params)
    solution = "false" if params.get("correct") == "false" else "true"  # the library default
    assert content_types.score_response(key, response) == (1.0 if response == solution else 0.0)


@settings(max_examples=200, deadline=None)
@given(
    questions=st.lists(
        st.one_of(
            st.sampled_from(["true", "false"]).map(lambda c: ("H5P.TrueFalse 1.6", {"correct": c})),
            multi_choice_task().map(lambda t: ("H5P.MultiChoice 1.16", t[0])),
        ),
        min_size=1,
        max_size=5,
    ),
    scores=st.dictionaries(st.sampled_from(["q0", "q1", "q2", "q3", "q4", "zz"]), st.floats(0, 5)),
)
def test_question_set_maximum_is_the_sum_and_its_score_never_exceeds_it(questions, scores):
    params = {
        "questions": [
            {"library": lib, "params": p, "subContentId": f"q{i}"}
            for i, (lib, p) in enumerate(questions)
        ]
    }
    analysis = content_types.analyse("H5P.QuestionSet", params)
    maxima = [content_types.analyse(lib.split()[0], p).max_score for lib, p in questions]
    assert analysis.scoring == content_types.VERIFIED
    assert analysis.max_score == pytest.approx(sum(maxima))
    assert 0 <= content_types.set_score(analysis.key, scores) <= analysis.max_score
