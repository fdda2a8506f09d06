"""Shared-cache reads of the course pages' tree: what is the same for every visitor.

The course, the previous and next lesson, a course's prerequisites, a lesson's required
activities, the H5P packages the blocks show and which pages carry view restrictions are read
on every lesson view and change only when an editor publishes, moves or deletes a page,
uploads a package or changes a restriction. They are kept in Django's default cache
(``CACHE_URL``: Redis in production) under a *content version* that every such change bumps
now and after its transaction commits (``base.versioned_cache``), so a view never reads an
entry older than the committed tree.
Nothing about a learner is cached here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from base.versioned_cache import VersionedCache

_CONTENT = VersionedCache("courses:content")
VERSION_KEY = _CONTENT.version_key
# A safety net only: a bump makes every entry unreachable at once.
TIMEOUT = 60 * 60
T = TypeVar("T")


def content_version() -> int:
    """The current content version (``VersionedCache.version``)."""
    return _CONTENT.version()


def bump_content_version(**kwargs: Any) -> None:
    """Make every entry stale now and again once the current transaction (if any) commits
    (why both: ``VersionedCache.bump``).

    Connected to the signals of page, restriction and package changes (courses.apps).
    """
    _CONTENT.bump()


def cached(name: str, compute: Callable[[], T], *parts: object) -> T:
    """Return ``compute()``, kept in the shared cache under the current content version."""
    return _CONTENT.cached(name, parts, compute, TIMEOUT)


def restricted_paths() -> frozenset[str]:
    """Return the tree paths whose pages' view restrictions apply below them.

    Wagtail checks a page's and its ancestors' restrictions, an alias's being its source's
    (``Page.get_view_restrictions``): the paths of restricted pages that are not aliases, and
    of the aliases of those pages.
    """

    def read() -> frozenset[str]:
        from wagtail.models import Page, PageViewRestriction

        rows = list(
            PageViewRestriction.objects.values_list("page_id", "page__path", "page__alias_of")
        )
        sources = [page_id for page_id, _path, alias_of in rows if alias_of is None]
        paths = {path for _id, path, alias_of in rows if alias_of is None}
        if sources:
            paths.update(Page.objects.filter(alias_of__in=sources).values_list("path", flat=True))
        return frozenset(paths)

    return cached("restricted-paths", read)


def may_be_restricted(page: Any) -> bool:
    """Whether a view restriction may apply to the page (False: certainly none does)."""
    paths = restricted_paths()
    if not paths:
        return False
    steplen = page.steplen
    return any(page.path[:end] in paths for end in range(steplen, len(page.path) + 1, steplen))
