"""Class tests send SMS to memory (``classes.sms.outbox``), never to the console or a provider."""

from __future__ import annotations

import pytest

from classes import sms


@pytest.fixture(autouse=True)
def _sms_to_memory(settings):
    settings.SMS_BACKEND = "classes.sms.LocmemBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()
