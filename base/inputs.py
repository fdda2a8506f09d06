"""One place that decides which raw input the platform accepts at all.

Every channel that takes text from outside goes through here before anything else sees it:
the request middleware (path, query string and form fields), the JSON API's parser, and the
xAPI and player-state parsers. Two things are refused, never silently changed:

- NUL (U+0000): PostgreSQL cannot store it in a text column, so a name with NUL would fail
  deep inside a transaction; no legitimate input contains it.
- lone surrogates (U+D800–U+DFFF not in a pair): JSON may escape them (``"\\ud800"``), but they
  are not characters and cannot be encoded as UTF-8 for either database or for a response.

JSON is also bounded before it is parsed: its size, and its nesting depth (Python's parser
recurses, so ~2,000 nested brackets would raise RecursionError).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_JSON_DEPTH = 32

error_messages = {
    "bad_text": _(
        "入力に使えない文字（制御文字など）が含まれています。"
        " / The input contains characters that cannot be used (such as control characters)."
    ),
    "bad_json": _(
        "送信された内容を JSON として読み取れません。 / The request body could not be read as JSON."
    ),
    "too_deep": _("送信された JSON の入れ子が深すぎます。 / The JSON sent is nested too deeply."),
    "too_large": _("送信された内容が大きすぎます。 / The request body is too large."),
}


class InputError(ValueError):
    """Input refused at the edge; ``code`` is a key of ``error_messages``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def detail(self) -> str:
        return str(error_messages[self.code])


def is_clean_text(text: str) -> bool:
    """Whether ``text`` holds neither NUL nor a lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(text: str) -> str:
    """Return ``text`` unchanged, or raise InputError("bad_text")."""
    if not is_clean_text(text):
        raise InputError("bad_text")
    return text


def json_depth_exceeds(body: bytes | str, max_depth: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than ``max_depth`` (strings skipped).

    A linear scan that needs no parse, so it is safe on any input.
    """
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _reject_constant(name: str) -> float:
    raise ValueError(name)


def check_json_value(value: Any) -> Any:
    """Raise InputError("bad_text") if any key or string inside ``value`` is not clean text."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                check_text(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
    return value


def load_json(
    body: bytes | str, *, max_bytes: int | None = None, max_depth: int = DEFAULT_MAX_JSON_DEPTH
) -> Any:
    """Parse a JSON body within bounds; raise InputError with a code otherwise.

    ``too_large`` beyond ``max_bytes``, ``too_deep`` beyond ``max_depth``, ``bad_json`` for
    anything that is not strict JSON (NaN and Infinity included), ``bad_text`` for NUL or a
    lone surrogate in any key or string.
    """
    size = len(body.encode("utf-8", errors="surrogatepass") if isinstance(body, str) else body)
    if max_bytes is not None and size > max_bytes:
        raise InputError("too_large")
    if json_depth_exceeds(body, max_depth):
        raise InputError("too_deep")
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError("bad_json") from exc
    return check_json_value(data)


def decode_csv(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) of an uploaded CSV: UTF-8 with or without BOM, else CP932
    (the importers' rule). Raises UnicodeError when it is neither.

    A file with a NUL byte is refused: UTF-16 and binary files are full of them, and
    PostgreSQL cannot store NUL (in UTF-8 and CP932 the byte means only U+0000).
    """
    if b"\x00" in data:
        raise UnicodeError("NUL byte: UTF-16 or a binary file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 (BOM)"  # a BOM, then not UTF-8: refused
    for encoding, label in (("utf-8", "UTF-8"), ("cp932", "CP932")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise UnicodeError("neither UTF-8 nor CP932")
