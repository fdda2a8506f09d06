"""Check an uploaded .h5p file completely before anything is written.

``validate_package`` opens the zip, checks every entry name, streams every member it would keep
(counting the bytes that really come out, because zip headers can lie), parses ``h5p.json``,
``content/content.json`` and each ``library.json``, and resolves every dependency against the
package and the library store. It writes nothing and returns a ``ValidatedPackage`` that
learning/h5p/storage.py then stores. Each refusal is one ``H5PValidationError`` naming the rule
(``code``) and the offending entry.

The rules follow H5P core (h5p/h5p-php-library, ``H5PValidator::isValidPackage`` in
h5p.classes.php): entries whose name or any folder starts with ``.`` or ``_`` are skipped (for
example ``__MACOSX/`` and ``.DS_Store``); top-level files other than ``h5p.json`` are ignored and
not stored (``H5P_CONTENT_HERE.txt`` in h5p-standalone's test package); ``content/`` holds the
content, every other top-level folder is a library whose name matches ``^[\\w0-9\\-\\.]{1,255}$``.
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from base.inputs import InputError, load_json

# H5P core's allow-lists. H5P core 1.27 (h5p-php-library h5p.classes.php,
# ``H5PCore::$defaultContentWhitelist`` and ``$defaultLibraryWhitelistExtras``; the same values as
# Lumi's H5PConfig for core 1.27, ``libraryWhitelist: 'js css svg'``) moved ``svg`` out of the
# content list into the library extras, because an SVG is active content when opened directly.
# ``gltf glb`` were added in 2021. ``xml`` is in H5P core's content list, but an XML document can
# carry XHTML script elements, so it is allowed only inside library folders here (issue 3).
_CONTENT_WHITELIST = (
    "json png jpg jpeg gif bmp tif tiff eot ttf woff woff2 otf webm mp4 ogg mp3 m4a wav txt pdf "
    "rtf doc docx xls xlsx ppt pptx odt ods odp csv diff patch swf md textile vtt webvtt gltf glb"
)
CONTENT_EXTENSIONS = frozenset(_CONTENT_WHITELIST.split())
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | {"js", "css", "svg", "xml"}

LIBRARY_FOLDER_RE = re.compile(r"^[\w0-9\-.]{1,255}$")
MACHINE_NAME_RE = re.compile(r"^[\w0-9\-.]{1,255}$")
DRIVE_RE = re.compile(r"^[A-Za-z]:")
LIBRARY_JSON_REQUIRED = ("title", "machineName", "majorVersion", "minorVersion", "patchVersion")
H5P_JSON_REQUIRED = ("title", "mainLibrary", "language", "preloadedDependencies")
DEPENDENCY_KINDS = ("preloadedDependencies", "dynamicDependencies", "editorDependencies")
# Editor libraries are never run by the player: record them when available, never require them.
REQUIRED_DEPENDENCY_KINDS = ("preloadedDependencies", "dynamicDependencies")

# Nesting allowed in h5p.json, content.json and library.json: real content nests a few dozen
# levels (Interactive Book > Course Presentation > Question Set > ...); Python's parser
# recurses, so the bound keeps far below its limit.
MAX_JSON_DEPTH = 200
# Levels of libraries depending on libraries: real content needs fewer than ten; the resolver
# recurses, and 1,500 chained libraries raised RecursionError.
MAX_DEPENDENCY_DEPTH = 50
CHUNK_SIZE = 64 * 1024
# A member needs at least this many bytes before its compression ratio counts: small files of
# repeated characters compress extremely well and are harmless.
RATIO_FLOOR_BYTES = 1024 * 1024
DEFAULT_LIMITS = {
    "H5P_MAX_ENTRIES": 5000,
    "H5P_MAX_TOTAL_BYTES": 200 * 1024 * 1024,
    "H5P_MAX_FILE_BYTES": 50 * 1024 * 1024,
    "H5P_MAX_RATIO": 100,
    "H5P_MAX_JSON_BYTES": 16 * 1024 * 1024,
}

LibraryKey = tuple[str, int, int]

# (Japanese for the admin, English for the command line and logs.)
error_messages: dict[str, tuple[Any, str]] = {
    "not_zip": (
        _("H5P ファイル（zip 形式）ではありません。"),
        "The file is not an H5P package (not a zip file).",
    ),
    "unreadable": (
        _("zip ファイルが壊れているため読み取れません（%(entry)s）。"),
        "The zip file is damaged and cannot be read (%(entry)s).",
    ),
    "encrypted": (
        _("暗号化されたファイルは使えません（%(entry)s）。"),
        "Encrypted entries are not allowed (%(entry)s).",
    ),
    "unsafe_path": (
        _("安全でないファイル名が含まれています（%(entry)s）。"),
        "The package contains an unsafe file name (%(entry)s).",
    ),
    "symlink": (
        _("シンボリックリンクは使えません（%(entry)s）。"),
        "Symbolic links are not allowed (%(entry)s).",
    ),
    "duplicate": (
        _("同じ名前のファイルが 2 つ以上あります（%(entry)s）。"),
        "The package contains the same file name twice (%(entry)s).",
    ),
    "too_many_entries": (
        _("ファイルの数が多すぎます（%(limit)s 個まで）。"),
        "The package has too many entries (at most %(limit)s).",
    ),
    "file_too_large": (
        _("展開後のファイルが大きすぎます（%(entry)s、%(limit)s バイトまで）。"),
        "An unpacked file is too large (%(entry)s, at most %(limit)s bytes).",
    ),
    "too_large": (
        _("展開後の合計サイズが大きすぎます（%(limit)s バイトまで）。"),
        "The unpacked package is too large (at most %(limit)s bytes in total).",
    ),
    "ratio": (
        _("圧縮率が異常に高いファイルがあります（%(entry)s）。"),
        "An entry has a suspicious compression ratio (%(entry)s; zip bomb?).",
    ),
    "extension": (
        _("この種類のファイルは使えません（%(entry)s）。"),
        "This file type is not allowed here (%(entry)s).",
    ),
    "missing_h5p_json": (
        _("h5p.json がありません。"),
        "The package has no h5p.json.",
    ),
    "bad_json": (
        _("JSON として読み取れません（%(entry)s）。"),
        "The file is not valid JSON (%(entry)s).",
    ),
    "h5p_json_field": (
        _("h5p.json に必要な項目「%(field)s」がないか、正しくありません。"),
        "h5p.json lacks a valid %(field)s.",
    ),
    "missing_content_json": (
        _("content/content.json がありません。"),
        "The package has no content/content.json.",
    ),
    "library_folder_name": (
        _("ライブラリのフォルダ名が正しくありません（%(entry)s）。"),
        "A library folder has an invalid name (%(entry)s).",
    ),
    "missing_library_json": (
        _("ライブラリのフォルダに library.json がありません（%(entry)s）。"),
        "A library folder has no library.json (%(entry)s).",
    ),
    "library_json_field": (
        _("library.json の項目「%(field)s」がないか、正しくありません（%(entry)s）。"),
        "library.json lacks a valid %(field)s (%(entry)s).",
    ),
    "library_folder_mismatch": (
        _("ライブラリのフォルダ名が library.json の内容と合いません（%(entry)s）。"),
        "A library folder name does not match its library.json (%(entry)s).",
    ),
    "duplicate_library": (
        _("同じライブラリが 2 回含まれています（%(entry)s）。"),
        "The package contains the same library twice (%(entry)s).",
    ),
    "missing_library_file": (
        _("library.json にあるファイルが見つかりません（%(entry)s）。"),
        "A file listed in library.json is missing (%(entry)s).",
    ),
    "missing_library": (
        _("必要なライブラリ %(entry)s がパッケージにもサーバーにもありません。"),
        "The required library %(entry)s is neither in the package nor on the server.",
    ),
    "dependency_depth": (
        _("ライブラリの依存関係が深すぎます（%(entry)s、%(limit)s 段まで）。"),
        "Libraries depend on each other too deeply (%(entry)s, at most %(limit)s levels).",
    ),
}


class H5PValidationError(Exception):
    """The package was refused; ``code`` keys ``error_messages``, ``entry`` names the culprit."""

    def __init__(self, code: str, entry: str = "", **params: Any) -> None:
        self.code = code
        self.entry = entry
        self.params = {"entry": entry, **params}
        super().__init__(f"{code}: {entry}" if entry else code)

    @property
    def message(self) -> str:
        return str(error_messages[self.code][0]) % self.params

    @property
    def english(self) -> str:
        return error_messages[self.code][1] % self.params

    @property
    def one_line(self) -> str:
        """Return "日本語 / English" for the command line."""
        return f"{self.message} / {self.english}"


@dataclass(frozen=True)
class Member:
    """One zip entry that will be stored: its name in the zip and its path below the target."""

    name: str
    path: str
    size: int


@dataclass
class LibraryInfo:
    machine_name: str
    major_version: int
    minor_version: int
    patch_version: int
    title: str
    runnable: bool
    library_json: dict
    folder: str
    files: list[Member] = field(default_factory=list)

    @property
    def key(self) -> LibraryKey:
        return (self.machine_name, self.major_version, self.minor_version)

    @property
    def size_bytes(self) -> int:
        return sum(m.size for m in self.files)


@dataclass
class ValidatedPackage:
    """What a valid package holds; nothing has been written yet."""

    h5p_json: dict
    main_library: LibraryKey
    libraries: dict[LibraryKey, LibraryInfo]
    content_files: list[Member]
    # Every library the content needs (preloaded, dynamic, and editor ones when available),
    # dependencies before dependants; keys found only in the store are included.
    dependencies: list[LibraryKey]
    entry_count: int
    total_bytes: int
    # content/content.json, parsed (learning/h5p/content_types.py reads it at import).
    content_json: Any = None

    @property
    def title(self) -> str:
        return str(self.h5p_json.get("title", ""))

    @property
    def content_bytes(self) -> int:
        return sum(m.size for m in self.content_files)


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULT_LIMITS[name]))


def library_key_text(key: LibraryKey) -> str:
    return f"{key[0]} {key[1]}.{key[2]}"


def check_entry_name(info: zipfile.ZipInfo, target: str = "/h5p-target") -> None:
    """Refuse a zip entry whose name could escape the target folder or is a symlink."""
    raw = info.orig_filename
    shown = raw.replace("\x00", "\\0")
    if "\x00" in raw or "\\" in raw or DRIVE_RE.match(raw) or raw.startswith("/"):
        raise H5PValidationError("unsafe_path", shown)
    if any(ord(c) < 32 for c in raw):
        raise H5PValidationError("unsafe_path", shown)
    name = raw[:-1] if raw.endswith("/") else raw
    segments = name.split("/")
    if not name or any(s in ("", ".", "..") for s in segments):
        raise H5PValidationError("unsafe_path", shown)
    resolved = posixpath.normpath(posixpath.join(target, name))
    if not resolved.startswith(target.rstrip("/") + "/"):
        raise H5PValidationError("unsafe_path", shown)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise H5PValidationError("symlink", shown)
    if info.flag_bits & 0x1:
        raise H5PValidationError("encrypted", shown)


def is_skipped(name: str) -> bool:
    """Return whether H5P core skips the entry (a file or folder starting with . or _)."""
    return any(part.startswith((".", "_")) for part in name.split("/"))


def extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


class _Budget:
    """Count the bytes that really come out of the zip against the limits."""

    def __init__(self) -> None:
        self.total = 0
        self.max_total = limit("H5P_MAX_TOTAL_BYTES")
        self.max_file = limit("H5P_MAX_FILE_BYTES")
        self.max_ratio = limit("H5P_MAX_RATIO")

    def check_declared(self, info: zipfile.ZipInfo) -> None:
        if info.file_size > self.max_file:
            raise H5PValidationError("file_too_large", info.filename, limit=self.max_file)

    def stream(
        self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, keep: int = 0
    ) -> tuple[int, bytes]:
        """Read a member in chunks; return its real size and up to ``keep`` leading bytes."""
        size = 0
        kept = bytearray()
        compressed = max(info.compress_size, 1)
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(CHUNK_SIZE):
                    size += len(chunk)
                    self.total += len(chunk)
                    if size > self.max_file:
                        raise H5PValidationError(
                            "file_too_large", info.filename, limit=self.max_file
                        )
                    if self.total > self.max_total:
                        raise H5PValidationError("too_large", info.filename, limit=self.max_total)
                    if size > RATIO_FLOOR_BYTES and size > compressed * self.max_ratio:
                        raise H5PValidationError("ratio", info.filename)
                    if keep:
                        if len(kept) + len(chunk) > keep:
                            raise H5PValidationError("file_too_large", info.filename, limit=keep)
                        kept += chunk
        except H5PValidationError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
            raise H5PValidationError("unreadable", info.filename) from exc
        except (EOFError, RuntimeError, ValueError) as exc:  # zlib/bz2/lzma errors
            raise H5PValidationError("unreadable", info.filename) from exc
        return size, bytes(kept)


def _parse_json(data: bytes, entry: str) -> Any:
    """Parse a package's JSON through base.inputs, depth-bounded: 5,000 nested brackets made
    json.loads raise RecursionError. NaN, NUL and lone surrogates are refused too."""
    try:
        return load_json(data.decode("utf-8-sig"), max_depth=MAX_JSON_DEPTH)
    except (UnicodeDecodeError, InputError) as exc:
        raise H5PValidationError("bad_json", entry) from exc


def _int_field(data: dict, name: str, entry: str, code: str) -> int:
    # H5P core checks versions with /^[0-9]{1,5}$/, so "1" and 1 are both accepted.
    value = data.get(name)
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,5}", str(value)):
        raise H5PValidationError(code, entry, field=name)
    return int(value)


def _dependency_keys(data: dict, kinds: Iterable[str], entry: str, code: str) -> list[LibraryKey]:
    keys = []
    for kind in kinds:
        deps = data.get(kind, [])
        if not isinstance(deps, list):
            raise H5PValidationError(code, entry, field=kind)
        for dep in deps:
            if not isinstance(dep, dict) or not MACHINE_NAME_RE.match(
                str(dep.get("machineName", ""))
            ):
                raise H5PValidationError(code, entry, field=kind)
            keys.append(
                (
                    dep["machineName"],
                    _int_field(dep, "majorVersion", entry, code),
                    _int_field(dep, "minorVersion", entry, code),
                )
            )
    return keys


def _check_h5p_json(data: Any) -> tuple[dict, LibraryKey]:
    if not isinstance(data, dict):
        raise H5PValidationError("h5p_json_field", "h5p.json", field="title")
    for name in H5P_JSON_REQUIRED:
        if name not in data:
            raise H5PValidationError("h5p_json_field", "h5p.json", field=name)
    if not isinstance(data["title"], str) or not data["title"].strip():
        raise H5PValidationError("h5p_json_field", "h5p.json", field="title")
    if not isinstance(data["language"], str):
        raise H5PValidationError("h5p_json_field", "h5p.json", field="language")
    main = data["mainLibrary"]
    if not isinstance(main, str) or not MACHINE_NAME_RE.match(main):
        raise H5PValidationError("h5p_json_field", "h5p.json", field="mainLibrary")
    preloaded = _dependency_keys(data, ["preloadedDependencies"], "h5p.json", "h5p_json_field")
    matches = [key for key in preloaded if key[0] == main]
    if not matches:
        raise H5PValidationError("h5p_json_field", "h5p.json", field="mainLibrary")
    return data, matches[0]


def _check_library_json(folder: str, data: Any) -> LibraryInfo:
    entry = f"{folder}/library.json"
    code = "library_json_field"
    if not isinstance(data, dict):
        raise H5PValidationError(code, entry, field="machineName")
    for name in LIBRARY_JSON_REQUIRED:
        if name not in data:
            raise H5PValidationError(code, entry, field=name)
    machine_name = data["machineName"]
    if not isinstance(machine_name, str) or not MACHINE_NAME_RE.match(machine_name):
        raise H5PValidationError(code, entry, field="machineName")
    if not isinstance(data["title"], str):
        raise H5PValidationError(code, entry, field="title")
    major = _int_field(data, "majorVersion", entry, code)
    minor = _int_field(data, "minorVersion", entry, code)
    patch = _int_field(data, "patchVersion", entry, code)
    for name in ("preloadedJs", "preloadedCss"):
        files = data.get(name, [])
        if not isinstance(files, list) or not all(
            isinstance(f, dict) and isinstance(f.get("path"), str) for f in files
        ):
            raise H5PValidationError(code, entry, field=name)
    _dependency_keys(data, DEPENDENCY_KINDS, entry, code)
    # H5P core accepts the folder named after the machine name alone or with major.minor.
    if folder not in (machine_name, f"{machine_name}-{major}.{minor}"):
        raise H5PValidationError("library_folder_mismatch", folder)
    return LibraryInfo(
        machine_name=machine_name,
        major_version=major,
        minor_version=minor,
        patch_version=patch,
        title=data["title"],
        runnable=bool(data.get("runnable")),
        library_json=data,
        folder=folder,
    )


def _stored_libraries(keys: Iterable[LibraryKey]) -> dict[LibraryKey, dict]:
    """Return library.json of each key already in the store."""
    from learning.models import H5PLibrary

    wanted = set(keys)
    if not wanted:
        return {}
    names = {k[0] for k in wanted}
    found = {}
    for lib in H5PLibrary.objects.filter(machine_name__in=names):
        key = (lib.machine_name, lib.major_version, lib.minor_version)
        if key in wanted:
            found[key] = lib.library_json
    return found


def _resolve(
    main: LibraryKey, h5p_json: dict, libraries: dict[LibraryKey, LibraryInfo]
) -> list[LibraryKey]:
    """Return every library needed, dependencies first; refuse a missing required one."""
    store_cache: dict[LibraryKey, dict | None] = {}

    def library_json(key: LibraryKey) -> dict | None:
        if key in libraries:
            return libraries[key].library_json
        if key not in store_cache:
            store_cache[key] = _stored_libraries([key]).get(key)
        return store_cache[key]

    order: list[LibraryKey] = []
    seen: set[LibraryKey] = set()

    def visit(key: LibraryKey, required: bool, path: tuple[LibraryKey, ...]) -> None:
        if key in seen or key in path:
            return
        if len(path) >= MAX_DEPENDENCY_DEPTH:
            raise H5PValidationError(
                "dependency_depth", library_key_text(key), limit=MAX_DEPENDENCY_DEPTH
            )
        data = library_json(key)
        if data is None:
            if required:
                raise H5PValidationError("missing_library", library_key_text(key))
            return
        for kind in DEPENDENCY_KINDS:
            sub_required = required and kind in REQUIRED_DEPENDENCY_KINDS
            for dep in _dependency_keys(data, [kind], "library.json", "library_json_field"):
                visit(dep, sub_required, (*path, key))
        seen.add(key)
        order.append(key)

    for dep in _dependency_keys(h5p_json, DEPENDENCY_KINDS, "h5p.json", "h5p_json_field"):
        visit(dep, True, ())
    visit(main, True, ())
    # Libraries shipped in the package must be complete even when the content does not use them,
    # because they are installed too (as H5P core does).
    for key in libraries:
        for kind in REQUIRED_DEPENDENCY_KINDS:
            for dep in _dependency_keys(
                libraries[key].library_json, [kind], "library.json", "library_json_field"
            ):
                if library_json(dep) is None:
                    raise H5PValidationError("missing_library", library_key_text(dep))
    return order


def _open_zip(source: str | Path | IO[bytes]) -> zipfile.ZipFile:
    try:
        if not zipfile.is_zipfile(source):
            raise H5PValidationError("not_zip")
        if hasattr(source, "seek"):
            source.seek(0)
        return zipfile.ZipFile(source)
    except H5PValidationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise H5PValidationError("not_zip") from exc


def validate_package(source: str | Path | IO[bytes]) -> ValidatedPackage:
    """Check a .h5p file (a path or a binary file object); raise ``H5PValidationError``."""
    with _open_zip(source) as zf:
        return _validate(zf)


def _validate(zf: zipfile.ZipFile) -> ValidatedPackage:
    infos = zf.infolist()
    max_entries = limit("H5P_MAX_ENTRIES")
    if len(infos) > max_entries:
        raise H5PValidationError("too_many_entries", limit=max_entries)

    seen_names: set[str] = set()
    for info in infos:
        check_entry_name(info)
        folded = info.filename.rstrip("/").casefold()
        if folded in seen_names:
            raise H5PValidationError("duplicate", info.filename)
        seen_names.add(folded)

    budget = _Budget()
    max_json = limit("H5P_MAX_JSON_BYTES")
    h5p_json_data: bytes | None = None
    content_json_data: bytes | None = None
    content_files: list[Member] = []
    library_files: dict[str, list[Member]] = {}
    library_json_data: dict[str, bytes] = {}

    for info in infos:
        name = info.filename
        if info.is_dir() or is_skipped(name):
            continue
        if "/" not in name:
            if name == "h5p.json":
                budget.check_declared(info)
                _, h5p_json_data = budget.stream(zf, info, keep=max_json)
            # Other top-level files are ignored, as in H5P core.
            continue
        top, rest = name.split("/", 1)
        if top == "content":
            if extension(name) not in CONTENT_EXTENSIONS:
                raise H5PValidationError("extension", name)
            budget.check_declared(info)
            keep = max_json if rest == "content.json" else 0
            size, data = budget.stream(zf, info, keep=keep)
            if rest == "content.json":
                content_json_data = data
            content_files.append(Member(name=name, path=rest, size=size))
            continue
        if not LIBRARY_FOLDER_RE.match(top):
            raise H5PValidationError("library_folder_name", top)
        if extension(name) not in LIBRARY_EXTENSIONS:
            raise H5PValidationError("extension", name)
        budget.check_declared(info)
        keep = max_json if rest == "library.json" else 0
        size, data = budget.stream(zf, info, keep=keep)
        if rest == "library.json":
            library_json_data[top] = data
        library_files.setdefault(top, []).append(Member(name=name, path=rest, size=size))

    # Library folders that hold only skipped entries or directories still need a library.json.
    for info in infos:
        top = info.filename.split("/", 1)[0]
        if "/" in info.filename and top != "content" and not is_skipped(top):
            if not LIBRARY_FOLDER_RE.match(top):
                raise H5PValidationError("library_folder_name", top)
            library_files.setdefault(top, [])

    if h5p_json_data is None:
        raise H5PValidationError("missing_h5p_json", "h5p.json")
    h5p_json, main = _check_h5p_json(_parse_json(h5p_json_data, "h5p.json"))
    if content_json_data is None:
        raise H5PValidationError("missing_content_json", "content/content.json")
    content_json = _parse_json(content_json_data, "content/content.json")

    libraries: dict[LibraryKey, LibraryInfo] = {}
    for folder in sorted(library_files):
        if folder not in library_json_data:
            raise H5PValidationError("missing_library_json", folder)
        entry = f"{folder}/library.json"
        lib = _check_library_json(folder, _parse_json(library_json_data[folder], entry))
        if lib.key in libraries:
            raise H5PValidationError("duplicate_library", folder)
        lib.files = library_files[folder]
        present = {m.path for m in lib.files}
        for kind in ("preloadedJs", "preloadedCss"):
            for item in lib.library_json.get(kind, []):
                path = posixpath.normpath(item["path"])
                if path not in present:
                    raise H5PValidationError("missing_library_file", f"{folder}/{item['path']}")
        libraries[lib.key] = lib

    dependencies = _resolve(main, h5p_json, libraries)
    return ValidatedPackage(
        h5p_json=h5p_json,
        main_library=main,
        libraries=libraries,
        content_files=content_files,
        dependencies=dependencies,
        entry_count=len(infos),
        total_bytes=budget.total,
        content_json=content_json,
    )
