"""Where the H5P player runs, and how its files are served (docs/h5p-hosting.md).

Package files (JavaScript, HTML-capable SVG, CSS) are other people's code, so they never run
with the platform's cookies:

- With ``H5P_CONTENT_ORIGIN`` set, a separate, cookieless origin serves the player page and the
  package files; the lesson page embeds it in ``<iframe sandbox="allow-scripts
  allow-same-origin">``. The app's own host answers 404 for those paths.
- In development (``H5P_DEV_CONTENT_ORIGIN``, on with DEBUG) an app reached at 127.0.0.1 or
  [::1] gets the same split from http://localhost on the same port: two sites, one runserver.
- Otherwise the app serves the player itself, but in ``<iframe sandbox="allow-scripts">`` and
  with a ``sandbox`` CSP: an opaque origin that cannot read the app's cookies or DOM.

Every file response carries ``Content-Security-Policy: sandbox``, ``nosniff`` and a type from
a fixed map, so a package file opened directly never runs as a document of either origin.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.templatetags.static import static

from learning.models import LIBRARY_ROOT, H5PPackage

CHANNEL = "toshima-h5p"
# Every path the content origin serves starts with this (learning/urls.py, ``h5p/``).
CONTENT_PATH_PREFIX = "/learning/h5p/"
DEV_CONTENT_HOSTNAME = "localhost"
LOOPBACK_APP_HOSTNAMES = frozenset({"127.0.0.1", "::1"})

# Served extensions and their types; anything else answers 404 (SWF, for one, never plays).
# Text formats that are not needed as such by the player go out as text/plain; office files
# as downloads.
CONTENT_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "svg": "image/svg+xml",
    "xml": "text/plain; charset=utf-8",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "eot": "application/vnd.ms-fontobject",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "webm": "video/webm",
    "mp4": "video/mp4",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "vtt": "text/vtt; charset=utf-8",
    "webvtt": "text/vtt; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "textile": "text/plain; charset=utf-8",
    "csv": "text/plain; charset=utf-8",
    "diff": "text/plain; charset=utf-8",
    "patch": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
    "gltf": "model/gltf+json",
    "glb": "model/gltf-binary",
}
DOWNLOAD_EXTENSIONS = frozenset(
    {"rtf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp"}
)
DOWNLOAD_TYPE = "application/octet-stream"

# A file opened directly is a sandboxed document that may show images and styles, nothing else.
FILE_CSP = (
    "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'none'"
)
# The player page (notes/h5p-isolation.md): 'unsafe-eval' for MultiChoice's EJS templates,
# inline styles for Course Presentation and Interactive Video; no inline scripts.
PLAYER_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'{static}; "
    "style-src 'self' 'unsafe-inline'{static}; img-src 'self' data: blob:{static}; "
    "media-src 'self' data: blob:; font-src 'self' data:{static}; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors {ancestor}; "
    "sandbox {sandbox}"
)
SANDBOX_SEPARATE = "allow-scripts allow-same-origin"
SANDBOX_OPAQUE = "allow-scripts"
FILE_MAX_AGE = 3600
SEGMENT_RE = re.compile(r"^[^/\\\x00-\x1f]{1,255}$")
MAX_PATH_LENGTH = 1024
PACKAGE_CACHE_SECONDS = 300


# --- Origins ----------------------------------------------------------------------------


def _split_host(host: str) -> tuple[str, str]:
    """Return (hostname, port) of a Host header value; IPv6 without brackets."""
    parts = urlsplit(f"//{host}")
    try:
        port = str(parts.port) if parts.port is not None else ""
    except ValueError:
        port = ""
    return (parts.hostname or "").lower(), port


def request_origin(request: HttpRequest) -> str:
    """Return the origin (scheme://host[:port]) the request was made to."""
    return f"{request.scheme}://{request.get_host().lower()}"


def _dev_split_active() -> bool:
    return not settings.H5P_CONTENT_ORIGIN and settings.H5P_DEV_CONTENT_ORIGIN


def content_origin(request: HttpRequest) -> str:
    """Return the separate origin that serves the player for this app request, or "".

    "" means no separate origin: the app serves the player in an opaque sandbox.
    """
    if settings.H5P_CONTENT_ORIGIN:
        return settings.H5P_CONTENT_ORIGIN
    if _dev_split_active():
        hostname, port = _split_host(request.get_host())
        if hostname in LOOPBACK_APP_HOSTNAMES:
            return f"{request.scheme}://{DEV_CONTENT_HOSTNAME}" + (f":{port}" if port else "")
    return ""


def is_content_host(request: HttpRequest) -> bool:
    """Return whether the request was made to the content origin (not to the app)."""
    if settings.H5P_CONTENT_ORIGIN:
        wanted = urlsplit(settings.H5P_CONTENT_ORIGIN)
        hostname, port = _split_host(request.get_host())
        wanted_port = str(wanted.port or "")
        default = "443" if wanted.scheme == "https" else "80"
        return hostname == (wanted.hostname or "") and (port or default) == (wanted_port or default)
    if _dev_split_active():
        return _split_host(request.get_host())[0] == DEV_CONTENT_HOSTNAME
    return False


def dev_app_url(request: HttpRequest) -> str | None:
    """In the development split, the app URL for a page asked for on the content host."""
    if not (_dev_split_active() and settings.DEBUG):
        return None
    _hostname, port = _split_host(request.get_host())
    host = "127.0.0.1" + (f":{port}" if port else "")
    return f"{request.scheme}://{host}{request.get_full_path()}"


def allowed_app_origins(request: HttpRequest) -> list[str]:
    """The origins whose pages may embed the player served for this request."""
    if settings.H5P_CONTENT_ORIGIN:
        return list(settings.H5P_APP_ORIGINS)
    if _dev_split_active() and is_content_host(request):
        _hostname, port = _split_host(request.get_host())
        suffix = f":{port}" if port else ""
        return [f"{request.scheme}://127.0.0.1{suffix}", f"{request.scheme}://[::1]{suffix}"]
    return [request_origin(request)]


@dataclass(frozen=True)
class PlayerSetup:
    """How the lesson page embeds the player of one request."""

    origin: str  # the origin the iframe's messages come from: content origin or "null"
    base: str  # prefix for the player URL ("" when served by the app itself)
    sandbox: str

    @property
    def separate(self) -> bool:
        return self.origin != "null"


def player_setup(request: HttpRequest) -> PlayerSetup:
    origin = content_origin(request)
    if origin:
        return PlayerSetup(origin=origin, base=origin, sandbox=SANDBOX_SEPARATE)
    return PlayerSetup(origin="null", base="", sandbox=SANDBOX_OPAQUE)


def player_csp(app_origin: str, *, separate: bool) -> str:
    static_origin = _static_origin()
    return PLAYER_CSP.format(
        static=f" {static_origin}" if static_origin else "",
        ancestor=app_origin,
        sandbox=SANDBOX_SEPARATE if separate else SANDBOX_OPAQUE,
    )


def _static_origin() -> str:
    """The origin of STATIC_URL when static files come from elsewhere (a CDN-like host)."""
    parts = urlsplit(static("h5p-player/player.js"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# --- Files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageFiles:
    """What one package may serve: its content folder and the library folders it uses."""

    content_path: str
    library_folders: frozenset[str]


def package_files(package_uuid: object) -> PackageFiles:
    """Return the package's servable folders (cached briefly; 404 for an unknown package)."""
    key = f"h5p:files:{package_uuid}"
    found = cache.get(key)
    if found is None:
        package = (
            H5PPackage.objects.filter(uuid=package_uuid).select_related("main_library").first()
        )
        if package is None:
            raise Http404
        folders = {lib.folder_name for lib in package.dependencies.all()}
        folders.add(package.main_library.folder_name)
        found = PackageFiles(package.content_path, frozenset(folders))
        cache.set(key, found, PACKAGE_CACHE_SECONDS)
    return found


def clean_relative_path(path: str) -> str:
    """Return a safe relative file path, or raise Http404.

    No empty, ``.`` or ``..`` segments, no backslashes, control characters or dot files; the
    import skips dot files, so none is stored.
    """
    if not path or len(path) > MAX_PATH_LENGTH or path.startswith("/"):
        raise Http404
    segments = path.split("/")
    for segment in segments:
        if not SEGMENT_RE.match(segment) or segment in (".", "..") or segment.startswith("."):
            raise Http404
    normalised = posixpath.normpath(path)
    if normalised != path:
        raise Http404
    return normalised


def file_type(path: str) -> tuple[str, bool]:
    """Return (Content-Type, as attachment) for a file name, or raise Http404."""
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if extension in CONTENT_TYPES:
        return CONTENT_TYPES[extension], False
    if extension in DOWNLOAD_EXTENSIONS:
        return DOWNLOAD_TYPE, True
    raise Http404


def add_file_headers(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={FILE_MAX_AGE}"
    if needs_cors(request):
        response["Access-Control-Allow-Origin"] = "*"
    return response


def needs_cors(request: HttpRequest) -> bool:
    """The opaque player (app origin, sandbox without allow-same-origin) fetches cross-origin."""
    return not is_content_host(request)


def open_file(storage_name: str, request: HttpRequest) -> FileResponse:
    """Stream one stored file with the content headers, or raise Http404."""
    content_type, attachment = file_type(storage_name)
    try:
        handle = default_storage.open(storage_name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        raise Http404 from exc
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=attachment,
        filename=posixpath.basename(storage_name) if attachment else "",
    )
    return add_file_headers(response, request)


def content_file_name(package_uuid: object, path: str) -> str:
    files = package_files(package_uuid)
    return f"{files.content_path}{clean_relative_path(path)}"


def library_file_name(package_uuid: object, folder: str, path: str) -> str:
    files = package_files(package_uuid)
    if folder not in files.library_folders:
        raise Http404
    return f"{LIBRARY_ROOT}/{folder}/{clean_relative_path(path)}"
