"""Serve plotly.js from the plotly package as ``vendor/plotly/plotly.min.js``.

The copy that ships inside plotly.py matches the figures plotly.py builds (pinned in
pyproject.toml), so there is no second copy to keep in step and no CDN: ``collectstatic`` and
the development server find it through this finder like any other static file.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

PREFIX = "vendor/plotly"
FILES = ("plotly.min.js",)


class PlotlyFinder(BaseFinder):
    """A staticfiles finder for the plotly.js bundle of the installed plotly package."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(plotly.__file__).parent / "package_data"
        self.storage = FileSystemStorage(location=str(self.root))
        self.storage.prefix = PREFIX

    def find(self, path: str, find_all: bool = False, **kwargs):
        directory, _sep, name = path.rpartition("/")
        # Not found is [] whatever find_all says: staticfiles.finders.find counts any other
        # value as a match.
        if directory != PREFIX or name not in FILES:
            return []
        found = safe_join(str(self.root), name)
        if not Path(found).is_file():
            return []
        return [found] if find_all else found

    def list(self, ignore_patterns):
        for name in FILES:
            if (self.root / name).is_file():
                yield name, self.storage
