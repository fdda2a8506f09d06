"""マイ学習, the certificate PDF download and the public certificate verification page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from wagtail import hooks

from accounts.roles import Role, has_role
from base.net import client_ip
from base.ratelimit import hit, parse_rate
from base.site import ward_name
from learning.certificates import (
    certificate_content,
    certificate_pdf,
    content_disposition,
    display_code,
    find_certificate,
    is_code_shaped,
    name_initial,
    normalise_code,
)
from learning.fiscal import local_date
from learning.models import CourseCompletion
from learning.my_learning import learner_overview

# Look-ups of the public verification page per client IP, found or not, so codes cannot be
# enumerated (setting CERTIFICATE_VERIFY_RATE_LIMIT, e.g. "30/10m").
DEFAULT_VERIFY_RATE = "30/10m"
MAX_SHOWN_CODE = 32


@method_decorator(never_cache, name="dispatch")
class MyLearningView(LoginRequiredMixin, TemplateView):
    """The learner's own page: courses in progress (with 続きから), completions, certificates.

    Other apps add sections above them through the ``my_learning_sections`` Wagtail hook: a
    function of the request returning HTML, or an empty string for nothing (the training app's
    必修研修 section is one), so learning imports none of them.
    """

    template_name = "learning/my_learning.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["overview"] = learner_overview(self.request.user)
        sections = (section(self.request) for section in hooks.get_hooks("my_learning_sections"))
        context["sections"] = [html for html in sections if html]
        return context


@method_decorator(never_cache, name="dispatch")
class CertificatePdfView(LoginRequiredMixin, View):
    """The certificate as a PDF, for its owner and admins; anyone else gets 404."""

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        normalised = normalise_code(code)
        completion = None
        if is_code_shaped(normalised):
            completion = (
                CourseCompletion.objects.select_related("user")
                .filter(certificate_code=normalised)
                .first()
            )
        if completion is None or not (
            completion.user_id == request.user.pk or has_role(request.user, Role.ADMIN)
        ):
            raise Http404
        verify_url = request.build_absolute_uri(
            reverse("certificate_verify", args=[completion.certificate_code])
        )
        content = certificate_content(completion, verify_url=verify_url, issuer=ward_name(request))
        pdf = certificate_pdf(completion, content, actor=request.user, request=request)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(completion)
        return response


class CertificateLookupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("確認コード"),
        max_length=64,
        help_text=gettext_lazy("修了証の左下にある10文字のコードです（例：ACDEF-GHJKM）。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not is_code_shaped(code):
            raise forms.ValidationError(
                _("確認コードは英字と数字です。修了証に書かれたとおりに入力してください。")
            )
        return code


def _verify_wait(request: HttpRequest) -> int | None:
    rate = parse_rate(getattr(settings, "CERTIFICATE_VERIFY_RATE_LIMIT", DEFAULT_VERIFY_RATE))
    return hit("certificate-verify", client_ip(request), rate)


def _render_verify(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("form", CertificateLookupForm(label_suffix=""))
    response = render(request, "learning/certificate_verify.html", context, status=status)
    # Certificates are for the people shown a code, not for search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@method_decorator(never_cache, name="dispatch")
class CertificateLookupView(View):
    """The public entry page: type the code printed on a certificate (GET form)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if "code" not in request.GET:
            return _render_verify(request, {"state": "lookup"})
        form = CertificateLookupForm(request.GET, label_suffix="")
        if not form.is_valid():
            return _render_verify(request, {"state": "lookup", "form": form})
        return HttpResponseRedirect(reverse("certificate_verify", args=[form.cleaned_data["code"]]))


@method_decorator(never_cache, name="dispatch")
class CertificateVerifyView(View):
    """What the QR code opens: initial, course and date of a certificate, or 見つかりません."""

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        shown_code = normalise_code(code)[:MAX_SHOWN_CODE]
        if wait := _verify_wait(request):
            minutes = max(1, -(-wait // 60))
            response = _render_verify(
                request, {"state": "rate_limited", "minutes": minutes}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        completion = find_certificate(code)
        if completion is None:
            if is_code_shaped(shown_code):
                shown_code = display_code(shown_code)
            return _render_verify(request, {"state": "not_found", "code": shown_code}, status=404)
        user = completion.user
        return _render_verify(
            request,
            {
                "state": "found",
                "code": display_code(completion.certificate_code),
                "initial": name_initial(user.last_name, user.first_name),
                "course_title": completion.course_title,
                "completed_on": local_date(completion.completed_at),
                "issuer": ward_name(request),
            },
        )
