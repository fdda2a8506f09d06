"""``check --deploy`` warns of an SMS backend that would log or drop residents' texts, and
refuses an SMS provider without its settings."""

from __future__ import annotations

import pytest
from django.core.checks import Error, Warning

from classes.checks import check_sms_backend


@pytest.mark.parametrize(
    ("backend", "says"),
    [("classes.sms.ConsoleBackend", "log"), ("classes.sms.LocmemBackend", "dropped")],
)
def test_a_development_backend_is_a_warning_in_production(settings, backend, says):
    settings.DEBUG = False
    settings.SMS_BACKEND = backend
    [warning] = check_sms_backend()
    assert isinstance(warning, Warning) and warning.id == "sms.W001"
    assert says in warning.msg and "TwilioBackend" in warning.hint
    settings.DEBUG = True
    assert check_sms_backend() == []


def test_the_provider_needs_its_settings(settings):
    settings.DEBUG = False
    settings.SMS_BACKEND = "classes.sms.TwilioBackend"
    settings.SMS_API_URL = "https://api.twilio.com"
    settings.SMS_API_ACCOUNT = "AC123"
    settings.SMS_API_TOKEN = ""
    settings.SMS_SENDER = ""
    [error] = check_sms_backend()
    assert isinstance(error, Error) and error.id == "sms.E001"
    assert "SMS_API_TOKEN, SMS_SENDER" in error.msg
    settings.SMS_API_TOKEN = "secret"
    settings.SMS_SENDER = "+815000000000"
    assert check_sms_backend() == []
