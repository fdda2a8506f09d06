"""The published accessibility report: the success criteria, and the latest audit's results.

The axe audit (tests/gates/test_accessibility.py) writes ``RESULTS_PATH`` when it runs with
``ACCESSIBILITY_REPORT_OUT`` set (``make accessibility-report``); the file is committed so the
試験結果 page shows the latest published run. This module reads that file and turns each axe
rule's outcome into a result per success criterion, as JIS X 8341-3 reports list them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from base.text_size import TEXT_SIZES

RESULTS_PATH = Path(__file__).resolve().parent / "data" / "accessibility_results.json"
FORMAT_VERSION = 1

# Result of a criterion (JIS X 8341-3 reports: 適合・不適合・該当なし); the last two say plainly
# what the automated test did not decide.
PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "not_applicable"
REVIEW = "review"
NOT_TESTED = "not_tested"
RESULT_LABELS = {
    PASS: _("適合"),
    FAIL: _("不適合"),
    NOT_APPLICABLE: _("該当なし"),
    REVIEW: _("要確認（自動試験で判定できず）"),
    NOT_TESTED: _("自動試験の対象外（未判定）"),
}


@dataclass(frozen=True)
class Criterion:
    number: str
    level: str
    title: Any
    # The WCAG version that added it: 2.0 criteria are those of JIS X 8341-3:2016.
    since: str = "2.0"
    note: Any = ""


# WCAG 2.2 level A and AA success criteria (4.1.1 is in JIS X 8341-3:2016 and was removed
# from WCAG 2.2), with the titles of the Japanese translation.
CRITERIA: tuple[Criterion, ...] = (
    Criterion("1.1.1", "A", _("非テキストコンテンツ")),
    Criterion("1.2.1", "A", _("音声のみ及び映像のみ（収録済）")),
    Criterion("1.2.2", "A", _("キャプション（収録済）")),
    Criterion("1.2.3", "A", _("音声解説、又はメディアに対する代替（収録済）")),
    Criterion("1.2.4", "AA", _("キャプション（ライブ）")),
    Criterion("1.2.5", "AA", _("音声解説（収録済）")),
    Criterion("1.3.1", "A", _("情報及び関係性")),
    Criterion("1.3.2", "A", _("意味のある順序")),
    Criterion("1.3.3", "A", _("感覚的な特徴")),
    Criterion("1.3.4", "AA", _("表示の向き"), "2.1"),
    Criterion("1.3.5", "AA", _("入力目的の特定"), "2.1"),
    Criterion("1.4.1", "A", _("色の使用")),
    Criterion("1.4.2", "A", _("音声の制御")),
    Criterion("1.4.3", "AA", _("コントラスト（最低限）")),
    Criterion("1.4.4", "AA", _("テキストのサイズ変更")),
    Criterion("1.4.5", "AA", _("文字画像")),
    Criterion("1.4.10", "AA", _("リフロー"), "2.1"),
    Criterion("1.4.11", "AA", _("非テキストのコントラスト"), "2.1"),
    Criterion("1.4.12", "AA", _("テキストの間隔"), "2.1"),
    Criterion("1.4.13", "AA", _("ホバー又はフォーカスで表示されるコンテンツ"), "2.1"),
    Criterion("2.1.1", "A", _("キーボード")),
    Criterion("2.1.2", "A", _("キーボードトラップなし")),
    Criterion("2.1.4", "A", _("文字キーのショートカット"), "2.1"),
    Criterion("2.2.1", "A", _("タイミング調整可能")),
    Criterion("2.2.2", "A", _("一時停止、停止、非表示")),
    Criterion("2.3.1", "A", _("3回の閃光、又は閾値以下")),
    Criterion("2.4.1", "A", _("ブロックスキップ")),
    Criterion("2.4.2", "A", _("ページタイトル")),
    Criterion("2.4.3", "A", _("フォーカス順序")),
    Criterion("2.4.4", "A", _("リンクの目的（コンテキスト内）")),
    Criterion("2.4.5", "AA", _("複数の手段")),
    Criterion("2.4.6", "AA", _("見出し及びラベル")),
    Criterion("2.4.7", "AA", _("フォーカスの可視化")),
    Criterion("2.4.11", "AA", _("フォーカスが隠されない（最低限）"), "2.2"),
    Criterion("2.5.1", "A", _("ポインタのジェスチャ"), "2.1"),
    Criterion("2.5.2", "A", _("ポインタのキャンセル"), "2.1"),
    Criterion("2.5.3", "A", _("ラベルを含む名前"), "2.1"),
    Criterion("2.5.4", "A", _("動きによる起動"), "2.1"),
    Criterion("2.5.7", "AA", _("ドラッグ動作"), "2.2"),
    Criterion("2.5.8", "AA", _("ターゲットのサイズ（最低限）"), "2.2"),
    Criterion("3.1.1", "A", _("ページの言語")),
    Criterion("3.1.2", "AA", _("一部分の言語")),
    Criterion("3.2.1", "A", _("フォーカス時")),
    Criterion("3.2.2", "A", _("入力時")),
    Criterion("3.2.3", "AA", _("一貫したナビゲーション")),
    Criterion("3.2.4", "AA", _("一貫した識別性")),
    Criterion("3.2.6", "A", _("一貫したヘルプ"), "2.2"),
    Criterion("3.3.1", "A", _("エラーの特定")),
    Criterion("3.3.2", "A", _("ラベル又は説明")),
    Criterion("3.3.3", "AA", _("エラー修正の提案")),
    Criterion("3.3.4", "AA", _("エラー回避（法的、金融、データ）")),
    Criterion("3.3.7", "A", _("冗長な入力"), "2.2"),
    Criterion("3.3.8", "AA", _("アクセシブルな認証（最低限）"), "2.2"),
    Criterion(
        "4.1.1",
        "A",
        _("構文解析"),
        note=_("JIS X 8341-3:2016 の達成基準。WCAG 2.2 では削除され、常に満たすものとされます。"),
    ),
    Criterion("4.1.2", "A", _("名前 (name)・役割 (role) 及び値 (value)")),
    Criterion("4.1.3", "AA", _("ステータスメッセージ"), "2.1"),
)
CRITERIA_BY_NUMBER = {criterion.number: criterion for criterion in CRITERIA}

_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")


def criteria_of(tags: Iterable[str]) -> list[str]:
    """The success criteria an axe rule checks, from its tags (``wcag1410`` is 1.4.10)."""
    found = []
    for tag in tags:
        match = _SC_TAG.match(tag)
        if match:
            found.append(".".join(match.groups()))
    return found


def criterion_results(rules: dict[str, dict], pages: list[dict]) -> dict[str, dict]:
    """Each criterion's result over every page checked.

    ``rules`` maps a rule id to ``{"criteria": [...]}``; each page has ``outcomes``, a rule id
    to ``passes``, ``violations``, ``incomplete`` or ``inapplicable`` (its worst over the
    conditions checked). A criterion fails when one of its rules found a violation on any page,
    passes when none did and one passed somewhere, needs review when its rules could only say
    "incomplete", and does not apply when they found nothing to check; a criterion no rule
    checks is not decided by the automated test.
    """
    rules_of: dict[str, list[str]] = {}
    for rule_id, rule in rules.items():
        for number in rule.get("criteria", []):
            rules_of.setdefault(number, []).append(rule_id)
    results = {}
    for criterion in CRITERIA:
        checked = sorted(rules_of.get(criterion.number, []))
        failing_pages = []
        seen: set[str] = set()
        for page in pages:
            outcomes = page.get("outcomes", {})
            page_outcomes = {outcomes.get(rule_id) for rule_id in checked} - {None}
            seen |= page_outcomes
            if "violations" in page_outcomes:
                failing_pages.append(page.get("path", ""))
        if not checked:
            result = NOT_TESTED
        elif failing_pages:
            result = FAIL
        elif "passes" in seen:
            result = PASS
        elif "incomplete" in seen:
            result = REVIEW
        else:
            result = NOT_APPLICABLE
        results[criterion.number] = {
            "result": result,
            "rules": checked,
            "failing_pages": failing_pages,
        }
    return results


@dataclass
class Report:
    data: dict[str, Any]

    @property
    def pages(self) -> list[dict]:
        return self.data.get("pages", [])

    def criteria_rows(self) -> list[dict[str, Any]]:
        results = criterion_results(self.data.get("rules", {}), self.pages)
        rows = []
        for criterion in CRITERIA:
            outcome = results[criterion.number]
            rows.append(
                {
                    "criterion": criterion,
                    "result": outcome["result"],
                    "label": RESULT_LABELS[outcome["result"]],
                    "rules": outcome["rules"],
                    "failing_pages": outcome["failing_pages"],
                }
            )
        return rows

    def counts(self) -> list[dict[str, Any]]:
        counts = dict.fromkeys(RESULT_LABELS, 0)
        for row in self.criteria_rows():
            counts[row["result"]] += 1
        return [
            {"result": key, "label": RESULT_LABELS[key], "count": count}
            for key, count in counts.items()
        ]

    @property
    def generated_at(self) -> datetime | None:
        value = self.data.get("generated_at")
        return parse_datetime(value) if isinstance(value, str) else None

    @property
    def tool(self) -> dict[str, Any]:
        return self.data.get("tool", {})

    def condition_labels(self) -> list[str]:
        return [condition_label(c) for c in self.data.get("conditions", {}).values()]

    def page_rows(self) -> list[dict[str, Any]]:
        conditions = self.data.get("conditions", {})
        rows = []
        for page in self.pages:
            rows.append(
                {
                    "pattern": page.get("pattern", ""),
                    "path": page.get("path", ""),
                    "visitor": VISITOR_LABELS.get(page.get("visitor"), page.get("visitor")),
                    "conditions": [
                        condition_label(conditions[name])
                        for name in page.get("conditions", [])
                        if name in conditions
                    ],
                    "result": page.get("result", "error"),
                    "label": PAGE_RESULT_LABELS.get(page.get("result"), page.get("result")),
                    "violations": sorted({v["rule"] for v in page.get("violations", [])}),
                }
            )
        return rows


def load_report(path: Path | None = None) -> Report | None:
    """The latest published results, or ``None`` when the file is missing or unreadable."""
    try:
        data = json.loads((path or RESULTS_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    return Report(data)


# The policy's dates (ウェブアクセシビリティ方針): when it was adopted and until when it runs;
# it is reviewed once a year and whenever the target changes.
POLICY_ADOPTED = date(2026, 12, 3)
POLICY_TARGET = date(2028, 3, 31)

VISITOR_LABELS = {
    "anonymous": _("区民（ログインなし）"),
    "resident": _("区民（ログイン）"),
    "staff": _("職員"),
    "trainer": _("講師"),
    "counter": _("窓口"),
    "admin": _("管理者"),
}
PAGE_RESULT_LABELS = {"pass": _("問題なし"), "fail": _("問題あり"), "error": _("試験できず")}


def condition_label(condition: dict[str, Any]) -> str:
    """「幅 320px・文字 特大」 for a condition of the results file."""
    sizes = dict(TEXT_SIZES)
    width = condition.get("viewport", {}).get("width", "?")
    size = sizes.get(condition.get("text_size", ""), condition.get("text_size", ""))
    return _("幅 %(width)spx・文字 %(size)s") % {"width": width, "size": size}
