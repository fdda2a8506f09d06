from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from base import views as base_views
from classes.api import api
from learning import views_my as learning_views_my

urlpatterns = [
    path("healthz", base_views.healthz, name="healthz"),
    path("text-size/", base_views.TextSizeView.as_view(), name="text_size"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Wagtail's own login form would bypass allauth's MFA step and rate limits.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's login for private pages is a plain password form: send it to allauth too.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("accounts.urls")),
    path("staff/classes/", include("classes.urls_staff")),
    path("classes/", include("classes.urls")),
    # Mandatory-training reports keep their addresses under /learning/training/ (training app).
    path("learning/training/", include("training.urls")),
    path("learning/", include("learning.urls")),
    path("analytics/", include("analytics.urls")),
    # Open data: CSV files of suppressed aggregates, public (analytics.open_data).
    path("open-data/", include("analytics.urls_open_data")),
    # Public certificate verification (the QR code on a 修了証 opens it); no login.
    path(
        "certificates/",
        learning_views_my.CertificateLookupView.as_view(),
        name="certificate_lookup",
    ),
    path(
        "certificates/<str:code>/",
        learning_views_my.CertificateVerifyView.as_view(),
        name="certificate_verify",
    ),
    path("api/", api.urls),
    # ウェブアクセシビリティ方針 and 試験結果 (public; linked from the footer).
    path("accessibility/", include("base.urls_accessibility")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

# A database outage answers 503 with Retry-After (base.outage); other errors Django's 500 page.
handler500 = "base.outage.server_error"
