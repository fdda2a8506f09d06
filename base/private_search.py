"""Searches for a name or phone number that never reach a URL (nor so an access log).

The search form is POSTed (with its CSRF token); the view keeps the query in the session under
a short random id (``remember``) and redirects to ``?search=<id>``, which it reads back with
``recall``. Reloading, the back button and links back to the results work for
``PRIVATE_SEARCH_MAX_AGE`` seconds; logs, the browser's history and the Referer see only the
id, which means nothing outside the session that made it.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "private_searches"
# Searches kept per session: the oldest goes first.
MAX_KEPT = 10


def _max_age() -> int:
    return settings.PRIVATE_SEARCH_MAX_AGE


def remember(request: HttpRequest, query: str) -> str:
    """Keep ``query`` in the session; the id to put in the URL instead of it."""
    now = time.time()
    kept = {
        key: entry
        for key, entry in request.session.get(SESSION_KEY, {}).items()
        if now - entry["at"] < _max_age()
    }
    search_id = secrets.token_urlsafe(9)
    kept[search_id] = {"q": query, "at": now}
    newest = sorted(kept.items(), key=lambda item: item[1]["at"])[-MAX_KEPT:]
    request.session[SESSION_KEY] = dict(newest)
    return search_id


def recall(request: HttpRequest, search_id: str) -> str | None:
    """The query kept under ``search_id`` in this session, or None (unknown or expired)."""
    entry = request.session.get(SESSION_KEY, {}).get(search_id)
    if not isinstance(entry, dict) or time.time() - entry.get("at", 0) >= _max_age():
        return None
    return entry.get("q")
