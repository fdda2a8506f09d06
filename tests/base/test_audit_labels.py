"""The audit view shows readable labels: every action code and data field written has one.

The codes are collected from the source (``log_action("…")`` calls, the ``…_action = "…"``
attributes of the audited admin views and any other dotted ``app.thing.done`` string in a
module that writes audit entries, such as a dict of codes per outcome), and the data fields
from the ``data=`` of every ``log_action`` call, so a new code or field without a label fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from base.audit import (
    action_label,
    field_label,
    log_action,
    registered_actions,
    registered_fields,
)
from tests.gates.support import sign_in

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "tests", "migrations", "static"}
WRITTEN = re.compile(r'log_action\(\s*"([^"]+)"|\b\w*_action\s*=\s*"([a-z_]+\.[a-z_.]+)"')


APPS = ("accounts", "analytics", "base", "classes", "courses", "learning", "training")
# A dotted string that is not a keyed hash's salt (salted_hmac("base.audit.query", …)).
DOTTED = re.compile(rf'(?<!salted_hmac\()"((?:{"|".join(APPS)})\.[a-z_]+\.[a-z_]+)"')


def source_files():
    for path in ROOT.rglob("*.py"):
        if not SKIP & set(path.relative_to(ROOT).parts):
            yield path, path.read_text(encoding="utf-8")


def written_codes() -> dict[str, str]:
    codes = {}
    for path, text in source_files():
        where = str(path.relative_to(ROOT))
        for match in WRITTEN.finditer(text):
            codes[match.group(1) or match.group(2)] = where
        if "log_action(" in text:
            # Codes kept in dicts or constants (e.g. one code per call outcome).
            for match in DOTTED.finditer(text):
                if not match.group(1).endswith((".py", ".html")):
                    codes.setdefault(match.group(1), where)
    return codes


def _call_name(node: ast.Call) -> str | None:
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def written_fields() -> dict[str, str]:
    """The keys of ``data`` in every ``log_action`` call: a dict literal, or a dict variable
    built in the same function (``data = {…}`` and ``data["key"] = …``)."""
    fields: dict[str, str] = {}
    for path, text in source_files():
        if "log_action(" not in text:
            continue
        where = str(path.relative_to(ROOT))
        for function in ast.walk(ast.parse(text)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            built: dict[str, set[str]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict):
                        built.setdefault(target.id, set()).update(
                            k.value for k in node.value.keys if isinstance(k, ast.Constant)
                        )
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and isinstance(target.slice, ast.Constant)
                    ):
                        built.setdefault(target.value.id, set()).add(target.slice.value)
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and _call_name(node) == "log_action"):
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "data":
                        continue
                    if isinstance(keyword.value, ast.Dict):
                        keys = {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
                    elif isinstance(keyword.value, ast.Name):
                        keys = built.get(keyword.value.id, set())
                    else:
                        keys = set()
                    fields.update(dict.fromkeys(keys, where))
    return fields


def test_the_collector_finds_the_codes():
    codes = written_codes()
    assert "classes.roster.viewed" in codes
    assert "learning.training.overdue_viewed" in codes
    assert "classes.booking.searched" in codes  # the admin listing's attribute
    assert len(codes) >= 25


def test_every_written_code_has_a_label():
    labels = registered_actions()
    missing = {code: where for code, where in written_codes().items() if code not in labels}
    assert not missing


def test_the_collector_finds_the_data_fields():
    fields = written_fields()
    # A dict literal, a dict built before the call, and a key added to it afterwards.
    assert {"sessions", "skipped", "copied_from"} <= set(fields)
    assert {"results", "filters", "query"} <= set(fields)
    assert len(fields) >= 30


def test_every_written_data_field_has_a_label():
    labels = registered_fields()
    missing = {key: where for key, where in written_fields().items() if key not in labels}
    assert not missing


def test_roster_import_counts_have_labels():
    from accounts.roster import _report_counts

    class AnyCount:
        def __getattr__(self, name: str) -> int:
            return 0

    names = {name for name, _count in _report_counts(AnyCount())}
    assert names and names <= set(registered_fields())


def test_labels_follow_the_language_and_unknown_codes_show_as_they_are():
    with translation.override("ja"):
        assert action_label("learning.training.overdue_viewed") == "研修の期限切れ一覧を表示"
    with translation.override("en"):
        assert action_label("learning.training.overdue_viewed") == (
            "View the list of overdue training"
        )
    assert action_label("someone.else.did") == "someone.else.did"


@pytest.mark.django_db
def test_the_admin_audit_list_and_entry_show_the_label(client, make_user):
    admin = make_user(Role.ADMIN, mfa=True)
    entry = log_action("learning.training.overdue_viewed", user=admin)
    sign_in(client, admin)
    listing = client.get(reverse("wagtailsnippets_base_auditentry:list")).content.decode()
    assert "研修の期限切れ一覧を表示" in listing
    inspect = client.get(
        reverse("wagtailsnippets_base_auditentry:inspect", args=[entry.pk])
    ).content.decode()
    assert "研修の期限切れ一覧を表示" in inspect


@pytest.mark.django_db
def test_the_audit_entry_shows_its_data_with_readable_field_names(client, make_user):
    admin = make_user(Role.ADMIN, mfa=True)
    entry = log_action(
        "classes.series.scheduled",
        user=admin,
        data={"sessions": [11, 12], "skipped": ["2027-01-11"], "copied_from": None, "x_new": 1},
    )
    sign_in(client, admin)
    html = client.get(
        reverse("wagtailsnippets_base_auditentry:inspect", args=[entry.pk])
    ).content.decode()
    assert "回をまとめて作成" in html
    for label in ("作成した回", "休みのため飛ばした日", "コピー元の教室"):
        assert f"<dt>{label}</dt>" in html
    assert "2027-01-11" in html and "11、12" in html
    assert "<dt>x_new</dt>" in html  # an unknown field shows as it is
    assert '"sessions"' not in html


def test_field_labels_follow_the_language():
    with translation.override("ja"):
        assert field_label("results") == "件数"
    with translation.override("en"):
        assert field_label("unknown_key") == "unknown_key"
