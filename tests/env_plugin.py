"""Set the environment the test settings need before pytest-django loads them.

Loaded with ``-p tests.test_env_plugin`` (see pyproject), which runs before Django settings are
read; a conftest.py would run too late.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
# Tests exercise the production-like setting (DEBUG off) unless a test overrides it.
os.environ.setdefault("DEBUG", "0")
# Plain HTTP in the test client and the live server.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
# Tests do not run collectstatic, so no hashed-name manifest.
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The live server answers at localhost: with the development split (on when DEBUG is on) that
# name would be the H5P content host. Tests that need a content origin set one themselves.
os.environ.setdefault("H5P_DEV_CONTENT_ORIGIN", "0")
# Second-factor secrets are encrypted (accounts.mfa_secrets); a fixed key for the tests only.
os.environ.setdefault("MFA_ENCRYPTION_KEYS", "Yw0Rf4tMVZb5BNzqg0TBZwLq2Yr5xGYp5LGMqvRlhWE=")
