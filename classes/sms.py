"""Sending SMS: a backend chosen by a setting, like Django's ``EMAIL_BACKEND``.

``SMS_BACKEND`` is a dotted path to one of the classes below (or any class with the same
``send_messages``):

- ``classes.sms.ConsoleBackend`` (default): writes each message to standard output;
- ``classes.sms.FileBackend``: appends one JSON line per message to ``SMS_FILE_PATH``;
- ``classes.sms.LocmemBackend``: keeps messages in ``classes.sms.outbox`` (tests);
- ``classes.sms.TwilioBackend``: an SMS provider with Twilio's REST API shape, configured by
  ``SMS_API_URL``, ``SMS_API_ACCOUNT``, ``SMS_API_TOKEN`` and ``SMS_SENDER``.

A failed send raises ``SmsError`` whose ``temporary`` says whether trying again later may help
(network trouble, time-outs, 5xx, 429, and 401/403 — a configuration problem an operator can
fix) or not (any other 4xx: the provider refused this number or text). The outbox
(``classes.notifications``) retries temporary errors with back-off and puts the person on the
要電話連絡 list after a permanent one or too many tries.

One rule lives here: which numbers receive SMS (``is_mobile_number``: 070, 080, 090).
"""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "classes.sms.ConsoleBackend"
# One SMS segment holds 70 UCS-2 code units (Japanese text is sent as UCS-2).
SEGMENT_UNITS = 70
_MOBILE = re.compile(r"0[789]0[0-9]{8}")


def is_mobile_number(digits: str) -> bool:
    """Whether a normalised number (digits only) is a mobile one: 070, 080 or 090 + 8 digits."""
    return bool(_MOBILE.fullmatch(digits or ""))


def ucs2_units(text: str) -> int:
    """Length of ``text`` as sent in UCS-2/UTF-16 (characters beyond the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments ``text`` needs (70 units in one, 67 each when split)."""
    units = ucs2_units(text)
    return 1 if units <= SEGMENT_UNITS else -(-units // 67)


def international(digits: str) -> str:
    """E.164 form of a Japanese number: 09012345678 → +819012345678."""
    return "+81" + digits[1:] if digits.startswith("0") else digits


@dataclass(frozen=True)
class SmsMessage:
    to: str  # digits of a Japanese number, as stored on the booking
    body: str


class SmsError(Exception):
    """A send failed. ``temporary``: trying again later may help. ``code``: HTTP status or ""."""

    def __init__(self, message: str, *, temporary: bool, code: str = "") -> None:
        super().__init__(message)
        self.temporary = temporary
        self.code = code


class BaseSmsBackend:
    def __init__(self, **kwargs) -> None:
        self.options = kwargs

    def send_messages(self, messages: Iterable[SmsMessage]) -> int:
        """Send each message; return how many were sent. Raise ``SmsError`` on failure."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def __init__(self, stream: TextIO | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stream = stream

    def send_messages(self, messages: Iterable[SmsMessage]) -> int:
        stream = self.stream or sys.stdout
        count = 0
        for message in messages:
            stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
            count += 1
        stream.flush()
        return count


class FileBackend(BaseSmsBackend):
    """Appends one JSON object per line to ``SMS_FILE_PATH`` (or ``file_path``)."""

    _lock = threading.Lock()

    def __init__(self, file_path: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.file_path = file_path or getattr(settings, "SMS_FILE_PATH", "")
        if not self.file_path:
            raise SmsError("SMS_FILE_PATH is not set", temporary=True, code="config")

    def send_messages(self, messages: Iterable[SmsMessage]) -> int:
        lines = [
            json.dumps(
                {"at": timezone.now().isoformat(), "to": m.to, "body": m.body}, ensure_ascii=False
            )
            for m in messages
        ]
        with self._lock, open(self.file_path, "a", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
        return len(lines)


outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in ``classes.sms.outbox`` (like Django's locmem mail backend)."""

    def send_messages(self, messages: Iterable[SmsMessage]) -> int:
        sent = list(messages)
        outbox.extend(sent)
        return len(sent)


class TwilioBackend(BaseSmsBackend):
    """An HTTP provider with Twilio's Messages API shape.

    ``POST {SMS_API_URL}/2010-04-01/Accounts/{SMS_API_ACCOUNT}/Messages.json`` with a form body
    ``To`` (E.164), ``From`` (``SMS_SENDER``) and ``Body``, HTTP basic auth account:token; any
    2xx is success. Standard library only (urllib), with a time-out (``SMS_API_TIMEOUT``).
    """

    def __init__(
        self,
        api_url: str | None = None,
        account: str | None = None,
        token: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.api_url = (api_url or getattr(settings, "SMS_API_URL", "")).rstrip("/")
        self.account = account or getattr(settings, "SMS_API_ACCOUNT", "")
        self.token = token or getattr(settings, "SMS_API_TOKEN", "")
        self.sender = sender or getattr(settings, "SMS_SENDER", "")
        self.timeout = timeout or float(getattr(settings, "SMS_API_TIMEOUT", 10))
        if not (self.api_url and self.account and self.token and self.sender):
            # A configuration problem: retried, so sends resume once an operator fixes it.
            raise SmsError("SMS API settings are incomplete", temporary=True, code="config")

    def endpoint(self) -> str:
        account = urllib.parse.quote(self.account, safe="")
        return f"{self.api_url}/2010-04-01/Accounts/{account}/Messages.json"

    def send_messages(self, messages: Iterable[SmsMessage]) -> int:
        count = 0
        for message in messages:
            self._send(message)
            count += 1
        return count

    def _send(self, message: SmsMessage) -> None:
        body = urllib.parse.urlencode(
            {"To": international(message.to), "From": self.sender, "Body": message.body}
        ).encode()
        credentials = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        request = urllib.request.Request(
            self.endpoint(),
            data=body,
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read(65536)
        except urllib.error.HTTPError as exc:
            exc.close()
            status = exc.code
            temporary = status >= 500 or status in (401, 403, 408, 429)
            raise SmsError(f"HTTP {status}", temporary=temporary, code=str(status)) from None
        except TimeoutError:
            raise SmsError("timeout", temporary=True, code="timeout") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None)
            code = "timeout" if isinstance(reason, TimeoutError) else "network"
            raise SmsError(type(exc).__name__, temporary=True, code=code) from None


def get_backend(path: str | None = None, **kwargs) -> BaseSmsBackend:
    """An instance of ``SMS_BACKEND`` (or ``path``)."""
    backend = path or getattr(settings, "SMS_BACKEND", "") or DEFAULT_BACKEND
    return import_string(backend)(**kwargs)


def send_sms(to: str, body: str) -> int:
    """Send one message through ``SMS_BACKEND``; raises ``SmsError`` on failure."""
    return get_backend().send_messages([SmsMessage(to=to, body=body)])
