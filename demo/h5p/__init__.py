"""Demo H5P packages written for this platform (Japanese content, see README.md here).

``dist/`` holds the built .h5p files that ``seed_demo`` imports; ``build.py`` makes them from
``src/``. Test fixtures (tests/fixtures/h5p) are never shipped; these are.
"""

from pathlib import Path

DIST = Path(__file__).resolve().parent / "dist"
