"""Which H5P content types the platform knows, and how the server scores them: one registry.

For every main library (machine name) the registry says whether it is scored, how its maximum
score follows from ``content.json`` and whether the server can re-score a statement from the
answers it carries (``result.response``). Each rule below is a port of the content type's own
JavaScript (the library versions in tests/fixtures/h5p and demo/h5p; see
docs/h5p-scoring.md), so the server computes what the player would have computed from the same
answers. Three scoring modes:

- ``verified``: the server re-scores from the chosen answers and uses its own score
  (TrueFalse, MultiChoice, SingleChoiceSet, and QuestionSet built only of those).
- ``trusted``: the browser's raw score is used, checked to lie within 0 and the server's
  maximum; a statement with another maximum is refused. When the server cannot derive the
  maximum (``max_score`` None: containers, DragQuestion, ...), only the bounds are checked.
- ``unscored``: informational content (text, accordion, greeting card...); completion alone
  finishes it.

Unknown content types are treated as scored (trusted, maximum unknown): a new type can never
pass without a score.

The *answer key* stored on the package holds what re-scoring needs: the top-level question's
key and, for sets, the key of each question by its ``subContentId`` (the id H5P appends to the
object IRI of the child statements).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

VERIFIED = "verified"
TRUSTED = "trusted"
UNSCORED = "unscored"

SCORING_CHOICES = [
    (VERIFIED, _("サーバーで採点（回答から再計算） / verified by the server")),
    (TRUSTED, _("ブラウザの得点を満点の範囲で確認 / browser score, checked against the maximum")),
    (UNSCORED, _("採点なし（閲覧で修了） / unscored")),
]

# Content without questions: completion alone finishes it.
UNSCORED_TYPES = frozenset(
    {
        "H5P.Accordion",
        "H5P.AdvancedText",
        "H5P.Agamotto",
        "H5P.Audio",
        "H5P.Chart",
        "H5P.Collage",
        "H5P.Dialogcards",
        "H5P.DocumentationTool",
        "H5P.GreetingCard",
        "H5P.IFrameEmbed",
        "H5P.Image",
        "H5P.ImageHotspots",
        "H5P.ImageSlider",
        "H5P.Link",
        "H5P.Table",
        "H5P.Text",
        "H5P.Timeline",
        "H5P.TwitterUserFeed",
        "H5P.Video",
    }
)
# Containers: scored when any content inside them is.
CONTAINER_TYPES = frozenset({"H5P.Column", "H5P.CoursePresentation", "H5P.InteractiveVideo"})


@dataclass(frozen=True)
class Analysis:
    """What the server knows about one package (or one question inside it)."""

    library: str
    scored: bool
    max_score: float | None
    scoring: str
    # The top-level key for verified content ({"type": ..., ...}), else None.
    key: dict | None = None
    # Keys of verifiable questions inside, by subContentId.
    children: dict[str, dict] = field(default_factory=dict)

    def as_fields(self) -> dict[str, Any]:
        """The H5PPackage fields this analysis fills."""
        answer_key = {"key": self.key, "children": self.children} if self.key else {}
        return {
            "content_type": self.library,
            "scored": self.scored,
            "max_score": self.max_score,
            "scoring": self.scoring,
            "answer_key": answer_key,
        }


def machine_name(library: Any) -> str:
    """``"H5P.MultiChoice 1.16"`` → ``"H5P.MultiChoice"`` (sub-content names carry a version)."""
    return library.split(" ", 1)[0] if isinstance(library, str) else ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return float(value)


# --- TrueFalse (H5P.TrueFalse 1.6, scripts/h5p-true-false.js) ----------------------------
# MAX_SCORE is 1; the response is "true" or "false" (the chosen answer), "" when unanswered;
# params.correct defaults to "true".


def true_false_key(params: dict) -> dict:
    return {
        "type": "H5P.TrueFalse",
        "correct": "false" if params.get("correct") == "false" else "true",
        "max": 1.0,
    }


def score_true_false(key: dict, response: Any) -> float:
    return 1.0 if isinstance(response, str) and response == key["correct"] else 0.0


# --- MultiChoice (H5P.MultiChoice 1.14/1.16, js/multichoice.js) ---------------------------
# calcScore(): +weight for each chosen correct answer, -weight for each chosen wrong one, never
# below 0; with no correct answer at all ("blank is correct") an empty choice scores the
# task's weight; singlePoint turns the score into weight or 0 at the pass percentage.
# getMaxScore(): the sum of correct answers' weights for multi-answer tasks without
# singlePoint, the task's weight (1) otherwise. The response lists the chosen answers'
# original indices joined by "[,]" (randomAnswers maps them back to the original order).


def multi_choice_key(params: dict) -> dict:
    answers = [_dict(a) for a in _list(params.get("answers"))]
    behaviour = _dict(params.get("behaviour"))
    correct = [bool(a.get("correct")) for a in answers]
    weights = [_number(a.get("weight"), 1.0) for a in answers]
    num_correct = sum(correct)
    kind = behaviour.get("type", "auto")
    single_answer = num_correct == 1 if kind == "auto" else kind == "single"
    weight = _number(params.get("weight"), 1.0)
    key = {
        "type": "H5P.MultiChoice",
        "correct": correct,
        "weights": weights,
        "single_answer": single_answer,
        "single_point": bool(behaviour.get("singlePoint", True)),
        "pass_percentage": _number(behaviour.get("passPercentage"), 100.0),
        "weight": weight,
        "blank_is_correct": num_correct == 0,
    }
    key["max"] = _mc_full_max(key) if not (single_answer or key["single_point"]) else weight
    return key


def _mc_full_max(key: dict) -> float:
    """calculateMaxScore()."""
    if key["blank_is_correct"]:
        return key["weight"]
    return sum(w for c, w in zip(key["correct"], key["weights"], strict=True) if c)


def parse_choices(response: Any, count: int) -> list[int] | None:
    """The chosen answers of a choice response, or None when it is not one H5P could send."""
    if not isinstance(response, str):
        return None
    if response == "":
        return []
    chosen: list[int] = []
    for part in response.split("[,]"):
        if not part.isdigit() or len(part) > 4:
            return None
        index = int(part)
        if index >= count or index in chosen:
            return None
        chosen.append(index)
    return chosen


def score_multi_choice(key: dict, response: Any) -> float:
    chosen = parse_choices(response, len(key["correct"]))
    if chosen is None or (key["single_answer"] and len(chosen) > 1):
        return 0.0
    score = 0.0
    for index in chosen:
        weight = key["weights"][index]
        score += weight if key["correct"][index] else -weight
    score = max(score, 0.0)
    if not chosen and key["blank_is_correct"]:
        score = key["weight"]
    if key["single_point"]:
        full = _mc_full_max(key)
        passed = full > 0 and 100 * score / full >= key["pass_percentage"]
        score = key["weight"] if passed else 0.0
    return min(score, key["max"])


# --- SingleChoiceSet (H5P.SingleChoiceSet 1.11, scripts/single-choice-set.js) --------------
# Choices without ``answers`` are dropped; the first answer of each choice is the correct one
# (the player shuffles them and reports the original index). Each question sends an
# ``answered`` child statement (object IRI + ?subContentId=<choice's subContentId>) whose
# response is that index; score 1 when it is "0". The set's score is the number of questions
# answered correctly, its maximum the number of questions; the top-level ``completed``
# statement carries no responses, so the server sums the attempt's child statements.


def single_choice_set_key(params: dict) -> tuple[dict, dict[str, dict]]:
    # `choice !== undefined && !!choice.answers`: an empty list is truthy in JavaScript.
    choices = [
        c
        for c in _list(params.get("choices"))
        if isinstance(c, dict) and isinstance(c.get("answers"), list)
    ]
    children: dict[str, dict] = {}
    questions: list[str] = []
    for choice in choices:
        sub_id = choice.get("subContentId")
        count = len(_list(choice.get("answers")))
        if isinstance(sub_id, str) and sub_id:
            children[sub_id] = {"type": "SingleChoiceSet.choice", "answers": count, "max": 1.0}
            questions.append(sub_id)
    key = {"type": "H5P.SingleChoiceSet", "questions": questions, "max": float(len(choices))}
    return key, children


def score_single_choice(key: dict, response: Any) -> float:
    return 1.0 if response == "0" else 0.0


# --- QuestionSet (H5P.QuestionSet 1.x, js/questionset.js) ----------------------------------
# getScore()/getMaxScore() are the sums over the question instances. With poolSize only that
# many questions are drawn: the maximum is known only when every question has the same one.
# Each question's ``answered`` statement is a child statement with its subContentId.


def question_set_analysis(params: dict) -> Analysis:
    questions = [_dict(q) for q in _list(params.get("questions"))]
    analyses = [
        (q.get("subContentId"), analyse(machine_name(q.get("library")), _dict(q.get("params"))))
        for q in questions
    ]
    maxima = [a.max_score for _sub, a in analyses if a.scored]
    known = all(m is not None for m in maxima)
    pool = int(_number(params.get("poolSize"), 0))
    if not known:
        max_score = None
    elif 0 < pool < len(analyses):
        max_score = (
            maxima[0] * pool
            if maxima and len(set(maxima)) == 1 and len(maxima) == len(analyses)
            else None
        )
    else:
        max_score = float(sum(m for m in maxima if m is not None))
    verifiable = (
        bool(analyses)
        and max_score is not None
        and all(
            a.scoring == VERIFIED
            and a.key is not None
            and a.key["type"] in DIRECT_SCORERS
            and isinstance(sub, str)
            and sub
            for sub, a in analyses
        )
    )
    if not verifiable:
        return Analysis("H5P.QuestionSet", True, max_score, TRUSTED)
    children = {sub: a.key for sub, a in analyses}
    key = {"type": "H5P.QuestionSet", "questions": list(children), "max": max_score}
    return Analysis("H5P.QuestionSet", True, max_score, VERIFIED, key, children)


# --- Trusted question types: the maximum from content.json -------------------------------


def _blanks_clozes(question: str) -> int:
    """Blanks.prototype.handleBlanks (H5P.Blanks 1.12/1.14): count the ``*answer*`` clozes."""
    count = 0
    clozeEnd = 0  # noqa: N806 (mirrors the JavaScript)
    start = question.find("*")
    while start != -1 and clozeEnd != -1:
        start += 1
        clozeEnd = question.find("*", start)  # noqa: N806
        if clozeEnd == -1:
            continue
        content = question[start:clozeEnd]
        replacer = ""
        if content:
            count += 1
            replacer = "#"  # any non-asterisk placeholder of the input field
            clozeEnd += 1  # noqa: N806
        else:
            start += 1
        question = question[: start - 1] + replacer + question[clozeEnd:]
        clozeEnd -= clozeEnd - start - len(replacer)  # noqa: N806
        start = question.find("*", clozeEnd)
    return count


def blanks_max(params: dict) -> float:
    return float(
        sum(_blanks_clozes(q) for q in _list(params.get("questions")) if isinstance(q, str))
    )


def drag_text_max(params: dict) -> float:
    """H5P.DragText 1.8 parseText: each ``*word*`` segment of textField is a drop zone."""
    text = params.get("textField")
    if not isinstance(text, str):
        return 0.0
    return float(sum(1 for part in re.split(r"(\*.*?\*)", text) if re.fullmatch(r"\*.*?\*", part)))


def summary_max(params: dict) -> float:
    """H5P.Summary 1.10 getMaxScore: the summaries that have a ``summary`` list."""
    return float(
        sum(1 for s in _list(params.get("summaries")) if isinstance(s, dict) and "summary" in s)
    )


# Question types whose maximum the server derives but whose score it trusts (bounded).
TRUSTED_MAX: dict[str, Callable[[dict], float]] = {
    "H5P.Blanks": blanks_max,
    "H5P.DragText": drag_text_max,
    "H5P.Summary": summary_max,
}
# Scored question types whose maximum the server does not derive (yet).
SCORED_UNKNOWN_MAX = frozenset(
    {
        "H5P.DragQuestion",
        "H5P.MarkTheWords",
        "H5P.ImageHotspotQuestion",
        "H5P.ImageMultipleHotspotQuestion",
        "H5P.ImagePair",
        "H5P.ImageSequencing",
        "H5P.MemoryGame",
        "H5P.ArithmeticQuiz",
        "H5P.Essay",
        "H5P.SortParagraphs",
        "H5P.SpeakTheWords",
        "H5P.SpeakTheWordsSet",
    }
)

# Keys scored from a statement's own response.
DIRECT_SCORERS: dict[str, Callable[[dict, Any], float]] = {
    "H5P.TrueFalse": score_true_false,
    "H5P.MultiChoice": score_multi_choice,
    "SingleChoiceSet.choice": score_single_choice,
}
# Keys scored as the sum of their questions' child statements.
SET_TYPES = frozenset({"H5P.SingleChoiceSet", "H5P.QuestionSet"})


def _container_children(library: str, params: dict) -> list[tuple[str, dict]]:
    """(machine name, params) of the content directly inside a container."""
    found: list[tuple[str, dict]] = []

    def take(item: Any) -> None:
        item = _dict(item)
        if "library" in item:
            found.append((machine_name(item.get("library")), _dict(item.get("params"))))

    if library == "H5P.Column":
        for entry in _list(params.get("content")):
            take(_dict(entry).get("content"))
    elif library == "H5P.CoursePresentation":
        presentation = _dict(params.get("presentation"))
        for slide in _list(presentation.get("slides")):
            for element in _list(_dict(slide).get("elements")):
                take(_dict(element).get("action"))
    elif library == "H5P.InteractiveVideo":
        assets = _dict(_dict(params.get("interactiveVideo")).get("assets"))
        for interaction in _list(assets.get("interactions")):
            take(_dict(interaction).get("action"))
    return found


def analyse(library: str, params: dict, depth: int = 0) -> Analysis:
    """Return what the server knows about content of type ``library`` with ``params``."""
    params = _dict(params)
    if library == "H5P.TrueFalse":
        key = true_false_key(params)
        return Analysis(library, True, key["max"], VERIFIED, key)
    if library == "H5P.MultiChoice":
        key = multi_choice_key(params)
        return Analysis(library, True, key["max"], VERIFIED, key)
    if library == "H5P.SingleChoiceSet":
        key, children = single_choice_set_key(params)
        if len(children) != len(key["questions"]) or not children:
            return Analysis(library, True, key["max"], TRUSTED)
        return Analysis(library, True, key["max"], VERIFIED, key, children)
    if library == "H5P.QuestionSet":
        return question_set_analysis(params)
    if library in TRUSTED_MAX:
        return Analysis(library, True, TRUSTED_MAX[library](params), TRUSTED)
    if library in UNSCORED_TYPES:
        return Analysis(library, False, None, UNSCORED)
    if library in CONTAINER_TYPES and depth < 4:
        inner = [analyse(name, p, depth + 1) for name, p in _container_children(library, params)]
        if not any(a.scored for a in inner):
            return Analysis(library, False, None, UNSCORED)
        return Analysis(library, True, None, TRUSTED)
    # Known scored types without a derived maximum, and every unknown type.
    return Analysis(library, True, None, TRUSTED)


def analyse_package(main_library: str, content: Any) -> Analysis:
    """Analyse a package from its main library's machine name and parsed content.json."""
    return analyse(main_library, _dict(content))


# --- Re-scoring -----------------------------------------------------------------------------


def score_response(key: dict, response: Any) -> float:
    """The server's score of one question's statement from its ``result.response``."""
    return DIRECT_SCORERS[key["type"]](key, response)


def is_set(key: dict | None) -> bool:
    return bool(key) and key["type"] in SET_TYPES


def set_score(key: dict, child_scores: dict[str, float]) -> float:
    """A set's score: the sum of its questions' latest child scores (unanswered count 0)."""
    return min(sum(child_scores.get(sub, 0.0) for sub in key["questions"]), key["max"])
