"""Open data (/open-data/): the public page that lists the files, and the files themselves.

No login: the files hold only suppressed aggregates (``analytics.open_data``). Reading them
writes nothing but the cache.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views import View
from django.views.generic import TemplateView

from analytics import open_data, suppression
from analytics.reach_figures import Population
from base.exports import CONTENT_TYPES, CSV


class OpenDataView(TemplateView):
    """The list of files: what each holds, its columns, licence and when it was generated."""

    template_name = "analytics/open_data.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        files = []
        for spec in open_data.FILES.values():
            generated = open_data.generate(spec.name)
            files.append({"spec": spec, "generated": generated, "size": len(generated.content)})
        context.update(
            files=files,
            licence=open_data.LICENCE,
            licence_url=open_data.LICENCE_URL,
            largest_hidden=suppression.min_cell() - 1,
            hidden_label=suppression.label(),
            protected_label=suppression.protected_label(),
            population_note=Population.load().note(),
            cache_minutes=open_data.CACHE_SECONDS // 60,
        )
        return context


class OpenDataFileView(View):
    """One file, ``/open-data/<name>.csv``; an unknown name is a 404.

    Public and the same for everyone, so shared caches may keep it for ``CACHE_SECONDS``; its
    ETag (a hash of the bytes) and Last-Modified let a client or proxy that has it ask again
    with ``If-None-Match`` / ``If-Modified-Since`` and get an empty 304 while it is unchanged.
    """

    def get(self, request: HttpRequest, name: str) -> HttpResponse:
        if name not in open_data.FILES:
            raise Http404
        generated = open_data.generate(name)
        etag = quote_etag(hashlib.blake2b(generated.content, digest_size=16).hexdigest())
        last_modified = int(generated.generated_at.timestamp())
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = HttpResponse(generated.content, content_type=CONTENT_TYPES[CSV])
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = f"public, max-age={open_data.CACHE_SECONDS}"
        return response
