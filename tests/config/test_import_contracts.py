"""The import contracts between the apps ([tool.importlinter] in pyproject.toml).

`make lint` runs `lint-imports`; these tests make `make test` fail on a broken contract too,
and show on a copy of the code that each kind of contract catches a forbidden import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_code_keeps_every_import_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_the_contracts_cover_every_app():
    config = _config()
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    roots = set(config["root_packages"])
    assert apps | {"config"} == roots
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    assert {name.strip() for layer in layers for name in layer.split("|")} == roots
    assert layers[0] == "config" and layers[-1] == "base"


def _copy_of_the_code(target: Path) -> Path:
    """The Python files of every app and the configuration, without data or templates."""
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    for package in _config()["root_packages"]:
        for path in (ROOT / package).rglob("*.py"):
            copy = target / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, copy)
    return target


@pytest.mark.parametrize(
    ("app", "statement", "contract"),
    [
        ("base", "from accounts.roles import has_role", "base imports no project app"),
        ("courses", "from learning import completion", "Layers"),
        ("classes", "import learning.models", "classes and learning are independent"),
        ("training", "import classes.services", "classes and training are independent"),
        ("accounts", "from courses.models import CoursePage", "accounts imports no domain app"),
        ("learning", "import analytics", "No app imports analytics"),
        ("learning", "import demo.courses", "Layers"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, app, statement, contract):
    root = _copy_of_the_code(tmp_path)
    assert _lint(root).returncode == 0
    (root / app / "forbidden_import.py").write_text(f"{statement}\n", encoding="utf-8")

    result = _lint(root)

    assert result.returncode == 1, result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
