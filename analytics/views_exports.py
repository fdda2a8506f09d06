"""Excel exports of a whole dashboard: ask, watch the progress, download (``analytics.exports``).

Only the person who asked sees a job, its progress and its file; a job key is random, and
another person's key answers 404 like an unknown one.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from analytics import exports
from analytics.models import ExportJob
from analytics.views import MFA_TYPES, dashboard_links
from base.exports import CONTENT_TYPES, XLSX


@method_decorator(never_cache, name="dispatch")
class ExportAccessMixin:
    """Signed in, allowed some dashboard, with a second factor, as on the dashboards."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not dashboard_links(request.user):  # no dashboard at all: as on /analytics/
            raise PermissionDenied
        if not is_mfa_enabled(request.user, MFA_TYPES):
            messages.warning(
                request,
                _("分析には職員と区民の集計があります。先に二段階認証を設定してください。"),
            )
            return redirect("mfa_index")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def own_job(self, pk) -> ExportJob:
        job = ExportJob.objects.filter(pk=pk, requested_by=self.request.user).first()
        if job is None:
            raise Http404
        return job


def _job_urls(job: ExportJob) -> dict[str, str]:
    return {
        "page": reverse("analytics:export", args=[job.pk]),
        "status": reverse("analytics:export_status", args=[job.pk]),
        "download": reverse("analytics:export_download", args=[job.pk]),
    }


class ExportNewView(ExportAccessMixin, TemplateView):
    """GET: what will be exported, with a button; POST: ask for it and go to its page."""

    template_name = "analytics/export_new.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        name = self.request.GET.get("dashboard", "")
        view = exports.dashboard_as(name, self.request.user, self.request.GET.urlencode())
        form = view.get_form()
        query = exports.filter_query(name, self.request.user, self.request.GET)
        chosen = QueryDict(query)
        context.update(
            dashboard=name,
            dashboard_title=view.title,
            dashboard_url=reverse(f"analytics:{name}") + (f"?{query}" if query else ""),
            query=query,
            filters=[(form.fields[k].label, _choice_label(form, k, v)) for k, v in chosen.items()],
            analytics_links=dashboard_links(self.request.user),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        name = request.POST.get("dashboard", "")
        params = QueryDict(request.POST.get("query", ""))
        job = exports.request_export(name, request.user, params, request=request)
        return redirect(_job_urls(job)["page"])


def _choice_label(form, name: str, value: str) -> str:
    field = form.fields[name]
    for key, label in getattr(field, "choices", []):
        if str(key) == value:
            return str(label)
    return value


class ExportJobView(ExportAccessMixin, TemplateView):
    """The job's progress (updated by static/analytics/export_progress.js) and its link."""

    template_name = "analytics/export_job.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.own_job(kwargs["pk"])
        view_class = exports.dashboard_class(job.dashboard)
        context.update(
            job=job,
            urls=_job_urls(job),
            dashboard_title=view_class.title,
            analytics_links=dashboard_links(self.request.user),
        )
        return context


class ExportStatusView(ExportAccessMixin, View):
    """The job's state as JSON, for the page's progress bar."""

    def get(self, request: HttpRequest, pk) -> JsonResponse:
        job = self.own_job(pk)
        urls = _job_urls(job)
        return JsonResponse(
            {
                "status": job.status,
                "label": job.get_status_display(),
                "progress": job.progress,
                "download": urls["download"] if job.status == ExportJob.Status.DONE else None,
            }
        )


class ExportDownloadView(ExportAccessMixin, View):
    """The finished workbook, to its owner only; each download is audited."""

    def get(self, request: HttpRequest, pk) -> HttpResponse:
        try:
            job, handle = exports.open_export(pk, request.user, request=request)
        except exports.ExportError as error:
            messages.info(request, str(error))
            return redirect(reverse("analytics:export", args=[pk]))
        title = exports.dashboard_class(job.dashboard).title
        day = timezone.localtime(job.created_at).strftime("%Y%m%d")
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{title}_{day}.xlsx",
            content_type=CONTENT_TYPES[XLSX],
        )
