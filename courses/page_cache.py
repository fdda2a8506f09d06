"""Shared-cache reads of the course pages' tree: what is the same for every visitor.

The course, the previous and next lesson, a course's prerequisites, a lesson's required
activities, the H5P packages the blocks show and which pages carry view restrictions are read
on every lesson view and change only when an editor publishes, moves or deletes a page,
uploads a package or changes a restriction. They are kept in Django's default cache
(``CACHE_URL``: Redis in production) under a *content version* that every such change bumps
after its transaction commits, so a view never reads an entry older than the committed tree.
Nothing about a learner is cached here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "courses:content-version"
# A safety net only: a bump makes every entry unreachable at once.
TIMEOUT = 60 * 60
T = TypeVar("T")


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        # add(): two processes starting together agree on one version.
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY) or version
    return version


def _new_version() -> None:
    cache.set(VERSION_KEY, str(time.time_ns()), None)


def bump_content_version(**kwargs: Any) -> None:
    """Make every entry stale now and again once the current transaction (if any) commits.

    Connected to the signals of page, restriction and package changes (courses.apps). Now, so
    that the changing transaction itself reads what it wrote; after the commit too, because a
    view reading between the change and its commit would store the old tree under the
    version of the first bump.
    """
    _new_version()
    transaction.on_commit(_new_version)


def cached(name: str, compute: Callable[[], T], *parts: object) -> T:
    """Return ``compute()``, kept in the shared cache under the current content version."""
    key = f"courses:{content_version()}:{name}:{':'.join(map(str, parts))}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


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
