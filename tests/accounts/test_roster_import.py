"""The staff roster import (accounts.roster) and its Wagtail admin page."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from accounts.models import Department, User
from accounts.roles import GROUP_NAMES, Role
from accounts.roster import RosterError, error_messages, import_roster, parse_roster

DATA = Path(__file__).parent / "data"
JA_HEADER = "職員番号,氏名,氏名カナ,メールアドレス,所属コード,所属名"
EN_HEADER = "employee_number,name,name_kana,email,department_code,department_name"
GOOD_ROWS = [
    "1001,豊島 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課",
    "1002,池袋　花子,イケブクロ　ハナコ,hanako@example.jp,1010,情報管理課",
    "1003,巣鴨 次郎,スガモ ジロウ,jiro@example.jp,2010,区民活動推進課",
]
PAGE = "/admin/roster-import/"


def roster(*rows: str, header: str = JA_HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


def run(data: bytes, **options):
    return import_roster(parse_roster(data), **options)


def refusal(data: bytes, **options) -> RosterError:
    with pytest.raises(RosterError) as excinfo:
        run(data, **options)
    return excinfo.value


def messages_by_line(error: RosterError) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    for row_error in error.errors:
        result.setdefault(row_error.line, []).append(row_error.code)
    return result


# --- Reading the file -----------------------------------------------------------------------


@pytest.mark.django_db
def test_utf8_roster_creates_staff_with_group_unusable_password_and_verified_address():
    report = run(roster(*GOOD_ROWS))

    assert (report.created, report.updated, report.departments_created) == (3, 0, 2)
    taro = User.objects.get(employee_number="1001")
    assert (taro.last_name, taro.first_name) == ("豊島", "太郎")
    assert (taro.last_name_kana, taro.first_name_kana) == ("トシマ", "タロウ")
    assert taro.email == "taro@example.jp"
    assert taro.department.code == "1010"
    assert taro.department.name == "情報管理課"
    assert taro.is_active
    assert not taro.has_usable_password()
    assert list(taro.groups.values_list("name", flat=True)) == [GROUP_NAMES[Role.STAFF]]
    address = EmailAddress.objects.get(user=taro)
    assert (address.email, address.verified, address.primary) == ("taro@example.jp", True, True)


@pytest.mark.django_db
def test_utf8_with_bom_is_read_and_the_bom_does_not_spoil_the_first_header():
    parsed = parse_roster(b"\xef\xbb\xbf" + roster(*GOOD_ROWS))

    assert parsed.errors == []
    assert [r.employee_number for r in parsed.rows] == ["1001", "1002", "1003"]


@pytest.mark.django_db
def test_cp932_export_with_crlf_full_width_digits_and_half_width_kana_is_read():
    parsed = parse_roster((DATA / "roster_cp932.csv").read_bytes())
    assert parsed.encoding == "cp932"
    assert parsed.errors == []

    report = import_roster(parsed)

    assert report.created == 4
    jiro = User.objects.get(employee_number="10003")  # written １０００３ in the file
    assert (jiro.last_name, jiro.first_name) == ("巣鴨", "次郎")
    taro = User.objects.get(employee_number="10001")
    assert (taro.last_name_kana, taro.first_name_kana) == ("トシマ", "タロウ")  # was ﾄｼﾏ ﾀﾛｳ
    # Characters only CP932 has (IBM extension) survive.
    assert User.objects.get(employee_number="10004").get_full_name() == "髙橋 﨑子"
    section = Department.objects.get(code="1010")
    assert section.parent.code == "10"
    assert section.path == "10/1010"


@pytest.mark.django_db
def test_full_width_digits_and_spaces_in_the_employee_number_are_normalised():
    run(roster("　１２３４５ ,豊島 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課"))

    assert User.objects.filter(employee_number="12345").exists()


@pytest.mark.django_db
def test_english_headers_in_any_order_are_accepted():
    header = "email,name,employee_number,department_name,department_code,name_kana"
    report = run(
        roster("taro@example.jp,豊島 太郎,1001,情報管理課,1010,トシマ タロウ", header=header)
    )

    assert report.created == 1
    assert User.objects.get(employee_number="1001").department.name == "情報管理課"


@pytest.mark.django_db
def test_name_without_a_space_goes_whole_into_the_family_name():
    run(roster("1001,ジョン・スミス,ジョン・スミス,john@example.jp,1010,情報管理課"))

    user = User.objects.get(employee_number="1001")
    assert (user.last_name, user.first_name) == ("ジョン・スミス", "")


@pytest.mark.django_db
def test_missing_required_header_is_one_error_and_nothing_is_written():
    header = "職員番号,氏名,氏名カナ,所属コード,所属名"
    with pytest.raises(RosterError) as excinfo:
        parse_roster(roster("1001,豊島 太郎,トシマ タロウ,1010,情報管理課", header=header))

    assert excinfo.value.code == "missing_columns"
    assert "メールアドレス" in excinfo.value.message
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "職員番号,氏名".encode("utf-16"),
        b"\xff\xfe\xfd\x80\x81 not text",
    ],
    ids=["png", "utf-16", "undecodable"],
)
def test_binary_or_undecodable_file_gives_a_clear_error(data):
    with pytest.raises(RosterError) as excinfo:
        parse_roster(data)

    assert excinfo.value.code == "unreadable"
    assert "CSV" in str(excinfo.value)


def test_file_with_a_header_and_no_rows_is_refused():
    with pytest.raises(RosterError) as excinfo:
        parse_roster(roster())
    assert excinfo.value.code == "no_rows"


@pytest.mark.django_db
def test_line_numbers_are_those_a_spreadsheet_shows():
    data = roster(
        GOOD_ROWS[0],
        '1002,"池袋\n花子",イケブクロ ハナコ,hanako@,1010,情報管理課',  # lines 3-4
        ",,,,,",  # line 5: an empty row, skipped
        ",巣鴨 次郎,スガモ ジロウ,jiro@example.jp,2010,区民活動推進課",  # line 6
    )

    error = refusal(data)

    assert messages_by_line(error) == {3: ["email_invalid"], 6: ["number_empty"]}


# --- Rows with errors ---------------------------------------------------------------------


@pytest.mark.django_db
def test_one_bad_row_refuses_the_whole_file_and_changes_nothing():
    existing = User.objects.create_user(
        "old@example.jp", employee_number="1001", last_name="旧姓", first_name="太郎"
    )
    data = roster(
        GOOD_ROWS[0],
        GOOD_ROWS[1],
        "1003,巣鴨 次郎,スガモ ジロウ,not-an-address,2010,区民活動推進課",
    )

    error = refusal(data)

    assert error.code == "invalid_rows"
    assert [(e.line, e.code) for e in error.errors] == [(4, "email_invalid")]
    assert "not-an-address" in error.errors[0].message
    assert User.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.last_name, existing.email) == ("旧姓", "old@example.jp")
    assert not Department.objects.exists()


@pytest.mark.django_db
def test_skip_invalid_imports_the_valid_rows_and_reports_the_others():
    data = roster(
        GOOD_ROWS[0],
        "x-1,池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報管理課",
        GOOD_ROWS[2],
    )

    report = run(data, skip_invalid=True)

    assert report.created == 2
    assert report.skipped == 1
    assert [(e.line, e.code) for e in report.errors] == [(3, "number_invalid")]
    assert set(User.objects.values_list("employee_number", flat=True)) == {"1001", "1003"}


@pytest.mark.django_db
def test_skip_invalid_with_no_valid_row_left_is_refused():
    error = refusal(
        roster(",豊島 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課"), skip_invalid=True
    )

    assert error.code == "no_valid_rows"
    assert error.errors[0].line == 2


@pytest.mark.django_db
def test_duplicate_employee_number_within_the_file_is_an_error_on_both_rows():
    data = roster(
        GOOD_ROWS[0], "1001,池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報管理課"
    )

    error = refusal(data)

    assert messages_by_line(error) == {2: ["duplicate_number"], 3: ["duplicate_number"]}
    assert "3 行目" in error.errors[0].message


@pytest.mark.django_db
def test_duplicate_email_within_the_file_is_an_error():
    data = roster(GOOD_ROWS[0], "1002,池袋 花子,イケブクロ ハナコ,TARO@example.jp,1010,情報管理課")

    error = refusal(data)

    assert messages_by_line(error) == {2: ["duplicate_email"], 3: ["duplicate_email"]}


@pytest.mark.django_db
def test_email_used_by_another_person_in_the_database_is_an_error():
    User.objects.create_user("taro@example.jp", employee_number="9999")
    trainer = User.objects.create_user("trainer@example.jp", organisation="協力企業")
    EmailAddress.objects.create(
        user=trainer, email="hanako@example.jp", verified=True, primary=False
    )

    error = refusal(roster(*GOOD_ROWS))

    assert messages_by_line(error) == {2: ["email_taken"], 3: ["email_taken"]}
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_own_email_address_is_not_taken():
    User.objects.create_user("taro@example.jp", employee_number="1001")

    report = run(roster(GOOD_ROWS[0]))

    assert (report.created, report.updated) == (0, 1)


@pytest.mark.django_db
def test_too_long_field_is_reported_and_not_truncated():
    long_name = "豊" * 151
    data = roster(f"1001,{long_name} 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課")

    error = refusal(data)

    assert [(e.line, e.code) for e in error.errors] == [(2, "too_long")]
    assert error.errors[0].params == {"column": "氏名", "length": 151, "limit": 150}
    assert not User.objects.exists()


@pytest.mark.django_db
def test_too_long_employee_number_and_department_code_are_reported():
    data = roster(f"{'1' * 33},豊島 太郎,トシマ タロウ,taro@example.jp,{'2' * 33},情報管理課")

    error = refusal(data)

    assert [e.params.get("column") for e in error.errors] == ["職員番号", "所属コード"]


@pytest.mark.django_db
def test_wrong_number_of_columns_is_reported():
    data = roster(GOOD_ROWS[0], "1002,池袋 花子,hanako@example.jp", GOOD_ROWS[2] + ",,")

    error = refusal(data)

    assert messages_by_line(error) == {3: ["column_count"]}
    assert error.errors[0].params == {"expected": 6, "actual": 3}


@pytest.mark.django_db
def test_empty_name_email_and_department_code_are_reported():
    error = refusal(roster("1001,,,,,"))

    assert messages_by_line(error) == {
        2: ["name_empty", "email_empty", "department_code_empty"],
    }


@pytest.mark.django_db
def test_department_code_with_two_names_in_the_file_is_an_error():
    data = roster(GOOD_ROWS[0], "1002,池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報課")

    error = refusal(data)

    assert messages_by_line(error) == {3: ["department_name_conflict"]}
    assert "情報管理課" in error.errors[0].message


@pytest.mark.django_db
def test_new_department_without_a_name_is_an_error():
    error = refusal(roster("1001,豊島 太郎,トシマ タロウ,taro@example.jp,1010,"))
    assert messages_by_line(error) == {2: ["department_name_empty"]}


@pytest.mark.django_db
def test_existing_department_may_be_given_without_a_name():
    Department.objects.create(code="1010", name="情報管理課")

    report = run(roster("1001,豊島 太郎,トシマ タロウ,taro@example.jp,1010,"))

    assert report.created == 1
    assert Department.objects.get(code="1010").name == "情報管理課"


@pytest.mark.django_db
def test_every_message_code_has_a_japanese_message():
    assert all(str(message).endswith("。") for message in error_messages.values())


# --- Updating ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    data = roster(*GOOD_ROWS)
    run(data)

    report = run(data)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert report.departments_created == 0
    assert User.objects.count() == 3
    assert EmailAddress.objects.count() == 3


@pytest.mark.django_db
def test_changed_name_and_department_update_the_user():
    run(roster(*GOOD_ROWS))
    user = User.objects.get(employee_number="1001")

    report = run(
        roster(
            "1001,豊島 太朗,トシマ タロウ,taro@example.jp,2010,区民活動推進課",
            *GOOD_ROWS[1:],
        )
    )

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    user.refresh_from_db()
    assert user.first_name == "太朗"
    assert user.department.code == "2010"
    assert user.pk == User.objects.get(employee_number="1001").pk


@pytest.mark.django_db
def test_changed_email_moves_the_verified_primary_address():
    run(roster(*GOOD_ROWS))
    user = User.objects.get(employee_number="1001")
    EmailAddress.objects.create(user=user, email="private@example.jp", verified=True)

    run(roster("1001,豊島 太郎,トシマ タロウ,Taro.Toshima@example.jp,1010,情報管理課"))

    user.refresh_from_db()
    assert user.email == "taro.toshima@example.jp"
    addresses = set(EmailAddress.objects.filter(user=user).values_list("email", "primary"))
    assert addresses == {("taro.toshima@example.jp", True), ("private@example.jp", False)}
    assert EmailAddress.objects.get(email="taro.toshima@example.jp").verified


@pytest.mark.django_db
def test_inactive_user_in_the_roster_is_reactivated():
    User.objects.create_user("taro@example.jp", employee_number="1001", is_active=False)

    report = run(roster(GOOD_ROWS[0]))

    assert report.updated == 1
    assert User.objects.get(employee_number="1001").is_active


@pytest.mark.django_db
def test_new_users_get_the_staff_group_but_existing_users_keep_theirs():
    admin = User.objects.create_user("taro@example.jp", employee_number="1001")
    admin.groups.add(Group.objects.get(name=GROUP_NAMES[Role.ADMIN]))

    run(roster(*GOOD_ROWS))

    assert list(admin.groups.values_list("name", flat=True)) == [GROUP_NAMES[Role.ADMIN]]
    assert User.objects.get(employee_number="1002").groups.get().name == GROUP_NAMES[Role.STAFF]


@pytest.mark.django_db
def test_existing_department_is_renamed():
    Department.objects.create(code="1010", name="情報政策課")

    report = run(roster(GOOD_ROWS[0]))

    assert (report.departments_created, report.departments_updated) == (0, 1)
    assert Department.objects.get(code="1010").name == "情報管理課"
    assert Department.objects.count() == 1


@pytest.mark.django_db
def test_deactivate_missing_deactivates_only_roster_users_not_in_the_file():
    run(roster(*GOOD_ROWS))
    trainer = User.objects.create_user("trainer@example.jp", organisation="協力企業")
    resident = User.objects.create_user("resident@example.jp")

    report = run(roster(*GOOD_ROWS[:2]), deactivate_missing=True)

    assert report.deactivated == 1
    assert not User.objects.get(employee_number="1003").is_active
    assert User.objects.get(employee_number="1001").is_active
    trainer.refresh_from_db()
    resident.refresh_from_db()
    assert trainer.is_active and resident.is_active


@pytest.mark.django_db
def test_without_deactivate_missing_people_missing_from_the_file_stay_active():
    run(roster(*GOOD_ROWS))

    report = run(roster(GOOD_ROWS[0]))

    assert report.deactivated == 0
    assert User.objects.filter(is_active=True).count() == 3


@pytest.mark.django_db
def test_skipped_row_does_not_deactivate_its_person():
    run(roster(*GOOD_ROWS))
    data = roster(
        GOOD_ROWS[0], GOOD_ROWS[1], "1003,巣鴨 次郎,スガモ ジロウ,bad,2010,区民活動推進課"
    )

    report = run(data, deactivate_missing=True, skip_invalid=True)

    assert report.deactivated == 0
    assert User.objects.get(employee_number="1003").is_active


@pytest.mark.django_db
def test_dry_run_counts_the_changes_and_writes_nothing():
    run(roster(*GOOD_ROWS))

    report = run(
        roster(
            "1001,豊島 太朗,トシマ タロウ,taro@example.jp,1010,情報管理課",
            "1004,目白 四郎,,s@example.jp,30,新部",
        ),
        deactivate_missing=True,
        dry_run=True,
    )

    assert (report.created, report.updated, report.deactivated) == (1, 1, 2)
    assert report.departments_created == 1
    assert report.dry_run
    assert User.objects.count() == 3
    assert User.objects.filter(is_active=True).count() == 3
    assert User.objects.get(employee_number="1001").first_name == "太郎"
    assert not Department.objects.filter(code="30").exists()


@pytest.mark.django_db
def test_failure_while_writing_leaves_nothing_half_written(monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("simulated clash with a concurrent change")

    # Departments and users are written by then; the failure must take them back.
    monkeypatch.setattr("accounts.roster._sync_email_addresses", fail)

    error = refusal(roster(*GOOD_ROWS))

    assert error.code == "conflict"
    assert not User.objects.exists()
    assert not Department.objects.exists()


# --- The department tree --------------------------------------------------------------------


PARENT_HEADER = JA_HEADER + ",上位所属コード"


@pytest.mark.django_db
def test_parent_column_builds_the_tree_with_paths():
    data = roster(
        "1001,豊島 太郎,トシマ タロウ,taro@example.jp,101010,DX推進係,1010",
        "1002,池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報管理課,10",
        "1003,巣鴨 次郎,スガモ ジロウ,jiro@example.jp,10,政策経営部,",
        header=PARENT_HEADER,
    )

    run(data)

    assert Department.objects.get(code="101010").path == "10/1010/101010"
    assert Department.objects.get(code="10").parent is None
    assert [d.code for d in Department.objects.get(code="10").subtree()] == [
        "10",
        "1010",
        "101010",
    ]


@pytest.mark.django_db
def test_moving_a_department_rewrites_the_paths_below_it():
    top = Department.objects.create(code="10", name="政策経営部")
    other = Department.objects.create(code="20", name="区民部")
    section = Department.objects.create(code="1010", name="情報管理課", parent=top)
    team = Department.objects.create(code="101010", name="DX推進係", parent=section)

    run(
        roster(
            "1001,豊島 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課,20", header=PARENT_HEADER
        )
    )

    section.refresh_from_db()
    team.refresh_from_db()
    assert section.parent == other
    assert (section.path, team.path) == ("20/1010", "20/1010/101010")


@pytest.mark.django_db
def test_unknown_parent_and_a_department_below_it_are_reported():
    data = roster(
        "1001,豊島 太郎,トシマ タロウ,taro@example.jp,1010,情報管理課,99",
        "1002,池袋 花子,イケブクロ ハナコ,hanako@example.jp,101010,DX推進係,1010",
        header=PARENT_HEADER,
    )

    error = refusal(data)

    assert messages_by_line(error) == {2: ["parent_unknown"], 3: ["parent_invalid"]}


@pytest.mark.django_db
def test_parent_cycle_with_an_existing_department_is_reported():
    top = Department.objects.create(code="10", name="政策経営部")
    Department.objects.create(code="1010", name="情報管理課", parent=top)

    error = refusal(
        roster(
            "1001,豊島 太郎,トシマ タロウ,taro@example.jp,10,政策経営部,1010", header=PARENT_HEADER
        )
    )

    assert messages_by_line(error) == {2: ["parent_cycle"]}


@pytest.mark.django_db
def test_department_that_is_its_own_parent_is_reported():
    error = refusal(
        roster(
            "1001,豊島 太郎,トシマ タロウ,taro@example.jp,10,政策経営部,10", header=PARENT_HEADER
        )
    )
    assert messages_by_line(error) == {2: ["parent_self"]}


# --- Scale -------------------------------------------------------------------------------------


def many_rows(count: int, start: int = 1) -> list[str]:
    return [
        f"{n},職員 {n}号,ショクイン {n},staff{n}@example.jp,{n % 60:04d},課{n % 60}"
        for n in range(start, start + count)
    ]


@pytest.mark.django_db
def test_import_uses_bulk_queries_not_one_per_row(django_assert_max_num_queries):
    data = roster(*many_rows(2000))
    parsed = parse_roster(data)

    with django_assert_max_num_queries(80):
        report = import_roster(parsed)
    assert report.created == 2000
    with django_assert_max_num_queries(20):
        report = import_roster(parsed)
    assert report.unchanged == 2000


@pytest.mark.django_db
def test_progress_is_reported_every_thousand_rows():
    calls: list[tuple[str, int, int]] = []
    parsed = parse_roster(roster(*many_rows(2500)), progress=lambda *a: calls.append(a))
    import_roster(parsed, progress=lambda *a: calls.append(a))

    assert [c for c in calls if c[0] == "validate"] == [
        ("validate", 1000, 2500),
        ("validate", 2000, 2500),
        ("validate", 2500, 2500),
    ]
    assert ("write", 2500, 2500) in calls


# --- The Wagtail admin page -------------------------------------------------------------------


def upload(data: bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.ADMIN, mfa=True))
    return client


@pytest.mark.django_db
def test_admin_sees_the_upload_form_with_labels(admin_client):
    response = admin_client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "職員名簿の取り込み" in html
    for field in ("file", "deactivate_missing", "skip_invalid"):
        assert f'for="id_{field}"' in html


@pytest.mark.django_db
def test_admin_menu_shows_the_import_to_admins(admin_client):
    response = admin_client.get("/admin/")
    assert PAGE in response.content.decode()


@pytest.mark.django_db
def test_admin_preview_of_a_bad_file_lists_the_errors_and_writes_nothing(admin_client):
    data = roster(GOOD_ROWS[0], ",池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報管理課")

    response = admin_client.post(PAGE, {"file": upload(data), "action": "preview"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "職員番号が空です。" in html
    assert "<td>3</td>" in html
    assert 'value="import"' not in html  # no confirm button without skip_invalid
    assert not User.objects.filter(employee_number__isnull=False).exists()
    assert not Department.objects.exists()


@pytest.mark.django_db
def test_admin_previews_then_imports_a_good_file(admin_client):
    data = roster(*GOOD_ROWS)

    response = admin_client.post(PAGE, {"file": upload(data), "action": "preview"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "確認結果" in html
    assert 'value="import"' in html
    checksum = hashlib.sha256(data).hexdigest()
    assert checksum in html
    assert not User.objects.filter(employee_number__isnull=False).exists()

    response = admin_client.post(
        PAGE, {"file": upload(data), "checksum": checksum, "action": "import"}, follow=True
    )

    assert response.status_code == 200
    assert "職員名簿を取り込みました" in response.content.decode()
    assert User.objects.filter(employee_number__isnull=False).count() == 3


@pytest.mark.django_db
def test_admin_confirm_with_another_file_previews_it_instead_of_importing(admin_client):
    previewed = hashlib.sha256(roster(GOOD_ROWS[0])).hexdigest()

    response = admin_client.post(
        PAGE, {"file": upload(roster(*GOOD_ROWS)), "checksum": previewed, "action": "import"}
    )

    assert response.status_code == 200
    assert "確認したファイルと違うファイル" in response.content.decode()
    assert not User.objects.filter(employee_number__isnull=False).exists()


@pytest.mark.django_db
def test_admin_skip_invalid_imports_the_valid_rows(admin_client):
    data = roster(GOOD_ROWS[0], ",池袋 花子,イケブクロ ハナコ,hanako@example.jp,1010,情報管理課")
    checksum = hashlib.sha256(data).hexdigest()

    response = admin_client.post(
        PAGE,
        {"file": upload(data), "checksum": checksum, "skip_invalid": "True", "action": "import"},
    )

    assert response.status_code == 302
    assert list(User.objects.filter(employee_number__isnull=False)) == [
        User.objects.get(employee_number="1001")
    ]


@pytest.mark.django_db
def test_admin_binary_upload_gives_a_clear_message(admin_client):
    response = admin_client.post(
        PAGE, {"file": upload(b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png"), "action": "preview"}
    )

    assert response.status_code == 200
    assert "ファイルを読み取れません" in response.content.decode()


@pytest.mark.django_db
def test_staff_member_cannot_open_or_use_the_import(client, make_user):
    client.force_login(make_user(Role.STAFF))

    assert client.get(PAGE).status_code == 403
    data = roster(*GOOD_ROWS)
    response = client.post(
        PAGE,
        {"file": upload(data), "checksum": hashlib.sha256(data).hexdigest(), "action": "import"},
    )

    assert response.status_code == 403
    assert not User.objects.filter(employee_number__in=["1001", "1002", "1003"]).exists()


@pytest.mark.django_db
def test_admin_user_without_the_user_permission_is_turned_away(client, make_user):
    editor = make_user(None)
    group = Group.objects.create(name="編集者")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    client.force_login(editor)

    assert client.get("/admin/").status_code == 200
    assert PAGE not in client.get("/admin/").content.decode()
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "visitor", ["anonymous", "resident", "staff", "trainer", "counter", "admin"]
)
def test_only_the_admin_can_open_the_import_page(client, visitor_users, visitor):
    if visitor_users[visitor] is not None:
        client.force_login(visitor_users[visitor])

    response = client.get(PAGE)

    if visitor == "admin":
        assert response.status_code == 200
    else:
        # Wagtail answers people without admin access with a redirect to the login page.
        assert response.status_code in (302, 403)
        assert "職員名簿の取り込み" not in response.content.decode()
    if visitor == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
