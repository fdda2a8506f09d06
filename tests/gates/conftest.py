import pytest

from tests.browser.support import chromium, site_pages  # noqa: F401
from tests.gates.support import (  # noqa: F401
    ensure_class_samples,
    fast_password_hasher,
    plain_static_storage,
)


@pytest.fixture(autouse=True)
def class_samples(request):
    """Sample classes for the sample paths, in every test that visits pages as the visitors."""
    if "visitor_users" in request.fixturenames:
        request.getfixturevalue("visitor_users")
        ensure_class_samples()
