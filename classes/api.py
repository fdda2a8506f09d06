"""JSON API under /api/ (django-ninja); schema at /api/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Toshima ICT API",
    version="1",
    urls_namespace="api",
    # The interactive docs page loads Swagger UI from a CDN; the schema alone is served.
    docs_url=None,
)
