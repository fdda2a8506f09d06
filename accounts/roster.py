"""Import the staff roster: a CSV of ward staff keyed by employee number.

``parse_roster`` reads the file (UTF-8 with or without BOM, or CP932) and checks each row on its
own and against the other rows; ``import_roster`` checks the rows against the database and
writes them in one transaction. The ``import_staff`` command and the Wagtail admin page
"職員名簿の取り込み" only call these two functions.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TypeVar

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PATH_SEPARATOR, Department, User
from accounts.roles import GROUP_NAMES, Role
from base.audit import log_action
from base.inputs import is_clean_text

# progress(stage, done, total); stage is "validate" or "write".
ProgressCallback = Callable[[str, int, int], None]
PROGRESS_STEP = 1000
BATCH_SIZE = 500
# Longest value quoted back in a message; the rest is cut with "…".
QUOTE_LIMIT = 40

# Canonical column key → accepted header names (Japanese export, English export).
COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_number": ("職員番号", "employee_number"),
    "name": ("氏名", "name"),
    "name_kana": ("氏名カナ", "name_kana"),
    "email": ("メールアドレス", "email"),
    "department_code": ("所属コード", "department_code"),
    "department_name": ("所属名", "department_name"),
    "parent_department_code": ("上位所属コード", "parent_department_code"),
}
REQUIRED_COLUMNS = (
    "employee_number",
    "name",
    "name_kana",
    "email",
    "department_code",
    "department_name",
)
_HEADER_KEYS = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}

_NUMBER_RE = re.compile(r"[0-9A-Za-z]+")
# "/" separates codes in Department.path, so codes keep to letters, digits, "-" and "_".
_CODE_RE = re.compile(r"[0-9A-Za-z_-]+")
# Control characters never found in a text CSV (tab, CR and LF excepted).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

error_messages = {
    # The file as a whole.
    "unreadable": _(
        "ファイルを読み取れません。UTF-8 または Shift_JIS（CP932）で保存した CSV ファイルを"
        "指定してください。"
    ),
    "malformed": _(
        'CSV の形式が正しくありません（%(line)s 行目付近）。引用符（"）の対応を確認してください。'
    ),
    "empty": _("ファイルに見出し行がありません。"),
    "no_rows": _("ファイルにデータ行がありません。"),
    "missing_columns": _("必須の列がありません：%(columns)s。"),
    "duplicate_column": _("列「%(column)s」が 2 回以上あります。"),
    "invalid_rows": _("誤りのある行が %(count)s 行あるため、何も取り込みませんでした。"),
    "no_valid_rows": _("取り込める行がありません。"),
    "conflict": _("取り込み中に別の変更と重なりました。もう一度取り込んでください。"),
    # One row.
    "column_count": _(
        "列の数が見出しと合いません（見出しは %(expected)s 列、この行は %(actual)s 列）。"
    ),
    "number_empty": _("職員番号が空です。"),
    "number_invalid": _("職員番号「%(value)s」には英字と数字だけを使ってください。"),
    "name_empty": _("氏名が空です。"),
    "email_empty": _("メールアドレスが空です。"),
    "email_invalid": _("メールアドレス「%(value)s」の形式が正しくありません。"),
    "too_long": _("「%(column)s」が長すぎます（%(length)s 文字。%(limit)s 文字までです）。"),
    "duplicate_number": _("職員番号「%(value)s」が %(lines)s 行目にもあります。"),
    "duplicate_email": _("メールアドレス「%(value)s」が %(lines)s 行目にもあります。"),
    "email_taken": _("メールアドレス「%(value)s」は別の利用者が使っています。"),
    "department_code_empty": _("所属コードが空です。"),
    "department_code_invalid": _(
        "所属コード「%(value)s」には英字・数字・「-」・「_」だけを使ってください。"
    ),
    "department_name_empty": _("所属コード「%(code)s」は新しい所属ですが、所属名が空です。"),
    "department_name_conflict": _(
        "所属コード「%(code)s」の所属名が %(line)s 行目の「%(other)s」と異なります。"
    ),
    "parent_conflict": _(
        "所属コード「%(code)s」の上位所属コードが %(line)s 行目の「%(other)s」と異なります。"
    ),
    "parent_self": _("所属コード「%(code)s」の上位所属に、その所属自身は指定できません。"),
    "parent_unknown": _(
        "上位所属コード「%(parent)s」の所属が、ファイルにも登録済みの所属にもありません。"
    ),
    "parent_cycle": _("所属コード「%(code)s」の上位所属をたどると、元の所属に戻ってしまいます。"),
    "parent_invalid": _(
        "上位の所属「%(parent)s」に誤りがあるため、所属コード「%(code)s」を取り込めません。"
    ),
}


class RosterError(Exception):
    """The roster cannot be imported; ``errors`` lists the rows at fault, if any."""

    def __init__(self, code: str, *, errors: Sequence[RowError] = (), **params: object) -> None:
        self.code = code
        self.params = params
        self.errors = list(errors)
        super().__init__(code)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        return error_messages[self.code] % self.params


@dataclass
class RowError:
    """One problem with one row; ``line`` is the line number a spreadsheet shows (header = 1)."""

    line: int
    code: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The message in the active language."""
        return error_messages[self.code] % self.params


@dataclass
class RosterRow:
    line: int
    employee_number: str
    email: str
    last_name: str
    first_name: str
    last_name_kana: str
    first_name_kana: str
    department_code: str
    department_name: str
    parent_department_code: str


@dataclass
class DepartmentSpec:
    """What the file says about one department code: the first name and parent given."""

    code: str
    name: str = ""
    name_line: int = 0
    parent: str = ""
    parent_line: int = 0
    lines: list[int] = field(default_factory=list)


@dataclass
class RosterParseResult:
    encoding: str
    total_rows: int
    rows: list[RosterRow]
    errors: list[RowError]
    departments: dict[str, DepartmentSpec]
    # Every well-formed employee number in the file, valid row or not: a person whose row
    # has a bad e-mail address is still on the roster and must not be deactivated.
    seen_numbers: frozenset[str]

    @property
    def invalid_lines(self) -> set[int]:
        return {e.line for e in self.errors}


@dataclass
class RosterImportReport:
    total_rows: int
    encoding: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    departments_created: int = 0
    departments_updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    deactivated_users: list[User] = field(default_factory=list, repr=False)

    @property
    def skipped(self) -> int:
        """Rows left out because they have at least one error."""
        return len({e.line for e in self.errors})


# --- Reading the file -----------------------------------------------------------------------


def parse_roster(
    source: bytes | IO[bytes] | IO[str] | str, *, progress: ProgressCallback | None = None
) -> RosterParseResult:
    """Decode the CSV, map its headers and check every row on its own and against the others.

    ``source`` is the file's bytes, a file object opened in binary mode, or text already
    decoded.

    Raise ``RosterError`` when the file as a whole is unusable (unreadable, no header, a
    required column missing, no data rows); problems with single rows are returned in
    ``errors`` with their line numbers.
    """
    data = source if isinstance(source, str | bytes) else source.read()
    if isinstance(data, str):
        text, encoding = _checked_text(data), "utf-8"
    else:
        text, encoding = _decode(bytes(data))
    header, records = _read_records(text)
    columns = _map_header(header)
    if not records:
        raise RosterError("no_rows")

    rows: list[RosterRow] = []
    errors: list[RowError] = []
    total = len(records)
    for done, (line, cells) in enumerate(records, start=1):
        row = _parse_row(line, cells, header, columns, errors)
        if row is not None:
            rows.append(row)
        if progress is not None and (done % PROGRESS_STEP == 0 or done == total):
            progress("validate", done, total)

    _check_duplicates(rows, "employee_number", "duplicate_number", errors)
    _check_duplicates(rows, "email", "duplicate_email", errors)
    departments = _collect_departments(rows, errors)
    errors.sort(key=lambda e: e.line)
    return RosterParseResult(
        encoding=encoding,
        total_rows=total,
        rows=rows,
        errors=errors,
        departments=departments,
        seen_numbers=frozenset(r.employee_number for r in rows if r.employee_number),
    )


def _decode(data: bytes) -> tuple[str, str]:
    # UTF-16 (Excel's "Unicode text") and binary files both contain NUL bytes.
    if b"\x00" in data:
        raise RosterError("unreadable")
    for codec, label in (("utf-8-sig", "utf-8"), ("cp932", "cp932")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return _checked_text(text), label
    raise RosterError("unreadable")


def _checked_text(text: str) -> str:
    """Refuse text no roster holds, given as bytes or already decoded: control characters
    (NUL included) and lone surrogates, which no database column can store."""
    # Old DOS tools end files with Ctrl-Z.
    text = text.rstrip("\x1a")
    if _CONTROL_RE.search(text) or not is_clean_text(text):
        raise RosterError("unreadable")
    return text


def _read_records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and the (first line, cells) of each data row; skip empty rows."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            # A record may span lines (a quoted line break); a spreadsheet shows its first.
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
            else:
                records.append((line, cells))
    except csv.Error as exc:
        raise RosterError("malformed", line=previous_end + 1) from exc
    if header is None:
        raise RosterError("empty")
    return header, records


def _map_header(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = _HEADER_KEYS.get(unicodedata.normalize("NFKC", raw).strip().lower())
        if key is None:
            continue  # exports carry other columns (役職, 内線…): ignore them
        if key in columns:
            raise RosterError("duplicate_column", column=raw.strip())
        columns[key] = index
    missing = [COLUMNS[key][0] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise RosterError("missing_columns", columns="、".join(missing))
    return columns


def _parse_row(
    line: int,
    cells: list[str],
    header: list[str],
    columns: dict[str, int],
    errors: list[RowError],
) -> RosterRow | None:
    extra = cells[len(header) :]
    if len(cells) < len(header) or any(c.strip() for c in extra):
        errors.append(
            RowError(line, "column_count", {"expected": len(header), "actual": len(cells)})
        )
        return None

    def cell(key: str) -> str:
        return cells[columns[key]].strip() if key in columns else ""

    def label(key: str) -> str:
        return header[columns[key]].strip()

    def fits(key: str, value: str, model: type, field_name: str) -> bool:
        limit = model._meta.get_field(field_name).max_length
        if len(value) <= limit:
            return True
        errors.append(
            RowError(line, "too_long", {"column": label(key), "length": len(value), "limit": limit})
        )
        return False

    number = unicodedata.normalize("NFKC", cell("employee_number")).strip()
    if not number:
        errors.append(RowError(line, "number_empty"))
    elif not _NUMBER_RE.fullmatch(number):
        errors.append(RowError(line, "number_invalid", {"value": _quote(number)}))
        number = ""
    elif not fits("employee_number", number, User, "employee_number"):
        number = ""

    last_name, first_name = _split_name(cell("name"))
    if not last_name:
        errors.append(RowError(line, "name_empty"))
    fits("name", last_name, User, "last_name")
    fits("name", first_name, User, "first_name")
    # Half-width katakana (ﾄｼﾏ) is common in older exports; NFKC makes it full width.
    last_kana, first_kana = _split_name(unicodedata.normalize("NFKC", cell("name_kana")))
    fits("name_kana", last_kana, User, "last_name_kana")
    fits("name_kana", first_kana, User, "first_name_kana")

    email = unicodedata.normalize("NFKC", cell("email")).strip().lower()
    if not email:
        errors.append(RowError(line, "email_empty"))
    elif fits("email", email, User, "email"):
        try:
            validate_email(email)
        except ValidationError:
            errors.append(RowError(line, "email_invalid", {"value": _quote(email)}))
            email = ""
    else:
        email = ""

    code = _department_code(line, cell("department_code"), "department_code", fits, errors)
    if not cell("department_code"):
        errors.append(RowError(line, "department_code_empty"))
    department_name = cell("department_name")
    if not fits("department_name", department_name, Department, "name"):
        department_name = ""
    parent = ""
    if "parent_department_code" in columns:
        parent = _department_code(
            line, cell("parent_department_code"), "parent_department_code", fits, errors
        )

    return RosterRow(
        line=line,
        employee_number=number,
        email=email,
        last_name=last_name,
        first_name=first_name,
        last_name_kana=last_kana,
        first_name_kana=first_kana,
        department_code=code,
        department_name=department_name,
        parent_department_code=parent,
    )


def _department_code(
    line: int, raw: str, key: str, fits: Callable[..., bool], errors: list[RowError]
) -> str:
    code = unicodedata.normalize("NFKC", raw).strip()
    if not code:
        return ""
    if not _CODE_RE.fullmatch(code):
        errors.append(RowError(line, "department_code_invalid", {"value": _quote(code)}))
        return ""
    if not fits(key, code, Department, "code"):
        return ""
    return code


def _split_name(value: str) -> tuple[str, str]:
    """Split "豊島 太郎" or "豊島　太郎" at the first space into family and given name."""
    parts = value.split(maxsplit=1)
    if not parts:
        return "", ""
    if len(parts) == 1:
        return parts[0], ""
    return parts[0], parts[1].strip()


def _quote(value: str) -> str:
    return value if len(value) <= QUOTE_LIMIT else value[:QUOTE_LIMIT] + "…"


def _check_duplicates(
    rows: list[RosterRow], attribute: str, code: str, errors: list[RowError]
) -> None:
    lines_by_value: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        value = getattr(row, attribute)
        if value:
            lines_by_value[value].append(row.line)
    for value, lines in lines_by_value.items():
        if len(lines) < 2:
            continue
        # Every copy is an error: the file does not say which one is right.
        for line in lines:
            others = "、".join(str(n) for n in lines if n != line)
            errors.append(RowError(line, code, {"value": _quote(value), "lines": others}))


def _collect_departments(
    rows: list[RosterRow], errors: list[RowError]
) -> dict[str, DepartmentSpec]:
    specs: dict[str, DepartmentSpec] = {}
    for row in rows:
        code = row.department_code
        if not code:
            continue
        spec = specs.setdefault(code, DepartmentSpec(code))
        spec.lines.append(row.line)
        if row.department_name:
            if not spec.name:
                spec.name, spec.name_line = row.department_name, row.line
            elif row.department_name != spec.name:
                errors.append(
                    RowError(
                        row.line,
                        "department_name_conflict",
                        {"code": code, "line": spec.name_line, "other": _quote(spec.name)},
                    )
                )
        # An empty parent cell means "as before": it never moves a department to the top.
        if row.parent_department_code:
            if not spec.parent:
                spec.parent, spec.parent_line = row.parent_department_code, row.line
            elif row.parent_department_code != spec.parent:
                errors.append(
                    RowError(
                        row.line,
                        "parent_conflict",
                        {"code": code, "line": spec.parent_line, "other": spec.parent},
                    )
                )
    return specs


# --- Checking against the database and writing ---------------------------------------------


@dataclass
class _UserChange:
    row: RosterRow
    user: User | None  # None: a new user
    fields: list[str]


def import_roster(
    parsed: RosterParseResult,
    *,
    deactivate_missing: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    actor: User | None = None,
    request=None,
    source: str = "command",
) -> RosterImportReport:
    """Create and update the staff in ``parsed``; with ``dry_run`` only count what would change.

    Without ``skip_invalid`` any row error refuses the whole file (``RosterError`` with code
    ``invalid_rows``); with it the valid rows are imported and the errors are reported.
    ``deactivate_missing`` deactivates people with an employee number who are not in the file.

    A written import is audited in its transaction: one ``accounts.roster.imported`` entry
    (``actor``, the ``request``'s address, ``source`` "command" or "admin", the counts) and
    one ``accounts.user.deactivated`` per person switched off. A dry run records nothing.
    """
    if dry_run:
        return _import(parsed, deactivate_missing, skip_invalid, write=False)
    try:
        # The checks read inside the transaction too, so they see what is written.
        with transaction.atomic(durable=True):
            report = _import(parsed, deactivate_missing, skip_invalid, progress=progress)
            _audit_import(report, deactivate_missing, actor=actor, request=request, source=source)
            return report
    except IntegrityError as exc:
        raise RosterError("conflict") from exc


def _audit_import(
    report: RosterImportReport, deactivate_missing: bool, *, actor, request, source: str
) -> None:
    counts = dict(_report_counts(report))
    log_action(
        "accounts.roster.imported",
        user=actor,
        data={"source": source, "deactivate_missing": deactivate_missing, **counts},
        request=request,
    )
    for user in report.deactivated_users:
        log_action(
            "accounts.user.deactivated",
            user=actor,
            obj=user,
            data={"source": source},
            request=request,
        )


def _report_counts(report: RosterImportReport) -> list[tuple[str, int]]:
    names = (
        "total_rows",
        "created",
        "updated",
        "unchanged",
        "deactivated",
        "departments_created",
        "departments_updated",
        "skipped",
    )
    return [(name, getattr(report, name)) for name in names]


def _import(
    parsed: RosterParseResult,
    deactivate_missing: bool,
    skip_invalid: bool,
    *,
    write: bool = True,
    progress: ProgressCallback | None = None,
) -> RosterImportReport:
    departments = {d.code: d for d in Department.objects.all()}
    existing = {u.employee_number: u for u in User.objects.filter(employee_number__isnull=False)}
    errors = list(parsed.errors)
    _check_department_tree(parsed.departments, departments, errors)
    _check_email_owners(parsed.rows, existing, errors)
    errors.sort(key=lambda e: e.line)
    invalid = {e.line for e in errors}
    if invalid and not skip_invalid:
        raise RosterError("invalid_rows", errors=errors, count=len(invalid))
    rows = [r for r in parsed.rows if r.line not in invalid]
    if not rows:
        raise RosterError("no_valid_rows", errors=errors)

    department_plan = _plan_departments(rows, parsed.departments, departments)
    changes = _plan_users(rows, existing, departments)
    to_deactivate = []
    if deactivate_missing:
        to_deactivate = [
            user
            for number, user in existing.items()
            if user.is_active and number not in parsed.seen_numbers
        ]
    report = RosterImportReport(
        total_rows=parsed.total_rows,
        encoding=parsed.encoding,
        created=sum(1 for c in changes if c.user is None),
        updated=sum(1 for c in changes if c.user is not None and c.fields),
        unchanged=sum(1 for c in changes if c.user is not None and not c.fields),
        deactivated=len(to_deactivate),
        departments_created=sum(1 for code in department_plan if code not in departments),
        departments_updated=sum(1 for code in department_plan if code in departments),
        errors=errors,
        dry_run=not write,
        deactivated_users=to_deactivate if write else [],
    )
    if write:
        _write_departments(department_plan, departments)
        _write_users(changes, to_deactivate, departments, progress)
    return report


def _check_department_tree(
    specs: dict[str, DepartmentSpec], departments: dict[str, Department], errors: list[RowError]
) -> None:
    """Flag the rows whose department cannot be written.

    A department is at fault when it is new without a name, when its parent is itself,
    unknown or leads round in a circle, or when any department above it is at fault.
    """
    code_by_pk = {d.pk: code for code, d in departments.items()}
    parent_of = {code: code_by_pk.get(d.parent_id, "") for code, d in departments.items()}
    parent_of.update({code: spec.parent for code, spec in specs.items() if spec.parent})

    faults: dict[str, tuple[str, dict[str, object]]] = {}
    for code, spec in specs.items():
        if code not in departments and not spec.name:
            faults[code] = ("department_name_empty", {"code": code})
        elif spec.parent == code:
            faults[code] = ("parent_self", {"code": code})
        elif spec.parent and spec.parent not in departments and spec.parent not in specs:
            faults[code] = ("parent_unknown", {"parent": spec.parent})
    for code in specs:
        if code in faults:
            continue
        chain = [code]
        parent = parent_of.get(code, "")
        while parent and parent not in faults and parent not in chain:
            chain.append(parent)
            parent = parent_of.get(parent, "")
        if parent in chain:
            start = chain.index(parent)
            for member in chain[start:]:
                faults[member] = ("parent_cycle", {"code": member})
            chain = chain[:start]
        if parent in faults:
            for member in chain:
                faults[member] = ("parent_invalid", {"parent": parent, "code": member})

    for code, (error_code, params) in faults.items():
        if code in specs:
            for line in specs[code].lines:
                errors.append(RowError(line, error_code, params))


def _check_email_owners(
    rows: list[RosterRow], existing: dict[str, User], errors: list[RowError]
) -> None:
    """Flag rows whose e-mail address already belongs to someone with another number."""
    emails = sorted({r.email for r in rows if r.email})
    owners: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(emails, BATCH_SIZE):
        users = (
            User.objects.annotate(address=Lower("email"))
            .filter(address__in=chunk)
            .values_list("address", "pk")
        )
        addresses = (
            EmailAddress.objects.annotate(address=Lower("email"))
            .filter(address__in=chunk, verified=True)
            .values_list("address", "user_id")
        )
        for address, user_id in [*users, *addresses]:
            owners[address].add(user_id)
    for row in rows:
        if not row.email or row.email not in owners:
            continue
        own = existing.get(row.employee_number) if row.employee_number else None
        if owners[row.email] - {own.pk if own else None}:
            errors.append(RowError(row.line, "email_taken", {"value": _quote(row.email)}))


def _plan_departments(
    rows: list[RosterRow], specs: dict[str, DepartmentSpec], departments: dict[str, Department]
) -> dict[str, DepartmentSpec]:
    """Return the specs of the departments to create or change.

    The departments of the valid rows come with every department above them that the file
    describes, even when the rows that describe it were left out.
    """
    code_by_pk = {d.pk: code for code, d in departments.items()}
    plan: dict[str, DepartmentSpec] = {}
    visited: set[str] = set()
    pending = [r.department_code for r in rows]
    while pending:
        code = pending.pop()
        if code in visited or code not in specs:
            continue
        visited.add(code)
        spec = specs[code]
        current = departments.get(code)
        if current is None or _department_differs(current, spec, departments):
            plan[code] = spec
        parent = spec.parent or (code_by_pk.get(current.parent_id, "") if current else "")
        if parent:
            pending.append(parent)
    return plan


def _department_differs(
    current: Department, spec: DepartmentSpec, departments: dict[str, Department]
) -> bool:
    if spec.name and spec.name != current.name:
        return True
    if spec.parent:
        parent = departments.get(spec.parent)
        return parent is None or parent.pk != current.parent_id
    return False


def _plan_users(
    rows: list[RosterRow], existing: dict[str, User], departments: dict[str, Department]
) -> list[_UserChange]:
    changes = []
    for row in rows:
        user = existing.get(row.employee_number)
        if user is None:
            changes.append(_UserChange(row, None, []))
            continue
        wanted = {
            "last_name": row.last_name,
            "first_name": row.first_name,
            "last_name_kana": row.last_name_kana,
            "first_name_kana": row.first_name_kana,
            "email": row.email,
            "is_active": True,
        }
        fields = [name for name, value in wanted.items() if getattr(user, name) != value]
        department = departments.get(row.department_code)  # None: created by this import
        if department is None or department.pk != user.department_id:
            fields.append("department")
        changes.append(_UserChange(row, user, fields))
    return changes


def _write_departments(plan: dict[str, DepartmentSpec], departments: dict[str, Department]) -> None:
    new = [
        Department(code=code, name=spec.name, path=code)
        for code, spec in plan.items()
        if code not in departments
    ]
    Department.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if any(d.pk is None for d in new):  # backends that do not return primary keys
        new = list(Department.objects.filter(code__in=[d.code for d in new]))
    departments.update({d.code: d for d in new})

    touched = set()
    for code, spec in plan.items():
        department = departments[code]
        if spec.name and spec.name != department.name:
            department.name = spec.name
            touched.add(code)
        if spec.parent and departments[spec.parent].pk != department.parent_id:
            department.parent_id = departments[spec.parent].pk
            touched.add(code)
    # Department.save() keeps ``path`` right one object at a time; the bulk write computes
    # every path here instead, which also moves the subtrees below a moved department.
    by_pk = {d.pk: d for d in departments.values()}
    for code, department in departments.items():
        path = _department_path(department, by_pk)
        if path != department.path:
            department.path = path
            touched.add(code)
    Department.objects.bulk_update(
        [departments[code] for code in touched], ["name", "parent", "path"], batch_size=BATCH_SIZE
    )


def _department_path(department: Department, by_pk: dict[int, Department]) -> str:
    codes = [department.code]
    current = department
    # The tree was checked for cycles; the bound is a guard, not a rule.
    for _step in range(len(by_pk)):
        if current.parent_id is None:
            break
        current = by_pk[current.parent_id]
        codes.append(current.code)
    return PATH_SEPARATOR.join(reversed(codes))


def _write_users(
    changes: list[_UserChange],
    to_deactivate: list[User],
    departments: dict[str, Department],
    progress: ProgressCallback | None,
) -> None:
    staff_group, _created = Group.objects.get_or_create(name=GROUP_NAMES[Role.STAFF])
    # Bulk writes skip User.save, so the day someone joins a department is set here.
    today = timezone.localdate()
    new_users = [
        User(
            email=c.row.email,
            employee_number=c.row.employee_number,
            last_name=c.row.last_name,
            first_name=c.row.first_name,
            last_name_kana=c.row.last_name_kana,
            first_name_kana=c.row.first_name_kana,
            department=departments[c.row.department_code],
            department_since=today,
            # People set their password through the password-reset e-mail.
            password=make_password(None),
        )
        for c in changes
        if c.user is None
    ]
    updated = [c for c in changes if c.user is not None and c.fields]
    total = len(new_users) + len(updated) + len(to_deactivate)
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress("write", done, total)

    for chunk in _chunks(new_users, PROGRESS_STEP):
        User.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
        report(len(chunk))
    if any(u.pk is None for u in new_users):  # backends that do not return primary keys
        pks = dict(
            User.objects.filter(
                employee_number__in=[u.employee_number for u in new_users]
            ).values_list("employee_number", "pk")
        )
        for user in new_users:
            user.pk = pks[user.employee_number]
    Membership = User.groups.through
    Membership.objects.bulk_create(
        [Membership(user_id=u.pk, group_id=staff_group.pk) for u in new_users],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new_users],
        batch_size=BATCH_SIZE,
    )

    old_emails: dict[int, str] = {}
    fields: set[str] = set()
    for change in updated:
        user = change.user
        if "email" in change.fields:
            old_emails[user.pk] = user.email.lower()
        user.last_name = change.row.last_name
        user.first_name = change.row.first_name
        user.last_name_kana = change.row.last_name_kana
        user.first_name_kana = change.row.first_name_kana
        user.email = change.row.email
        user.department = departments[change.row.department_code]
        user.is_active = True
        fields.update(change.fields)
        if "department" in change.fields:
            user.department_since = today
            fields.add("department_since")
    for chunk in _chunks([c.user for c in updated], PROGRESS_STEP):
        User.objects.bulk_update(chunk, sorted(fields), batch_size=BATCH_SIZE)
        report(len(chunk))
    _sync_email_addresses([c.user for c in changes if c.user is not None], old_emails)

    for user in to_deactivate:
        user.is_active = False
    for chunk in _chunks(to_deactivate, PROGRESS_STEP):
        User.objects.bulk_update(chunk, ["is_active"], batch_size=BATCH_SIZE)
        report(len(chunk))


def _sync_email_addresses(users: list[User], old_emails: dict[int, str]) -> None:
    """Make each user's e-mail their verified primary allauth address.

    The address that mirrored a changed e-mail is removed, so the old address no longer
    logs in and is free for someone else; other addresses stay, no longer primary.
    """
    by_pk = {u.pk: u for u in users}
    addresses: dict[int, list[EmailAddress]] = defaultdict(list)
    for address in EmailAddress.objects.filter(user__employee_number__isnull=False):
        if address.user_id in by_pk:
            addresses[address.user_id].append(address)

    remove, demote, promote, create = [], [], [], []
    for pk, user in by_pk.items():
        wanted = user.email.lower()
        found = False
        for address in addresses[pk]:
            email = address.email.lower()
            if email == wanted:
                found = True
                if not (address.verified and address.primary):
                    address.verified = address.primary = True
                    promote.append(address)
            elif email == old_emails.get(pk):
                remove.append(address.pk)
            elif address.primary:
                address.primary = False
                demote.append(address)
        if not found:
            create.append(EmailAddress(user=user, email=wanted, verified=True, primary=True))
    for chunk in _chunks(remove, BATCH_SIZE):
        EmailAddress.objects.filter(pk__in=chunk).delete()
    # Demote before promoting: one primary address per user is a database constraint.
    EmailAddress.objects.bulk_update(demote, ["primary"], batch_size=BATCH_SIZE)
    EmailAddress.objects.bulk_update(promote, ["verified", "primary"], batch_size=BATCH_SIZE)
    EmailAddress.objects.bulk_create(create, batch_size=BATCH_SIZE)


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def summary_lines(report: RosterImportReport) -> list[tuple[str, int]]:
    """(label, count) pairs for showing a report, in display order."""
    return [
        (_("新規作成"), report.created),
        (_("更新"), report.updated),
        (_("変更なし"), report.unchanged),
        (_("無効化"), report.deactivated),
        (_("所属の新規作成"), report.departments_created),
        (_("所属の変更"), report.departments_updated),
        (_("誤りのある行"), report.skipped),
    ]
