"""Read tests/access_matrix.csv: one row per route, the expected GET status per visitor.

Status cells:

- ``200``, ``403``, ``404`` … the status a GET by that visitor must answer.
- ``302`` a redirect. For an anonymous visitor it must lead to the login page; for a
  signed-in visitor it may go anywhere that does not lead back (no redirect loop).
- ``302>/path/`` a redirect whose Location has the path ``/path/`` (the query is ignored).
- ``-`` the view takes POST only; a GET must answer 405.

The ``axe`` column names the visitor the accessibility audit uses, or ``-`` when the page is
not audited (the ``note`` column must then say why).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.conftest import VISITORS

MATRIX_PATH = Path(__file__).resolve().parent.parent / "access_matrix.csv"
HEADER = ["route", "sample_path", *VISITORS, "axe", "note"]
POST_ONLY = "-"


@dataclass(frozen=True)
class Expected:
    status: int
    location: str | None = None

    @classmethod
    def parse(cls, cell: str) -> Expected:
        if cell == POST_ONLY:
            return cls(405)
        status, _sep, location = cell.partition(">")
        return cls(int(status), location or None)

    def __str__(self) -> str:
        return f"{self.status}>{self.location}" if self.location else str(self.status)


@dataclass(frozen=True)
class Row:
    line: int
    route: str
    sample_path: str
    expected: dict[str, Expected]
    axe: str | None
    note: str

    @property
    def delegated(self) -> bool:
        return self.route.endswith("*")

    @property
    def id(self) -> str:
        return self.route or "(empty route)"


class MatrixError(ValueError):
    pass


@cache
def load_rows(path: Path = MATRIX_PATH) -> tuple[Row, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        if header != HEADER:
            raise MatrixError(f"{path.name}: the header must be {','.join(HEADER)}.")
        rows = []
        seen: set[str] = set()
        for line, cells in enumerate(reader, start=2):
            if not cells or not "".join(cells).strip():
                continue
            if len(cells) != len(HEADER):
                raise MatrixError(f"{path.name}:{line}: expected {len(HEADER)} cells.")
            rows.append(_parse_row(path.name, line, dict(zip(HEADER, cells, strict=True))))
            if rows[-1].route in seen:
                raise MatrixError(f"{path.name}:{line}: route {rows[-1].route!r} is listed twice.")
            seen.add(rows[-1].route)
    return tuple(rows)


def _parse_row(filename: str, line: int, cells: dict[str, str]) -> Row:
    where = f"{filename}:{line}"
    if not cells["sample_path"].startswith("/"):
        raise MatrixError(f"{where}: sample_path must start with '/'.")
    try:
        expected = {visitor: Expected.parse(cells[visitor].strip()) for visitor in VISITORS}
    except ValueError as exc:
        raise MatrixError(f"{where}: a status cell is not a number, '-' or '302>/path'.") from exc
    axe = cells["axe"].strip()
    if axe != "-" and axe not in VISITORS:
        raise MatrixError(f"{where}: axe must be one of {', '.join(VISITORS)} or '-'.")
    note = cells["note"].strip()
    if axe == "-" and not note:
        raise MatrixError(f"{where}: say in the note why the page is not audited.")
    return Row(
        line=line,
        route=cells["route"],
        sample_path=cells["sample_path"],
        expected=expected,
        axe=None if axe == "-" else axe,
        note=note,
    )
