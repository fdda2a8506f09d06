"""The audit view shows readable labels: every action code written anywhere has one.

The codes are collected from the source (``log_action("…")`` calls and the ``…_action = "…"``
attributes of the audited admin views), so a new code without a label fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from base.audit import action_label, log_action, registered_actions
from tests.gates.support import sign_in

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "tests", "migrations", "static"}
WRITTEN = re.compile(r'log_action\(\s*"([^"]+)"|\b\w*_action\s*=\s*"([a-z_]+\.[a-z_.]+)"')


def written_codes() -> dict[str, str]:
    codes = {}
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        for match in WRITTEN.finditer(path.read_text(encoding="utf-8")):
            codes[match.group(1) or match.group(2)] = str(path.relative_to(ROOT))
    return codes


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
