"""Fixture paths and in-memory zips for the H5P tests."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "h5p"
GREETING = FIXTURES / "minimal-valid-greetingcard.h5p"
VALID = {
    "true-false-hello-world.h5p": "H5P.TrueFalse",
    "single-choice-set.h5p": "H5P.SingleChoiceSet",
    "fill-in-the-blanks.h5p": "H5P.Blanks",
    "minimal-valid-greetingcard.h5p": "H5P.GreetingCard",
    "interactive-video.h5p": "H5P.InteractiveVideo",
    "course-presentation-all-libraries.h5p": "H5P.CoursePresentation",
}
INVALID = {
    "invalid-broken-h5p-json.h5p": ("bad_json", "h5p.json"),
    "invalid-malformed-library-directory.h5p": ("library_folder_name", "library!"),
    "hostile-xss-svg.h5p": ("extension", "content/images/xss.svg"),
}


def variant(
    src: Path = GREETING,
    drop: Callable[[str], bool] = lambda name: False,
    extra: Iterable[tuple] = (),
    replace: dict[str, bytes] | None = None,
) -> bytes:
    """Return a copy of a fixture zip with entries dropped, replaced or added."""
    out = io.BytesIO()
    replace = replace or {}
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            if not drop(info.filename):
                zo.writestr(info, replace.get(info.filename, zi.read(info.filename)))
        for item in extra:
            zo.writestr(*item)
    return out.getvalue()


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


MULTI_CHOICE_LIBRARIES = (
    "H5P.MultiChoice-1.16",
    "H5P.Question-1.5",
    "H5P.JoubelUI-1.3",
    "H5P.Transition-1.0",
    "H5P.FontIcons-1.0",
    "FontAwesome-4.5",
    "EmbeddedJS-1.0",
    "Drop-1.0",
    "Tether-1.0",
)


def multi_choice_package(content: dict, title: str = "Multiple Choice") -> bytes:
    """A standalone H5P.MultiChoice 1.16 package, its libraries taken from the real
    interactive-video.h5p fixture (which embeds MultiChoice), with the given content.json."""
    h5p_json = {
        "title": title,
        "language": "und",
        "mainLibrary": "H5P.MultiChoice",
        "embedTypes": ["div"],
        "license": "U",
        "preloadedDependencies": [
            {
                "machineName": name,
                "majorVersion": version.split(".")[0],
                "minorVersion": version.split(".")[1],
            }
            for name, version in (folder.rsplit("-", 1) for folder in MULTI_CHOICE_LIBRARIES)
        ],
    }
    keep = set(MULTI_CHOICE_LIBRARIES)
    return variant(
        FIXTURES / "interactive-video.h5p",
        drop=lambda name: name.split("/", 1)[0] not in keep,
        extra=[
            ("h5p.json", json.dumps(h5p_json)),
            ("content/content.json", json.dumps(content, ensure_ascii=False)),
        ],
    )
