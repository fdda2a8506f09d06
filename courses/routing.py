"""Route course pages from the shared cache instead of walking the page tree.

Wagtail routes ``/courses/security/lesson-1/`` by reading every page on the way down, the
generic row and then the specific one (home, catalogue, course, lesson: eight queries). This
middleware remembers, per site and path, which course page a GET was served by and hands that
page to Wagtail's serve view (``request._wagtail_route_for_request``, which
``Page.route_for_request`` reads) after reading it alone, in one query whose SQL is compiled
once per process (base.compiled_sql). The cached id is only a hint: the page
is used when it is still live and its ``url_path`` is still the site root's plus the requested
path, which is what Wagtail's routing would find (course pages do not override ``route``);
otherwise Wagtail routes as usual.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import router
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult
from wagtail.views import serve as wagtail_serve

from base.compiled_sql import CompiledRead
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.page_cache import cached

CACHEABLE = {model._meta.label_lower: model for model in (CourseIndexPage, CoursePage, LessonPage)}
FIELDS = {
    label: [f.attname for f in model._meta.concrete_fields] for label, model in CACHEABLE.items()
}
TIMEOUT = 60 * 60


def _live_page_queryset(label: str, pk: int) -> QuerySet:
    return CACHEABLE[label].objects.filter(pk=pk, live=True).order_by().values(*FIELDS[label])


# The hinted page is read on every course page view: its SQL is compiled once per process.
_LIVE_PAGE = CompiledRead(_live_page_queryset, model=Page)


def _live_page(label: str, pk: int) -> Page | None:
    """The live page of that type and id, as ``Model.objects.filter(...).first()`` gives it."""
    row = _LIVE_PAGE.run(label, label, pk=pk)
    if row is None:
        return None
    fields = FIELDS[label]
    return CACHEABLE[label].from_db(router.db_for_read(Page), fields, [row[f] for f in fields])


def _key(request: HttpRequest) -> str:
    # By host, not site: finding the site is a query, which a miss should not cost.
    return f"courses:route:{request.get_host()}:{request.path_info}"


def _url_path(site: Site, path: str) -> str:
    components = [component for component in path.split("/") if component]
    return site.root_page.url_path + "".join(f"{c}/" for c in components)


def _site(request: HttpRequest) -> Site | None:
    """Wagtail's Site.find_for_request, its answer kept in the shared cache per host and port.

    Sites change rarely; a change bumps the content version (courses.apps).
    """
    if not hasattr(request, "_wagtail_site"):
        host, port = request.get_host(), request.get_port()
        site = cached("site", lambda: Site.find_for_request(request) or 0, host, port) or None
        request._wagtail_site = site
    return request._wagtail_site


def _served_by_wagtail(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).func is wagtail_serve
    except Resolver404:
        return False


class CoursePageRouteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or getattr(settings, "WAGTAIL_I18N_ENABLED", False)
            or not _served_by_wagtail(request)
        ):
            return self.get_response(request)
        key = _key(request)
        hit = cache.get(key)
        if hit is not None:
            label, pk = hit
            site = _site(request)
            page = _live_page(label, pk) if label in CACHEABLE else None
            if (
                site is not None
                and page is not None
                and page.url_path == _url_path(site, request.path_info)
            ):
                request._wagtail_route_for_request = RouteResult(page)
                return self.get_response(request)
        response = self.get_response(request)
        route = getattr(request, "_wagtail_route_for_request", None)
        if response.status_code == 200 and route is not None:
            page, args, kwargs = route
            label = page._meta.label_lower
            if label in CACHEABLE and type(page) is CACHEABLE[label] and not args and not kwargs:
                cache.set(key, (label, page.pk), TIMEOUT)
        return response
