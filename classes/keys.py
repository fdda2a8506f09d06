"""Keyed hashes that stand for a resident where the resident need not be readable.

``person_key_hash`` gives ``Registration.person_key``: the same person (number and normalised
name, ``classes.services.make_person_key``) always gives the same key, so double bookings,
a person's attendance across a class and analytics' distinct counts work on it, but neither the
name nor the number can be read back from it, and it survives the retention purge
(``classes.retention``) unchanged. The key is ``PERSON_KEY_SECRET`` (``SECRET_KEY`` when
unset): it must never change, or later bookings of the same person get other keys.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac


def person_key_hash(plain: str) -> str:
    """HMAC-SHA256 (hex, 64 characters) of a person's plain key ``"<digits>|<name>"``."""
    secret = getattr(settings, "PERSON_KEY_SECRET", "") or None
    return salted_hmac("classes.person-key", plain, secret=secret, algorithm="sha256").hexdigest()


def is_hashed_person_key(key: str) -> bool:
    """Whether a key is already a keyed hash (the plain form holds a ``|``)."""
    return "|" not in key


def phone_lock_hash(digits: str) -> str:
    """The keyed hash of a phone number that ``PhoneBookingLock`` holds instead of it."""
    return salted_hmac("classes.phone-booking-lock", digits).hexdigest()
