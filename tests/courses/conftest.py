from tests.browser.support import chromium, site_pages  # noqa: F401
from tests.gates.support import fast_password_hasher, plain_static_storage  # noqa: F401
