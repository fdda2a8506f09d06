"""Build the demo H5P packages (demo/h5p/dist/*.h5p) from demo/h5p/src/.

The sources are our own content (``src/content/<name>/h5p.json`` and ``content/content.json``,
written in Japanese for this platform) and the H5P runtime libraries they need
(``src/libraries/<machineName>-<major>.<minor>/``, copied unchanged from the openly licensed
test fixtures, see README.md). Each package gets its content plus every library its main
library needs through ``preloadedDependencies`` and ``dynamicDependencies``; editor libraries
(``H5PEditor.*``) are not needed to play and are left out.

The zips are reproducible: entries in a fixed order with a fixed date and mode, so the same
sources give the same entries and CRCs.

    python demo/h5p/build.py            # rebuild dist/*.h5p
    python demo/h5p/build.py --check    # exit 1 if dist/ is out of date
    python demo/h5p/build.py --import-libraries tests/fixtures/h5p/*.h5p
        # (re)copy the runtime libraries the content needs from fixture packages

No Django needed; the platform's validator checks the result in the tests.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import zipfile
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
CONTENT_SRC = SRC / "content"
LIBRARY_SRC = SRC / "libraries"
DIST = HERE / "dist"

LibraryKey = tuple[str, int, int]
RUNTIME_KINDS = ("preloadedDependencies", "dynamicDependencies")
# Licences we accept in library.json. Libraries without a "license" field must be listed in
# UNDECLARED_LICENCE with the reason they may still be shipped (README.md has the details).
PERMISSIVE = {"MIT", "pd", "CC0 1.0", "Apache-2.0", "BSD-3-Clause", "BSD-2-Clause"}
UNDECLARED_LICENCE = {
    # Upstream h5p/h5p-joubel-ui README: "(The MIT License) Copyright (c) 2015 Joubel AS".
    "H5P.JoubelUI": "MIT (upstream README)",
    # h5p/h5p-font-icons declares no licence; an icon font by Joubel that H5P.JoubelUI needs.
    "H5P.FontIcons": "none declared upstream (H5P Group icon font, required by H5P.JoubelUI)",
}
ZIP_DATE = (2026, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The sources are inconsistent (a missing library, bad JSON, a disallowed licence)."""


def folder_name(key: LibraryKey) -> str:
    return f"{key[0]}-{key[1]}.{key[2]}"


def dependency_keys(data: dict, kinds: tuple[str, ...] = RUNTIME_KINDS) -> list[LibraryKey]:
    keys = []
    for kind in kinds:
        for dep in data.get(kind) or []:
            keys.append((dep["machineName"], int(dep["majorVersion"]), int(dep["minorVersion"])))
    return keys


def is_skipped(relative: PurePosixPath) -> bool:
    """H5P core skips names whose file or folder starts with a dot or an underscore."""
    return any(part.startswith((".", "_")) for part in relative.parts)


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path}: {exc}") from exc


def runtime_closure(main: LibraryKey, library_json: dict[LibraryKey, dict]) -> list[LibraryKey]:
    """Return the main library and everything it needs at runtime, dependencies first."""
    order: list[LibraryKey] = []

    def visit(key: LibraryKey, path: tuple[LibraryKey, ...]) -> None:
        if key in order or key in path:
            return
        if key not in library_json:
            raise BuildError(f"library {folder_name(key)} is missing from {LIBRARY_SRC}")
        for dep in dependency_keys(library_json[key]):
            visit(dep, (*path, key))
        order.append(key)

    visit(main, ())
    return order


def source_libraries(root: Path = LIBRARY_SRC) -> dict[LibraryKey, dict]:
    found = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        data = read_json(folder / "library.json")
        key = (data["machineName"], int(data["majorVersion"]), int(data["minorVersion"]))
        if folder.name != folder_name(key):
            raise BuildError(f"{folder.name}: library.json says {folder_name(key)}")
        found[key] = data
    return found


def check_licence(data: dict) -> str:
    licence = data.get("license")
    if licence in PERMISSIVE:
        return licence
    if licence is None and data["machineName"] in UNDECLARED_LICENCE:
        return UNDECLARED_LICENCE[data["machineName"]]
    raise BuildError(f"{data['machineName']}: licence {licence!r} is not on the allow-list")


def package_names(root: Path = CONTENT_SRC) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "h5p.json").is_file())


def main_library(h5p_json: dict) -> LibraryKey:
    name = h5p_json["mainLibrary"]
    for key in dependency_keys(h5p_json, ("preloadedDependencies",)):
        if key[0] == name:
            return key
    raise BuildError(f"mainLibrary {name} is not in preloadedDependencies")


def package_entries(name: str) -> list[tuple[str, Path]]:
    """Return (zip name, source file) of one package, in the order they are written."""
    folder = CONTENT_SRC / name
    h5p_json = read_json(folder / "h5p.json")
    read_json(folder / "content" / "content.json")  # must parse
    libraries = source_libraries()
    needed = runtime_closure(main_library(h5p_json), libraries)
    declared = set(dependency_keys(h5p_json, ("preloadedDependencies",)))
    if set(needed) != declared:
        missing = sorted(folder_name(k) for k in set(needed) - declared)
        extra = sorted(folder_name(k) for k in declared - set(needed))
        raise BuildError(
            f"{name}/h5p.json preloadedDependencies must list exactly the runtime libraries; "
            f"missing {missing}, not needed {extra}"
        )
    entries = [("h5p.json", folder / "h5p.json")]
    entries += _tree("content", folder / "content")
    ship_libraries = includes_libraries(name)
    for key in sorted(needed, key=folder_name):
        check_licence(libraries[key])
        if ship_libraries:
            entries += _tree(folder_name(key), LIBRARY_SRC / folder_name(key))
    return entries


def includes_libraries(name: str) -> bool:
    """Whether the package carries its runtime libraries (the default).

    ``src/content/<name>/build.json`` with ``{"libraries": false}`` makes a content-only
    package of a few kilobytes: the platform takes the libraries from its store, where a full
    package with the same libraries (imported first by seed_demo) put them. The build still
    checks that every library is in src/libraries with an allowed licence.
    """
    settings = CONTENT_SRC / name / "build.json"
    if not settings.is_file():
        return True
    return bool(read_json(settings).get("libraries", True))


def _tree(prefix: str, root: Path) -> list[tuple[str, Path]]:
    files = []
    for path in sorted(root.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if path.is_file() and not is_skipped(relative):
            files.append((f"{prefix}/{relative}", path))
    return files


def build_package(name: str, target: Path) -> Path:
    """Write ``target`` (a .h5p zip) for the package ``name``; return it."""
    entries = package_entries(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname, path in entries:
            info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    return target


def build_all(dist: Path = DIST) -> list[Path]:
    return [build_package(name, dist / f"{name}.h5p") for name in package_names()]


def fingerprint(path: Path) -> list[tuple[str, int, int]]:
    """(name, CRC-32, size) of every entry: equal for the same content, whatever zlib does."""
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, i.CRC, i.file_size) for i in zf.infolist()]


def out_of_date(dist: Path = DIST) -> list[str]:
    """Return the packages whose built file is missing or differs from its sources."""
    import tempfile

    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in package_names():
            fresh = build_package(name, Path(tmp) / f"{name}.h5p")
            built = dist / f"{name}.h5p"
            if not built.is_file() or fingerprint(built) != fingerprint(fresh):
                stale.append(name)
    return stale


def import_libraries(fixtures: list[Path]) -> list[str]:
    """Copy the runtime libraries the content needs from fixture packages (newest patch)."""
    best: dict[LibraryKey, tuple[int, Path, str]] = {}
    for fixture in fixtures:
        with zipfile.ZipFile(fixture) as zf:
            for entry in zf.namelist():
                top, _sep, rest = entry.partition("/")
                if rest != "library.json" or top.startswith("H5PEditor."):
                    continue
                data = json.loads(zf.read(entry))
                key = (data["machineName"], int(data["majorVersion"]), int(data["minorVersion"]))
                patch = int(data["patchVersion"])
                if key not in best or patch > best[key][0]:
                    best[key] = (patch, fixture, top)
    available = {}
    for key, (_patch, fixture, top) in best.items():
        with zipfile.ZipFile(fixture) as zf:
            available[key] = json.loads(zf.read(f"{top}/library.json"))
    needed: set[LibraryKey] = set()
    for name in package_names():
        needed.update(
            runtime_closure(main_library(read_json(CONTENT_SRC / name / "h5p.json")), available)
        )
    if LIBRARY_SRC.exists():
        shutil.rmtree(LIBRARY_SRC)
    copied = []
    for key in sorted(needed, key=folder_name):
        check_licence(available[key])
        _patch, fixture, top = best[key]
        with zipfile.ZipFile(fixture) as zf:
            for entry in zf.infolist():
                if entry.is_dir() or not entry.filename.startswith(f"{top}/"):
                    continue
                relative = PurePosixPath(entry.filename).relative_to(top)
                if is_skipped(relative):
                    continue
                dest = LIBRARY_SRC / folder_name(key) / relative
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(entry))
        copied.append(f"{folder_name(key)}.{best[key][0]} from {fixture.name}")
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale packages")
    parser.add_argument("--import-libraries", nargs="+", type=Path, metavar="FIXTURE")
    args = parser.parse_args(argv)
    try:
        if args.import_libraries:
            for line in import_libraries(args.import_libraries):
                print(line)
            return 0
        if args.check:
            stale = out_of_date()
            for name in stale:
                print(f"out of date: dist/{name}.h5p", file=sys.stderr)
            return 1 if stale else 0
        for path in build_all():
            print(f"{path.relative_to(HERE)}  {path.stat().st_size:,} bytes")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
