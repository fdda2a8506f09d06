"""Properties of the staff roster import (accounts.roster), checked with hypothesis.

Any bytes or any CSV text give either a parse result whose row errors carry line numbers, or
a ``RosterError`` with a message; never another exception. An import either writes every
valid row or, refused, writes nothing. Valid rows written as CSV in CP932 or UTF-8 with a BOM
come back as the same staff.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Department, User
from accounts.roster import RosterError, import_roster, parse_roster
from base.inputs import is_clean_text

pytestmark = pytest.mark.django_db

HEADER = [
    "職員番号",
    "氏名",
    "氏名カナ",
    "メールアドレス",
    "所属コード",
    "所属名",
    "上位所属コード",
]
cells = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters() | st.characters(categories=["Cc", "Cs"]), max_size=12),
    st.sampled_from(["1001", "豊島 太郎", "ﾄｼﾏ ﾀﾛｳ", "taro@example.jp", "1010", "情報管理課", ""]),
    # NUL, a lone surrogate or a control character inside an otherwise plain value
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["豊島", "1010", ""]),
        st.sampled_from(["\x00", "\ud800", "\x1f"]),
        st.sampled_from(["太郎", ""]),
    ),
)
rows = st.lists(st.lists(cells, max_size=9) | st.lists(cells, min_size=7, max_size=7), max_size=6)
# Characters that survive CP932 both ways (¢ £ ¬ ‖ − 〜 do not), no controls or spaces.
cp932_word = st.text(
    alphabet=st.characters(
        codec="cp932", exclude_characters="¢£¬‖−〜", exclude_categories=["Cc", "Zs"]
    ),
    min_size=1,
    max_size=8,
).filter(lambda word: word.strip() == word and word.split() == [word])


def as_csv(header: list[str], body: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def snapshot() -> tuple[list, list]:
    users = list(User.objects.order_by("pk").values_list("pk", "email", "last_name", "is_active"))
    return users, list(Department.objects.order_by("pk").values_list())


def parsed_or_refused(source):
    try:
        parsed = parse_roster(source)
    except RosterError as exc:
        assert exc.message.strip()
        return None
    text = source if isinstance(source, str) else source.decode("utf-8", "replace")
    last_line = text.count("\n") + 1
    for error in parsed.errors:
        assert 2 <= error.line <= last_line
        assert error.message.strip()
    for row in parsed.rows:
        assert all(is_clean_text(str(value)) for value in vars(row).values())
    return parsed


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True)
@given(st.binary(max_size=300) | st.binary(max_size=300).map(lambda data: b"\xef\xbb\xbf" + data))
def test_any_bytes_are_parsed_or_refused_with_a_message(data):
    parsed_or_refused(data)


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True)
@given(st.just(HEADER) | st.lists(cells, max_size=9), rows, st.sampled_from(["text", "utf-8"]))
def test_any_csv_text_is_parsed_or_refused_and_rows_hold_clean_text(header, body, form):
    text = as_csv(header, body)
    if form == "text":
        parsed_or_refused(text)  # parse_roster also takes decoded text
    elif is_clean_text(text):
        parsed_or_refused(text.encode("utf-8"))


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows, st.booleans())
def test_an_import_writes_every_valid_row_or_nothing(body, skip_invalid):
    good = ["9001", "豊島 太郎", "トシマ タロウ", "taro@example.jp", "1010", "情報管理課", ""]
    text = as_csv(HEADER, [good, *body])
    if not is_clean_text(text):
        return
    before = snapshot()
    try:
        report = import_roster(parse_roster(text.encode("utf-8")), skip_invalid=skip_invalid)
    except RosterError as exc:
        assert exc.message.strip()
        assert snapshot() == before
        return
    assert report.created + report.updated + report.unchanged >= 1
    assert User.objects.filter(employee_number="9001", email="taro@example.jp").exists()


staff_rows = st.lists(
    st.tuples(cp932_word, cp932_word, cp932_word, st.sampled_from(["1010", "2010", "3010"])),
    min_size=1,
    max_size=5,
)


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(staff_rows, st.sampled_from(["cp932", "utf-8-sig"]))
def test_valid_rows_round_trip_in_cp932_and_utf8_with_bom(people, encoding):
    body = [
        [f"{n:05d}", f"{last} {first}", f"{kana} {kana}", f"s{n}@example.jp", code, f"課{code}", ""]
        for n, (last, first, kana, code) in enumerate(people, start=1)
    ]

    report = import_roster(parse_roster(as_csv(HEADER, body).encode(encoding)))

    assert report.errors == []
    assert report.encoding == ("cp932" if encoding == "cp932" else "utf-8")
    for number, name, _kana, email, code, _department, _parent in body:
        user = User.objects.get(employee_number=number)
        assert f"{user.last_name} {user.first_name}" == name
        assert user.email == email
        assert user.department.code == code


def test_text_with_nul_is_unreadable_like_a_file_with_nul():
    # Bytes with NUL were refused; the same rows given as text went through to the database.
    text = as_csv(
        HEADER, [["1001", "豊島\x00太郎", "トシマ タロウ", "t@example.jp", "1010", "課", ""]]
    )

    with pytest.raises(RosterError) as info:
        parse_roster(text)

    assert info.value.code == "unreadable"
