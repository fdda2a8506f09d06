"""The roster import writes its audit records itself: from the command and the admin upload.

One ``accounts.roster.imported`` entry per import (who, where from, the counts) and one
``accounts.user.deactivated`` per person ``--deactivate-missing`` switched off. A dry run or
preview writes nothing, so it records nothing.
"""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role
from base.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = "職員番号,氏名,氏名カナ,メールアドレス,所属コード,所属名"
ROWS = [
    "1001,豊島 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課",
    "1002,池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報管理課",
]


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode())
    return path


def _import(*args: str) -> None:
    call_command("import_staff", *args, stdout=StringIO(), stderr=StringIO())


def test_command_import_and_deactivate_missing_are_audited(tmp_path):
    _import(str(_file(tmp_path, *ROWS)))
    first = AuditEntry.objects.get(action="accounts.roster.imported")
    assert first.user is None
    assert first.data["source"] == "command"
    assert first.data["created"] == 2 and first.data["deactivated"] == 0

    _import(str(_file(tmp_path, ROWS[0])), "--deactivate-missing")
    assert AuditEntry.objects.filter(action="accounts.roster.imported").count() == 2
    gone = AuditEntry.objects.get(action="accounts.user.deactivated")
    assert gone.obj == User.objects.get(employee_number="1002")
    assert gone.data == {"source": "command"}


def test_dry_run_records_nothing(tmp_path):
    _import(str(_file(tmp_path, *ROWS)), "--dry-run")
    assert not AuditEntry.objects.exists()


def test_admin_upload_is_audited_with_the_admin_and_address(client, make_user):
    admin = make_user(Role.ADMIN, mfa=True)
    client.force_login(admin)
    data = ("\r\n".join([HEADER, *ROWS]) + "\r\n").encode()

    def upload():
        return SimpleUploadedFile("roster.csv", data, content_type="text/csv")

    client.post("/admin/roster-import/", {"file": upload(), "action": "preview"})
    assert not AuditEntry.objects.exists()  # the preview writes nothing
    checksum = hashlib.sha256(data).hexdigest()
    client.post(
        "/admin/roster-import/",
        {"file": upload(), "checksum": checksum, "action": "import", "deactivate_missing": "on"},
    )
    entry = AuditEntry.objects.get(action="accounts.roster.imported")
    assert entry.user == admin and entry.ip == "127.0.0.1"
    assert entry.data["source"] == "admin" and entry.data["deactivate_missing"] is True
    assert entry.data["created"] == 2
