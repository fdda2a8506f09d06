"""Demo content for `make run`: seed_demo, the demo course pages and the demo H5P packages.

On top of the import graph (docs/architecture.md): demo may use every app, and no app imports
demo. Nothing here runs in production unless someone calls ``manage.py seed_demo``.
"""
