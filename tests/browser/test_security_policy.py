"""The browser side of the security headers (docs/operations.md "Security headers").

Chromium accepts the Permissions-Policy as sent (no unknown feature), enforces the CSP, and the
shared set-up of every browser test (tests/browser/support.py) notices a violation.
"""

from __future__ import annotations

import pytest

from tests.browser.support import new_context, watch

pytestmark = pytest.mark.browser

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement('script');
  script.textContent = 'window.inlineRan = true;';
  document.body.append(script);
  return window.inlineRan === true;
}"""


def test_headers_are_accepted_and_inline_script_is_refused(
    chromium, live_server, site_pages, fail_on_csp_violations
):
    context = new_context(chromium, live_server.url)
    try:
        page = context.new_page()
        problems = watch(page)
        response = page.goto("/")
        assert "camera=()" in response.headers["permissions-policy"]
        assert "script-src 'self';" in response.headers["content-security-policy"]
        # Chromium names an unknown or malformed feature in a console error.
        assert not [p for p in problems if "Permissions-Policy" in p], problems
        assert page.evaluate("document.featurePolicy.allowsFeature('camera')") is False
        assert page.evaluate("document.featurePolicy.allowsFeature('geolocation')") is True

        assert page.evaluate(INJECT_INLINE_SCRIPT) is False
        for _attempt in range(40):
            if fail_on_csp_violations:
                break
            page.wait_for_timeout(50)
    finally:
        context.close()
    assert any("script-src" in v and "inline" in v for v in fail_on_csp_violations), (
        fail_on_csp_violations
    )
    fail_on_csp_violations.clear()
