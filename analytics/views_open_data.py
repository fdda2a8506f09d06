"""Open data (/open-data/): the public page that lists the files, and the files themselves.

No login: the files hold only suppressed aggregates (``analytics.open_data``). Reading them
writes nothing but the cache.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import http_date
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
    """One file, ``/open-data/<name>.csv``; an unknown name is a 404."""

    def get(self, request: HttpRequest, name: str) -> HttpResponse:
        if name not in open_data.FILES:
            raise Http404
        generated = open_data.generate(name)
        response = HttpResponse(generated.content, content_type=CONTENT_TYPES[CSV])
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["Last-Modified"] = http_date(generated.generated_at.timestamp())
        response["Cache-Control"] = f"public, max-age={open_data.CACHE_SECONDS}"
        return response
