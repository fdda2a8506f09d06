"""Fixture paths and in-memory zips for the H5P tests."""

from __future__ import annotations

import io
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
