"""The H5P package validator (learning.h5p.validation) against real fixtures and crafted zips."""

from __future__ import annotations

import io
import json
import stat
import struct
import warnings
import zipfile

import pytest

from learning.h5p.validation import H5PValidationError, validate_package
from tests.learning.h5p_support import FIXTURES, GREETING, INVALID, VALID, variant

pytestmark = pytest.mark.django_db


def refused(data: bytes) -> H5PValidationError:
    with pytest.raises(H5PValidationError) as info:
        validate_package(io.BytesIO(data))
    return info.value


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_fixtures_pass(name):
    result = validate_package(FIXTURES / name)
    assert result.main_library[0] == VALID[name]
    assert result.main_library in result.dependencies
    assert result.dependencies[-1] == result.main_library or result.main_library in result.libraries
    assert any(m.path == "content.json" for m in result.content_files)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_fixtures_are_refused_with_the_reason(name):
    with pytest.raises(H5PValidationError) as info:
        validate_package(FIXTURES / name)
    code, entry = INVALID[name]
    assert info.value.code == code
    assert info.value.entry == entry
    assert entry in info.value.message and entry in info.value.english


def test_stray_top_level_file_is_tolerated_and_not_kept():
    result = validate_package(FIXTURES / "true-false-hello-world.h5p")
    names = {m.name for m in result.content_files}
    names |= {m.name for lib in result.libraries.values() for m in lib.files}
    assert "H5P_CONTENT_HERE.txt" not in names


def test_dot_and_underscore_entries_are_skipped():
    data = variant(extra=[("__MACOSX/content/x.php", b"<?php"), ("content/.hidden.php", b"x")])
    result = validate_package(io.BytesIO(data))
    assert all(".php" not in m.name for m in result.content_files)


def test_not_a_zip():
    assert refused(b"abcd").code == "not_zip"


@pytest.mark.parametrize(
    "name",
    ["../x.json", "content/../../evil.txt", "/etc/x.txt", "content\\..\\evil.txt", "C:x.txt",
     "content//a.json", "content/./a.json"],
)  # fmt: skip
def test_unsafe_names_are_refused(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error = refused(variant(extra=[(zipfile.ZipInfo(name), b"x")]))
    assert error.code == "unsafe_path"


def test_nul_in_a_name_is_refused():
    data = variant(extra=[("content/aXb.json", b"{}")])
    data = data.replace(b"content/aXb.json", b"content/a\x00b.json")
    assert refused(data).code == "unsafe_path"


def test_symlink_is_refused():
    link = zipfile.ZipInfo("content/link.json")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    error = refused(variant(extra=[(link, b"/etc/passwd")]))
    assert (error.code, error.entry) == ("symlink", "content/link.json")


@pytest.mark.parametrize("second", ["content/content.json", "CONTENT/Content.json"])
def test_duplicate_names_are_refused(second):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error = refused(variant(extra=[(second, b"{}")]))
    assert error.code == "duplicate"


def test_zip_bomb_is_stopped_by_the_ratio(settings):
    settings.H5P_MAX_FILE_BYTES = 500 * 1024 * 1024
    data = variant(extra=[("content/zeros.txt", b"\0" * (20 * 1024 * 1024))])
    assert refused(data).code == "ratio"


def test_zip_bomb_with_lying_header_is_stopped_while_streaming(settings):
    """A member whose headers claim 10 bytes is refused for what really comes out."""
    settings.H5P_MAX_FILE_BYTES = 1024 * 1024
    settings.H5P_MAX_RATIO = 10_000
    big = b"A" * (4 * 1024 * 1024)
    data = bytearray(variant(extra=[("content/big.txt", big)]))
    # Patch the uncompressed size in the local header (offset 22) and central directory (24).
    size = struct.pack("<I", len(big))
    assert data.count(size) == 2
    data = bytes(data).replace(size, struct.pack("<I", 10))
    error = refused(data)
    assert error.code in {"file_too_large", "unreadable"}
    assert error.entry == "content/big.txt"


def test_total_size_limit(settings):
    settings.H5P_MAX_TOTAL_BYTES = 30_000
    assert refused(GREETING.read_bytes()).code == "too_large"


def test_ten_thousand_entries_are_refused():
    extra = [(f"content/f{i}.txt", b"") for i in range(10_000)]
    assert refused(variant(extra=extra)).code == "too_many_entries"


@pytest.mark.parametrize(
    "name",
    [
        "content/evil.php",
        "content/page.html",
        "content/x.js",
        "content/x.svg",
        "content/x.xml",
        "H5P.GreetingCard-1.0/x.php",
    ],
)
def test_disallowed_extensions_are_refused(name):
    error = refused(variant(extra=[(name, b"<script>")]))
    assert (error.code, error.entry) == ("extension", name)


def test_missing_h5p_json():
    assert refused(variant(drop=lambda n: n == "h5p.json")).code == "missing_h5p_json"


def test_missing_content_json():
    error = refused(variant(drop=lambda n: n == "content/content.json"))
    assert error.code == "missing_content_json"


@pytest.mark.parametrize("field", ["mainLibrary", "title", "language", "preloadedDependencies"])
def test_h5p_json_without_a_required_field(field):
    with zipfile.ZipFile(GREETING) as zf:
        h5p = json.loads(zf.read("h5p.json"))
    del h5p[field]
    error = refused(variant(replace={"h5p.json": json.dumps(h5p).encode()}))
    assert (error.code, error.params["field"]) == ("h5p_json_field", field)


def test_broken_content_json():
    error = refused(variant(replace={"content/content.json": b"{nope"}))
    assert (error.code, error.entry) == ("bad_json", "content/content.json")


def test_missing_library_is_refused():
    data = variant(drop=lambda n: n.startswith("H5P.GreetingCard-1.0/"))
    error = refused(data)
    assert (error.code, error.entry) == ("missing_library", "H5P.GreetingCard 1.0")


def test_library_folder_must_match_library_json():
    data = variant(extra=[("H5P.Other-1.0/library.json", b"")])
    assert refused(data).code == "bad_json"
    with zipfile.ZipFile(GREETING) as zf:
        lib = zf.read("H5P.GreetingCard-1.0/library.json")
    error = refused(variant(extra=[("H5P.Other-1.0/library.json", lib)]))
    assert (error.code, error.entry) == ("library_folder_mismatch", "H5P.Other-1.0")


def test_library_folder_without_library_json():
    error = refused(variant(extra=[("H5P.X-1.0/x.js", b"")]))
    assert (error.code, error.entry) == ("missing_library_json", "H5P.X-1.0")


def test_messages_are_japanese_and_english():
    error = refused(b"abcd")
    assert "zip" in error.message and error.message != error.english
    assert " / " in error.one_line
