import logging

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from base.text_size import is_valid_text_size

logger = logging.getLogger(__name__)

ONE_YEAR = 365 * 24 * 60 * 60


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer.")
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    return JsonResponse({"status": "ok"})


class TextSizeView(View):
    """Store the chosen text size in a cookie and go back to the page it was chosen on."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        size = request.POST.get("size", "")
        next_url = request.POST.get("next") or "/"
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = "/"
        response = HttpResponseRedirect(next_url)
        if not is_valid_text_size(size):
            messages.error(request, _("文字の大きさは「標準」「大」「特大」から選んでください。"))
            return response
        response.set_cookie(
            settings.TEXT_SIZE_COOKIE,
            size,
            max_age=ONE_YEAR,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response
