"""What every response must say in its security headers (docs/operations.md "Security headers").

Used by the access-matrix gate (every route as every visitor) and test_security_headers.py.
"""

from __future__ import annotations

# The app pages' strict core: no inline or eval'd script, no plugins, no foreign base or forms.
APP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def directives(value: str) -> dict[str, str]:
    found = {}
    for part in value.split(";"):
        name, _sep, sources = part.strip().partition(" ")
        if name:
            assert name not in found, f"{name} given twice in {value!r}"
            found[name] = sources.strip()
    return found


def header_problems(response, where: str) -> list[str]:
    """Say what is missing from the response's two headers, or []."""
    csp = response.get("Content-Security-Policy")
    permissions = response.get("Permissions-Policy")
    problems = []
    if not csp:
        problems.append(f"{where}: no Content-Security-Policy")
    elif not (csp.startswith("sandbox") or csp.startswith("default-src 'none'")):
        # (Those two are the views' own, stricter policies: H5P player and files, documents.)
        found = directives(csp)
        strict = dict(APP_DIRECTIVES)
        path = where.split(" ", 2)[1]
        if path.startswith("/admin/"):
            # Wagtail's inline scripts and styles (docs/operations.md).
            strict["script-src"] = strict["style-src"] = "'self' 'unsafe-inline'"
        elif path.startswith("/analytics/"):
            strict["style-src"] = "'self' 'unsafe-inline'"  # plotly's styles; scripts strict
        for name, sources in strict.items():
            if found.get(name) != sources:
                problems.append(f"{where}: {name} is {found.get(name)!r}, not {sources!r}")
        if "'unsafe-eval'" in csp:
            problems.append(f"{where}: 'unsafe-eval' in {csp!r}")
        if found.get("frame-ancestors") not in ("'none'", "'self'"):
            problems.append(f"{where}: frame-ancestors {found.get('frame-ancestors')!r}")
    if not permissions or "camera=(" not in permissions:
        problems.append(f"{where}: no Permissions-Policy denying the camera ({permissions!r})")
    return problems
