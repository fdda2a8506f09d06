import pytest

from tests.gates.support import (
    ensure_class_samples,
    ensure_staff_samples,
    ensure_training_samples,
)


@pytest.fixture(autouse=True)
def class_samples(request):
    """Sample classes for the sample paths, in every test that visits pages as the visitors."""
    # After fast_password_hasher: users hashed with PBKDF2 would be slow to create, and their
    # passwords would not check once the MD5-only setting applies.
    request.getfixturevalue("fast_password_hasher")
    if "visitor_users" in request.fixturenames and not getattr(
        request.module, "SHARED_SAMPLES", False
    ):
        users = request.getfixturevalue("visitor_users")
        ensure_class_samples()
        ensure_staff_samples(users["trainer"])
        ensure_training_samples()
