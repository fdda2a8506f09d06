"""The ``import_staff`` management command: a thin wrapper around accounts.roster."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User

JA_HEADER = "職員番号,氏名,氏名カナ,メールアドレス,所属コード,所属名"
GOOD_ROWS = [
    "1001,豊島 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課",
    "1002,池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報管理課",
    "1003,巣鴨 次郎,スガモ ジロウ,jiro@example.jp,2010,区民活動推進課",
]


def write_roster(tmp_path: Path, *rows: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(("\r\n".join([JA_HEADER, *rows]) + "\r\n").encode(encoding))
    return path


def import_staff(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_staff", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def refused(*args: str) -> tuple[CommandError, str]:
    stderr = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_staff", *args, stdout=StringIO(), stderr=stderr)
    return excinfo.value, stderr.getvalue()


@pytest.mark.django_db
def test_command_imports_a_cp932_file_and_prints_the_summary(tmp_path):
    path = write_roster(tmp_path, *GOOD_ROWS, encoding="cp932")

    stdout, _stderr = import_staff(str(path))

    assert User.objects.filter(employee_number__isnull=False).count() == 3
    assert "cp932" in stdout
    assert "新規作成" in stdout and ": 3" in stdout
    assert "所属の新規作成" in stdout


@pytest.mark.django_db
def test_command_second_run_creates_and_updates_nothing(tmp_path):
    path = write_roster(tmp_path, *GOOD_ROWS)
    import_staff(str(path))

    stdout, _stderr = import_staff(str(path))

    lines = dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line)
    created = next(v for k, v in lines.items() if k.startswith("新規作成"))
    updated = next(v for k, v in lines.items() if k.startswith("更新"))
    unchanged = next(v for k, v in lines.items() if k.startswith("変更なし"))
    assert (created, updated, unchanged) == ("0", "0", "3")


@pytest.mark.django_db
def test_bad_row_refuses_with_exit_status_2_and_the_line_number_on_stderr(tmp_path):
    path = write_roster(
        tmp_path, GOOD_ROWS[0], GOOD_ROWS[1], "1003,巣鴨 次郎,スガモ ジロウ,@@,2010,区民活動推進課"
    )

    error, stderr = refused(str(path))

    assert error.returncode == 2
    # Japanese first, then English, on the same line.
    assert "4 行目：メールアドレス「@@」の形式が正しくありません。 / line 4: " in stderr
    assert "1 行" in str(error)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_skip_invalid_imports_the_rest_and_still_reports_the_bad_row(tmp_path):
    path = write_roster(tmp_path, GOOD_ROWS[0], "1002,池袋 花子,,,1010,情報管理課")

    stdout, stderr = import_staff(str(path), "--skip-invalid")

    assert list(User.objects.values_list("employee_number", flat=True)) == ["1001"]
    assert "3 行目" in stderr
    assert "誤りのある行" in stdout


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    path = write_roster(tmp_path, *GOOD_ROWS)

    stdout, _stderr = import_staff(str(path), "--dry-run")

    assert not User.objects.exists()
    assert "Dry run" in stdout


@pytest.mark.django_db
def test_deactivate_missing_prints_how_many(tmp_path):
    import_staff(str(write_roster(tmp_path, *GOOD_ROWS)))
    resident = User.objects.create_user("resident@example.jp")

    stdout, _stderr = import_staff(
        str(write_roster(tmp_path, GOOD_ROWS[0])), "--deactivate-missing"
    )

    deactivated = [line for line in stdout.splitlines() if line.startswith("無効化")]
    assert deactivated and deactivated[0].endswith(": 2")
    assert set(User.objects.filter(is_active=False).values_list("employee_number", flat=True)) == {
        "1002",
        "1003",
    }
    resident.refresh_from_db()
    assert resident.is_active


@pytest.mark.django_db
def test_progress_goes_to_stderr_every_thousand_rows(tmp_path):
    rows = [f"{n},職員 {n},,s{n}@example.jp,10,部" for n in range(1, 2101)]

    _stdout, stderr = import_staff(str(write_roster(tmp_path, *rows)))

    assert "1000/2100" in stderr
    assert "2000/2100" in stderr
    assert "2100/2100 (100%)" in stderr


@pytest.mark.django_db
def test_missing_headers_refuse_with_status_2(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("番号,名前\n1,豊島\n", encoding="utf-8")

    error, _stderr = refused(str(path))

    assert error.returncode == 2
    assert "必須の列がありません" in str(error)


def test_missing_file_refuses_with_status_2(tmp_path):
    error, _stderr = refused(str(tmp_path / "nothing-here.csv"))

    assert error.returncode == 2
    assert "nothing-here.csv" in str(error)


def test_binary_file_exits_2_with_a_message_and_no_traceback(tmp_path):
    """Run the real command line, so the process exit status itself is checked."""
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The file is refused before the database is touched; point it somewhere harmless.
        "DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite3",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "import_staff", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "ファイルを読み取れません" in result.stderr
    assert "Traceback" not in result.stderr
