"""A tiny reader for the PDFs reportlab writes: page content streams, shown text, filled rects.

Enough to check a certificate without a PDF library: content streams are ASCII85 + Flate
encoded (reportlab's defaults), text is shown with ``(…) Tj`` after a ``/Fn size Tf``; in the
Japanese CID fonts (encoding UniJIS-UCS2-H) each character is two bytes of UTF-16BE, in the
standard Latin fonts one byte of WinAnsi (cp1252).
"""

from __future__ import annotations

import base64
import re
import zlib

STREAM = re.compile(rb"\bobj\s*<<((?:(?!\bobj\b).)*?)>>\s*stream\r?\n(.*?)\r?\n?endstream", re.S)
TEXT_OPS = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
OBJECT = re.compile(rb"\d+ 0 obj(.*?)endobj", re.S)
FILLED_RECT = re.compile(rb"n (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f\*")
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def content_streams(pdf: bytes) -> list[bytes]:
    """Return every stream of the file, decoded (ASCII85 and Flate filters)."""
    streams = []
    for header, data in STREAM.findall(pdf):
        filters = re.findall(rb"/(ASCII85Decode|FlateDecode)", header)
        for name in filters:
            if name == b"ASCII85Decode":
                data = base64.a85decode(data.strip().removesuffix(b"~>"))
            else:
                data = zlib.decompress(data)
        streams.append(data)
    return streams


def _unescape(literal: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(literal):
        byte = literal[i : i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        following = literal[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def _unicode_fonts(pdf: bytes) -> set[bytes]:
    """Return the resource names (F2 …) of the fonts whose strings are UTF-16BE."""
    names = set()
    for body in OBJECT.findall(pdf):
        name = re.search(rb"/Name /(F\d+)", body)
        if name and b"/Encoding /UniJIS-UCS2-H" in body:
            names.add(name.group(1))
    return names


def shown_text(pdf: bytes) -> list[str]:
    """Return each string the pages show, decoded according to the font it is shown in."""
    unicode_fonts = _unicode_fonts(pdf)
    texts = []
    for stream in content_streams(pdf):
        font = b""
        for font_name, literal in TEXT_OPS.findall(stream):
            if font_name:
                font = font_name
                continue
            encoding = "utf-16-be" if font in unicode_fonts else "cp1252"
            texts.append(_unescape(literal).decode(encoding))
    return texts


def filled_rects(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """Return the (x, y, width, height) of every filled rectangle, in its own coordinates."""
    rects = []
    for stream in content_streams(pdf):
        for match in FILLED_RECT.findall(stream):
            rects.append(tuple(float(value) for value in match))
    return rects
