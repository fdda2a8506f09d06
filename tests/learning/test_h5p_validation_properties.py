"""Properties of the H5P package validator (learning.h5p.validation), checked with hypothesis.

Whatever is uploaded (any bytes, a zip of random members named ``../x``, ``/abs``, ``C:x`` or
``a\\b``, sizes that lie, a random or absurdly nested h5p.json), the validator either accepts
the package or refuses it with an ``H5PValidationError`` that has a message in both languages;
no other exception reaches the upload page. What it accepts stays inside the storage root when
stored.
"""

from __future__ import annotations

import io
import json
import posixpath
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from learning.h5p.storage import import_package, library_dir
from learning.h5p.validation import MAX_DEPENDENCY_DEPTH, H5PValidationError, validate_package
from tests.learning.h5p_support import GREETING, stored_files

pytestmark = pytest.mark.django_db

ROOT = "/storage-root"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# h5p.json as H5P writes it, with each field possibly wrong.
h5p_json_like = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=10) | json_values,
        "mainLibrary": st.sampled_from(["H5P.GreetingCard", "H5P.X", "..", "a\n", ""])
        | json_values,
        "language": st.just("ja") | json_values,
        "preloadedDependencies": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "machineName": st.sampled_from(["H5P.GreetingCard", "H5P.X", "../x"]),
                    "majorVersion": st.sampled_from([1, "1", "x", -1, 10**9, True]),
                    "minorVersion": st.sampled_from([0, "0", None, 1.5]),
                },
            ),
            max_size=3,
        )
        | json_values,
    },
)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


json_documents = st.one_of(
    h5p_json_like.map(lambda value: json.dumps(value).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.integers(500, 20_000).map(nested),
    st.binary(max_size=64),
)
segments = st.sampled_from(
    [
        "content",
        "..",
        ".",
        "",
        "H5P.GreetingCard-1.0",
        "H5P.X",
        "library.json",
        "content.json",
        "x.json",
        "a.js",
        "b.php",
        "c.svg",
        "ｘ.png",
        "__MACOSX",
        ".DS_Store",
        "C:",
        "a\\b",
        "\x01",
    ]
)
entry_names = st.one_of(
    st.sampled_from(
        [
            "h5p.json",
            "content/content.json",
            "../evil.json",
            "/etc/passwd",
            "content/../../x.json",
            "C:/x.json",
            "content\\..\\x.json",
            "content/",
            "H5P.X-1.0/library.json",
            "a//b.json",
        ]
    ),
    st.lists(segments, min_size=1, max_size=4).map("/".join),
    st.text(max_size=20),
)
# The JSON files the validator parses, to be replaced in the valid package.
JSON_FILES = ["h5p.json", "content/content.json", "H5P.GreetingCard-1.0/library.json"]
members = st.lists(
    st.tuples(entry_names, json_documents) | st.tuples(st.sampled_from(JSON_FILES), json_documents),
    max_size=6,
)


def build_zip(entries: list[tuple[str, bytes]], base: Path | None) -> bytes:
    """A zip of ``entries`` on top of ``base``'s members (an entry of the same name replaces)."""
    members: dict[str, bytes] = {}
    if base is not None:
        with zipfile.ZipFile(base) as zi:
            members = {info.filename: zi.read(info.filename) for info in zi.infolist()}
    extra = [(name, data) for name, data in entries if name not in members]
    members.update((name, data) for name, data in entries if name in members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo, warnings_ignored():
        for name, data in [*members.items(), *extra]:
            zo.writestr(name or "x", data)
    return out.getvalue()


class warnings_ignored:
    """zipfile warns about duplicate names; duplicates are one of the inputs here."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


def lie_about_sizes(data: bytes, size: int) -> bytes:
    """Write ``size`` as every member's uncompressed size in the central directory."""
    out = bytearray(data)
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into("<I", out, start + 24, size)
        start += 4
    return bytes(out)


def accepted_or_refused(data: bytes):
    """The validator's answer: a package, or None after checking the refusal's message."""
    try:
        return validate_package(io.BytesIO(data))
    except H5PValidationError as exc:
        assert exc.code
        assert exc.message.strip()
        assert exc.english.strip()
        return None


def stays_inside(path: str) -> bool:
    resolved = posixpath.normpath(posixpath.join(ROOT, path))
    return resolved.startswith(ROOT + "/")


@hypothesis_settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=512))
def test_any_bytes_are_refused_with_a_message(data):
    assert accepted_or_refused(data) is None


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(members, st.booleans(), st.none() | st.sampled_from([0, 2**31, 2**32 - 1]))
def test_random_zips_are_accepted_inside_the_root_or_refused_with_a_message(
    entries, on_valid_package, declared_size
):
    data = build_zip(entries, GREETING if on_valid_package else None)
    if declared_size is not None:
        data = lie_about_sizes(data, declared_size)

    package = accepted_or_refused(data)

    if package is not None:
        for member in package.content_files:
            assert stays_inside(f"h5p/content/some-uuid/{member.path}")
        for key, library in package.libraries.items():
            for member in library.files:
                assert stays_inside(f"{library_dir(key)}{member.path}")


extra_entries = st.lists(
    st.tuples(
        st.lists(segments, min_size=1, max_size=3).map(lambda parts: "content/" + "/".join(parts)),
        st.binary(max_size=32),
    ),
    max_size=3,
)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(extra_entries)
def test_an_accepted_package_is_stored_below_the_storage_root(settings, tmp_path, entries):
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    settings.MEDIA_ROOT = media
    outside_before = {p for p in tmp_path.rglob("*") if media not in p.parents}
    data = build_zip(entries, GREETING)
    try:
        import_package(io.BytesIO(data), title="T", trusted=True)
    except H5PValidationError as exc:
        assert exc.message.strip()
    outside_after = {p for p in tmp_path.rglob("*") if media not in p.parents}
    assert outside_after == outside_before
    assert all((media / "h5p") in path.parents for path in stored_files(media))


def test_deeply_nested_h5p_json_is_refused_not_a_recursion_error():
    # 5,000 nested brackets made json.loads raise RecursionError, which no caller expected.
    data = build_zip([("h5p.json", nested(5000))], GREETING)

    with pytest.raises(H5PValidationError) as info:
        validate_package(io.BytesIO(data))

    assert info.value.code == "bad_json"
    assert info.value.entry == "h5p.json"


def test_deeply_nested_content_json_is_refused_not_a_recursion_error():
    data = build_zip([("content/content.json", b'{"a": ' + nested(5000) + b"}")], GREETING)

    with pytest.raises(H5PValidationError) as info:
        validate_package(io.BytesIO(data))

    assert info.value.code == "bad_json"
    assert info.value.entry == "content/content.json"


def library_chain(length: int, back_edge: int | None = None) -> bytes:
    """A package whose main library L0 needs L1, which needs L2 ... (and maybe one earlier)."""

    def dependency(index: int) -> dict:
        return {"machineName": f"L{index}", "majorVersion": 1, "minorVersion": 0}

    h5p_json = {
        "title": "chain",
        "mainLibrary": "L0",
        "language": "ja",
        "preloadedDependencies": [dependency(0)],
    }
    entries = [("h5p.json", json.dumps(h5p_json).encode()), ("content/content.json", b"{}")]
    for index in range(length):
        library = {
            "title": f"L{index}",
            "machineName": f"L{index}",
            "majorVersion": 1,
            "minorVersion": 0,
            "patchVersion": 0,
        }
        needs = [dependency(index + 1)] if index + 1 < length else []
        if back_edge is not None and index == length - 1:
            needs.append(dependency(back_edge % length))  # a cycle
        library["preloadedDependencies"] = needs
        entries.append((f"L{index}/library.json", json.dumps(library).encode()))
    return build_zip(entries, None)


@hypothesis_settings(max_examples=10, deadline=None, derandomize=True)
# Hypothesis raises the recursion limit by a few thousand frames while a test runs, so the
# long chains here are longer than the 1,500 that failed outside it.
@given(st.integers(1, 60) | st.integers(3500, 4500), st.none() | st.integers(0, 4500))
def test_chains_of_libraries_are_resolved_or_refused_with_a_message(length, back_edge):
    package = accepted_or_refused(library_chain(length, back_edge))

    if package is not None:
        assert len(package.dependencies) == length


def test_a_chain_deeper_than_the_limit_is_refused_not_a_recursion_error():
    # 1,500 libraries each needing the next made the resolver raise RecursionError.
    assert len(validate_package(io.BytesIO(library_chain(MAX_DEPENDENCY_DEPTH))).dependencies) == (
        MAX_DEPENDENCY_DEPTH
    )
    with pytest.raises(H5PValidationError) as info:
        validate_package(io.BytesIO(library_chain(1500)))
    assert info.value.code == "dependency_depth"
