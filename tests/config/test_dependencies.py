"""Every third-party package the code imports is declared in pyproject.toml.

A package that only arrives because another one depends on it (as django-ninja and django-filter
once came with wagtail) disappears, or changes major version, when that other one stops needing
it. The apps' imports must be covered by the project's dependencies, the tests' by those plus
the dev extra.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The project's own packages, as setuptools ships them ("config*" → config).
APPS = [name.rstrip("*") for name in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
# bench/ is not a package: its scripts import each other by file name (and tests/bench them).
LOCAL = {*APPS, "tests", "manage", *(path.stem for path in (ROOT / "bench").glob("*.py"))}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    return {_normalise(re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]) for req in requirements}


RUNTIME = _declared(PYPROJECT["project"]["dependencies"])
DEV = RUNTIME | _declared(PYPROJECT["project"]["optional-dependencies"]["dev"])


def _imported(folders: list[Path]) -> dict[str, str]:
    """Top-level third-party names imported under ``folders`` → one file that imports each."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in folder.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in LOCAL:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _undeclared(imported: dict[str, str], declared: set[str]) -> list[str]:
    distributions = packages_distributions()
    problems = []
    for module, where in sorted(imported.items()):
        providers = {_normalise(d) for d in distributions.get(module, [])}
        if not providers & declared:
            problems.append(f"{module} ({where}): from {sorted(providers) or 'not installed'}")
    return problems


@pytest.mark.parametrize(
    ("folders", "declared"),
    [
        pytest.param([ROOT / app for app in APPS], RUNTIME, id="apps"),
        pytest.param([ROOT / "tests"], DEV, id="tests"),
    ],
)
def test_every_imported_package_is_declared(folders, declared):
    problems = _undeclared(_imported(folders), declared)
    assert not problems, "Imported but not declared in pyproject.toml:\n  " + "\n  ".join(problems)


def test_the_check_sees_an_undeclared_import():
    """The check itself: a package that is installed but not declared is reported."""
    assert _undeclared({"pytest": "x.py"}, RUNTIME) == ["pytest (x.py): from ['pytest']"]
