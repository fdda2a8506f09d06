"""Write the sources of the per-unit checks of 情報セキュリティ研修 from the lesson data.

The questions live with the lesson texts in ``demo/data/security_lessons.json`` (``check``: the
first answer is the correct one, the player shuffles them). This writes, for every unit with
questions, ``src/content/security-check-<unit>/`` (h5p.json, content/content.json and a
build.json that makes a content-only package: the libraries come from the store, where
``security-quiz.h5p`` put them). ``build.py`` then zips them like the other packages.

    python demo/h5p/security_checks.py          # rewrite the sources
    python demo/h5p/security_checks.py --check  # exit 1 if the sources are out of date

Deterministic: the question ids are UUID-5s of the unit and question number.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
LESSONS = HERE.parent / "data" / "security_lessons.json"
CONTENT_SRC = HERE / "src" / "content"
TEMPLATE = CONTENT_SRC / "security-quiz"
PREFIX = "security-check-"
NAMESPACE = uuid.UUID("6f1c3d52-9a51-4c1e-9a63-1d2b8c0e7a14")


def load_units(path: Path = LESSONS) -> dict[str, dict]:
    """The units of the lesson data by code (S01…S15)."""
    return json.loads(path.read_text(encoding="utf-8"))["units"]


def package_name(code: str) -> str:
    return f"{PREFIX}{code.lower()}"


def package_title(unit_title: str) -> str:
    return f"確認問題：{unit_title}"


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def sources(titles: dict[str, str]) -> dict[Path, str]:
    """Return every file to write (path → text) for the units with questions.

    ``titles``: the unit titles by code (from courses/data/municipal_infosec_training_topics.csv).
    """
    template_h5p = json.loads((TEMPLATE / "h5p.json").read_text(encoding="utf-8"))
    template = json.loads((TEMPLATE / "content" / "content.json").read_text(encoding="utf-8"))
    files: dict[Path, str] = {}
    for code, unit in sorted(load_units().items()):
        questions = unit.get("check") or []
        if not questions:
            continue
        count = len(questions)
        folder = CONTENT_SRC / package_name(code)
        h5p_json = {**template_h5p, "title": package_title(titles[code])}
        content = {
            "choices": [
                {
                    "question": f"<p>{escape(q['question'], quote=False)}</p>",
                    "answers": list(q["answers"]),
                    "subContentId": str(uuid.uuid5(NAMESPACE, f"{code}-{n}")),
                }
                for n, q in enumerate(questions, 1)
            ],
            "behaviour": {**template["behaviour"], "passPercentage": 100},
            "l10n": {**template["l10n"], "slideOfTotal": f"全{count}問中 :num問目"},
            "overallFeedback": [
                {
                    "from": 0,
                    "to": 99,
                    "feedback": (
                        f"{count}問中 :numcorrect問正解です。本文を読み返して、"
                        "もう一度挑戦してください。"
                    ),
                },
                {"from": 100, "to": 100, "feedback": f"{count}問すべて正解です。合格です。"},
            ],
        }
        files[folder / "h5p.json"] = _dump(h5p_json)
        files[folder / "content" / "content.json"] = _dump(content)
        files[folder / "build.json"] = _dump(
            {"libraries": False, "note": "content-only: libraries from security-quiz.h5p"}
        )
    return files


def unit_titles() -> dict[str, str]:
    import csv

    path = HERE.parents[1] / "courses" / "data" / "municipal_infosec_training_topics.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["unit_id"]: row["unit_ja"] for row in csv.DictReader(fh)}


def stale() -> list[Path]:
    """Files whose text differs from what the lesson data gives, and stray check folders."""
    wanted = sources(unit_titles())
    out = [p for p, text in wanted.items() if not p.is_file() or p.read_text("utf-8") != text]
    folders = {p.parent if p.name != "content.json" else p.parent.parent for p in wanted}
    out += [p for p in CONTENT_SRC.glob(f"{PREFIX}*") if p not in folders]
    return out


def write() -> list[Path]:
    written = []
    for path, text in sources(unit_titles()).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale sources")
    args = parser.parse_args(argv)
    if args.check:
        for path in stale():
            print(f"out of date: {path.relative_to(HERE)}", file=sys.stderr)
        return 1 if stale() else 0
    for path in write():
        print(path.relative_to(HERE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
