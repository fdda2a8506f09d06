"""The machine-readable results of the accessibility audit, for the published 試験結果 page.

tests/gates/test_accessibility.py records every page it audits here; when the environment
variable ``ACCESSIBILITY_REPORT_OUT`` names a file (``make accessibility-report`` names
base/data/accessibility_results.json), the results are written there at the end of the module.
The page (base.accessibility, /accessibility/results/) reads that file.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from base.accessibility import FORMAT_VERSION, criteria_of, criterion_results
from tests.browser.support import (
    DESKTOP,
    DESKTOP_STANDARD,
    LARGEST_TEXT_SIZE,
    NARROW,
    NARROW_LARGEST,
    NARROW_STANDARD,
    WCAG_TAGS,
)

ENV_VAR = "ACCESSIBILITY_REPORT_OUT"
CONDITIONS = {
    DESKTOP_STANDARD: {"viewport": DESKTOP, "text_size": "standard"},
    NARROW_STANDARD: {"viewport": NARROW, "text_size": "standard"},
    NARROW_LARGEST: {"viewport": NARROW, "text_size": LARGEST_TEXT_SIZE},
}
# The worst outcome of a rule on a page wins.
_RANK = {"inapplicable": 0, "passes": 1, "incomplete": 2, "violations": 3}


class Results:
    def __init__(self) -> None:
        self.pages: list[dict[str, Any]] = []
        self.rules: dict[str, dict[str, Any]] = {}
        self.axe_version = ""

    def page(self, pattern: str, path: str, visitor: str) -> _Page:
        entry: dict[str, Any] = {
            "pattern": pattern,
            "path": path,
            "visitor": visitor,
            "conditions": [],
            "result": "error",
            "outcomes": {},
            "violations": [],
        }
        self.pages.append(entry)
        return _Page(self, entry)

    def data(self) -> dict[str, Any]:
        pages = sorted(self.pages, key=lambda page: (page["path"], page["visitor"]))
        return {
            "format": FORMAT_VERSION,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _commit(),
            "tool": {"name": "axe-core", "version": self.axe_version, "tags": WCAG_TAGS},
            "browser": "Chromium (Debian) through Playwright",
            "conditions": CONDITIONS,
            "pages": pages,
            "rules": dict(sorted(self.rules.items())),
            "criteria": criterion_results(self.rules, pages),
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.data(), ensure_ascii=False, indent=1, sort_keys=False)
        path.write_text(text + "\n", encoding="utf-8")


class _Page:
    """One audited page: ``record`` is handed to ``audit``; ``finish`` sets pass or fail."""

    def __init__(self, results: Results, entry: dict[str, Any]) -> None:
        self.results = results
        self.entry = entry

    def record(self, condition: str, result: dict) -> None:
        if condition not in self.entry["conditions"]:
            self.entry["conditions"].append(condition)
        if result.get("version"):
            self.results.axe_version = result["version"]
        outcomes = self.entry["outcomes"]
        for outcome in ("inapplicable", "passes", "incomplete", "violations"):
            for rule in result.get(outcome, []):
                self.results.rules.setdefault(
                    rule["id"], {"tags": rule["tags"], "criteria": criteria_of(rule["tags"])}
                )
                if _RANK[outcome] >= _RANK.get(outcomes.get(rule["id"], ""), -1):
                    outcomes[rule["id"]] = outcome
                if outcome == "violations":
                    self.entry["violations"].append(
                        {"rule": rule["id"], "condition": condition, "help": rule.get("help", "")}
                    )

    def finish(self, problems: list[str]) -> None:
        self.entry["result"] = "fail" if problems else "pass"
        self.entry["outcomes"] = dict(sorted(self.entry["outcomes"].items()))


def _commit() -> str:
    try:
        run = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return run.stdout.strip()


def output_path() -> Path | None:
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value) if value else None


Recorder = Callable[[str, dict], None]
