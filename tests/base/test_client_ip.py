import pytest
from django.test import RequestFactory

from base.net import client_ip


@pytest.fixture
def rf():
    return RequestFactory()


def test_remote_addr_without_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "10.0.0.1"


def test_forwarded_address_behind_one_trusted_proxy(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first hop; the proxy appended the real address last.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "203.0.113.7"


def test_too_few_hops_falls_back_to_remote_addr(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "127.0.0.1"
