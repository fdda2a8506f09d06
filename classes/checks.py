"""System checks of the SMS set-up for production (``manage.py check --deploy``).

The console and in-memory backends are for development and tests: in production the first
would print residents' phone numbers and texts into the log, the second would drop them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

DEVELOPMENT_BACKENDS = frozenset({"classes.sms.ConsoleBackend", "classes.sms.LocmemBackend"})


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    backend = settings.SMS_BACKEND
    if backend in DEVELOPMENT_BACKENDS:
        return [
            Warning(
                f"SMS_BACKEND is {backend}: texts to residents are "
                + (
                    "written to the log with their phone numbers"
                    if "Console" in backend
                    else "dropped"
                )
                + " instead of being sent.",
                hint="Set SMS_BACKEND=classes.sms.TwilioBackend and SMS_API_* / SMS_SENDER "
                "(docs/operations.md, 'SMS'), or classes.sms.FileBackend to hand texts on.",
                id="sms.W001",
            )
        ]
    if backend == "classes.sms.TwilioBackend":
        missing = [
            name
            for name in ("SMS_API_URL", "SMS_API_ACCOUNT", "SMS_API_TOKEN", "SMS_SENDER")
            if not getattr(settings, name, "")
        ]
        if missing:
            return [
                Error(
                    "The SMS provider is not fully configured: " + ", ".join(missing) + " empty.",
                    hint="docs/operations.md, 'SMS'. Until then every text waits in the outbox.",
                    id="sms.E001",
                )
            ]
    return []
