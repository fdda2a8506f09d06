"""Walk the URL configuration and check that the access matrix covers every route.

A route is the full Django route string, joined the way Django joins it for
``ResolverMatch.route`` (a nested pattern loses its leading ``^``), so ``resolve(path).route``
names the row a sample path belongs to.

Coverage rules:

- A leaf that belongs to the project (its view lives in a project app, or its pattern is
  written in a project URLconf such as ``config.urls``) needs a row for its exact route.
- A third-party leaf needs an exact row or a delegated prefix row (``admin/*``) above it.
- Development-only file serving (``static()`` and ``staticfiles_urlpatterns()`` under DEBUG)
  never exists in production and is left out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

from django.urls import URLPattern, URLResolver, get_resolver

PROJECT_APPS = frozenset(
    {"config", "base", "accounts", "courses", "learning", "classes", "analytics"}
)

# Views that only exist when DEBUG serves files itself.
DEV_ONLY_VIEWS = frozenset({"django.views.static.serve", "django.contrib.staticfiles.views.serve"})


@dataclass(frozen=True)
class Leaf:
    route: str
    name: str | None
    view: str
    urlconf: str

    @property
    def is_project(self) -> bool:
        return _top_package(self.view) in PROJECT_APPS or _top_package(self.urlconf) in PROJECT_APPS


def _top_package(dotted: str) -> str:
    return dotted.split(".", 1)[0]


def join_route(prefix: str, route: str) -> str:
    """Join two routes as ``django.urls.resolvers.URLResolver._join_route`` does."""
    if not prefix:
        return route
    return prefix + route.removeprefix("^")


def view_path(callback: Callable) -> str:
    """Return the dotted path of the view behind a URL callback."""
    while isinstance(callback, functools.partial):
        callback = callback.func
    target = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    module = getattr(target, "__module__", None) or type(target).__module__
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}.{name}"


def _urlconf_name(resolver: URLResolver, parent: str) -> str:
    module = resolver.urlconf_module
    # include([...]) of a plain list belongs to the URLconf that wrote the list.
    return module.__name__ if isinstance(module, ModuleType) else parent


def walk(
    patterns: Iterable[URLPattern | URLResolver] | None = None,
    prefix: str = "",
    urlconf: str | None = None,
) -> Iterator[Leaf]:
    """Yield every leaf pattern of the URL configuration with its full route."""
    if patterns is None:
        root = get_resolver()
        patterns = root.url_patterns
        urlconf = _urlconf_name(root, str(root.urlconf_name))
    for pattern in patterns:
        route = join_route(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route, _urlconf_name(pattern, urlconf))
        else:
            view = view_path(pattern.callback)
            if view in DEV_ONLY_VIEWS:
                continue
            yield Leaf(route=route, name=pattern.name, view=view, urlconf=urlconf or "")


def is_delegated(route: str) -> bool:
    return route.endswith("*")


def covering_row(leaf: Leaf, row_routes: Iterable[str]) -> str | None:
    """Return the matrix route that covers the leaf, or None."""
    routes = list(row_routes)
    if leaf.route in routes:
        return leaf.route
    if leaf.is_project:
        return None
    prefixes = [r for r in routes if is_delegated(r) and leaf.route.startswith(r[:-1])]
    return max(prefixes, key=len, default=None)


def missing_routes(leaves: Iterable[Leaf], row_routes: Iterable[str]) -> list[Leaf]:
    routes = list(row_routes)
    return [leaf for leaf in leaves if covering_row(leaf, routes) is None]


def stale_routes(leaves: Iterable[Leaf], row_routes: Iterable[str]) -> list[str]:
    """Return matrix routes that no longer match any leaf."""
    leaf_routes = [leaf.route for leaf in leaves]
    stale = []
    for route in row_routes:
        if is_delegated(route):
            if not any(r.startswith(route[:-1]) for r in leaf_routes):
                stale.append(route)
        elif route not in leaf_routes:
            stale.append(route)
    return stale
