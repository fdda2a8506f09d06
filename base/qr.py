"""QR codes for printouts (booking slips, certificates): one encoder, drawn as module runs."""

from __future__ import annotations

from collections.abc import Iterator

import qrcode
import qrcode.constants


def qr_matrix(text: str, *, border: int = 0) -> list[list[bool]]:
    """Return the QR code modules for ``text`` (row 0 at the top), error correction M."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def dark_runs(matrix: list[list[bool]]) -> Iterator[tuple[int, int, int]]:
    """Yield (row, first column, length) of each horizontal run of dark modules.

    Drawing runs instead of single modules keeps SVG paths and PDF pages small and sharp.
    """
    for row_index, row in enumerate(matrix):
        column, size = 0, len(row)
        while column < size:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < size and row[column]:
                column += 1
            yield row_index, start, column - start
