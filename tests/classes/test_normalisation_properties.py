"""Properties of the booking input normalisation (classes.services), checked with hypothesis.

Phone numbers, names and reference codes arrive typed by seniors on every kind of keyboard:
full-width digits, half-width katakana, odd hyphens. Whatever the text, normalising it never
raises anything but the documented ``BookingError``, gives the same result when applied twice,
treats full- and half-width forms alike, and fits the database column it is stored in.
"""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from classes.models import Registration
from classes.services import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    BookingError,
    BookingRequest,
    format_phone,
    make_person_key,
    normalise_name,
    normalise_phone,
    normalise_reference,
)

PHONE_MAX = Registration._meta.get_field("phone").max_length
PERSON_KEY_MAX = Registration._meta.get_field("person_key").max_length
NAME_MAX = Registration._meta.get_field("name").max_length

# Characters that grow or change under NFKC and case folding (ß → ss, ΐ, spacing accents ´ ¸,
# ligatures, full-width forms): plain random text rarely holds enough of them to matter.
TRICKY = "".join(
    char
    for char in map(chr, range(0x80, 0x3000))
    if unicodedata.category(char) != "Cs"
    and (unicodedata.normalize("NFKC", char) != char or char.casefold() != char)
)
LETTERS = string.ascii_letters + "あアｱ漢"
tricky_text = (
    st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=80)
    # a letter then a tricky character: "C¸" reads as Ç once normalised
    | st.lists(st.sampled_from(LETTERS) | st.sampled_from(TRICKY), max_size=40).map("".join)
    | st.builds(lambda char, count: char * count, st.sampled_from(TRICKY), st.integers(1, 80))
)
# Letters whose case fold is longer than they are (ß → ss, ΐ → three code points).
FOLDS_LONGER = [
    char
    for char in map(chr, range(0x80, 0x10000))
    if unicodedata.category(char) != "Cs"
    and unicodedata.normalize("NFKC", char) == char
    and len(char.casefold()) > 1
]
# Any text at all: hypothesis leaves out lone surrogates unless asked; NUL and controls too.
any_text = st.text(alphabet=st.characters() | st.characters(categories=["Cs", "Cc"])) | tricky_text
# Every decimal digit Unicode knows (Arabic-Indic ٣, Devanagari ३, full-width ３, ...).
unicode_digits = st.characters(categories=["Nd"])


def to_full_width(text: str) -> str:
    """ASCII to its full-width twin (！ to ～, and the ideographic space)."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


# Full-width katakana → half-width (ｶ, ｶﾞ): the inverse of what NFKC does to old exports.
HALF_WIDTH_KATAKANA = {}
for code in range(0xFF66, 0xFF9E):
    HALF_WIDTH_KATAKANA.setdefault(unicodedata.normalize("NFKC", chr(code)), chr(code))
for full, half in list(HALF_WIDTH_KATAKANA.items()):
    voiced = unicodedata.normalize("NFC", full + "\u3099")
    if len(voiced) == 1:
        HALF_WIDTH_KATAKANA[voiced] = half + "\uff9e"
KATAKANA = sorted(HALF_WIDTH_KATAKANA)


def normalised_or_none(raw: str) -> str | None:
    try:
        return normalise_phone(raw)
    except BookingError:
        return None


# --- Phone numbers --------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, derandomize=True)
@given(any_text)
def test_normalise_phone_raises_only_booking_error_and_is_idempotent(raw):
    digits = normalised_or_none(raw)
    if digits is None:
        return
    assert normalise_phone(digits) == digits
    assert normalise_phone(format_phone(digits)) == digits
    assert len(digits) <= PHONE_MAX


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet=unicode_digits, min_size=9, max_size=10))
def test_stored_phone_numbers_hold_ascii_digits_only(rest):
    """A number is kept as 0-9 only: other scripts' digits are refused, never stored as such."""
    digits = normalised_or_none("0" + rest)
    if digits is not None:
        assert digits.isascii()
        assert digits.isdigit()


phone_shapes = st.builds(
    lambda area, local, line, sep: f"0{area}{sep}{local}{sep}{line}",
    st.text(alphabet=string.digits, min_size=1, max_size=3),
    st.text(alphabet=string.digits, min_size=3, max_size=4),
    st.text(alphabet=string.digits, min_size=4, max_size=4),
    st.sampled_from(["", "-", " ", "ー", "−", "‐"]),
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(phone_shapes)
def test_full_width_and_half_width_phone_numbers_are_the_same(raw):
    assert normalised_or_none(to_full_width(raw)) == normalised_or_none(raw)


def test_phone_number_in_another_script_is_refused():
    # Arabic-Indic digits: \d matched them, so "0٣٣٩٨١١١١١" was stored as a phone number.
    with pytest.raises(BookingError):
        normalise_phone("0\u0663\u0663\u0669\u0668\u0661\u0661\u0661\u0661\u0661")


# --- Names ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, derandomize=True)
@given(any_text)
def test_normalise_name_is_idempotent(raw):
    once = normalise_name(raw)
    assert normalise_name(once) == once


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet=string.ascii_letters + string.digits + " ", max_size=30))
def test_full_width_latin_names_are_the_same_as_ascii(raw):
    assert normalise_name(to_full_width(raw)) == normalise_name(raw)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(KATAKANA), min_size=1, max_size=20))
def test_half_width_katakana_names_are_the_same_as_full_width(chars):
    full = "".join(chars)
    half = "".join(HALF_WIDTH_KATAKANA[c] for c in chars)
    assert normalise_name(half) == normalise_name(full)


def test_a_spacing_accent_and_the_accented_letter_give_one_name():
    # "C¸" (cedilla U+00B8 typed after the letter) reads as Ç; the key must not depend on it.
    assert normalise_name("C\u00b8") == normalise_name("\u00c7")
    assert normalise_reference("A\u00b4") == normalise_reference("\u00c1")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.text(alphabet=st.sampled_from(FOLDS_LONGER), min_size=1, max_size=NAME_MAX) | tricky_text,
    st.sampled_from(["0339811111", "09012345678"]),
)
def test_person_key_of_an_accepted_booking_fits_its_column(name, phone):
    request = BookingRequest(
        name=name,
        name_kana="としま",
        phone=phone,
        age_band="75-79",
        area="駒込",
        device="android",
        consent=True,
    )
    if request.validate():
        return
    key = make_person_key(request.name, request.phone)
    # Steer the search towards the longest keys: the bound is what is tested.
    target(len(key))
    assert len(request.name) <= NAME_MAX
    assert len(key) <= PERSON_KEY_MAX


def test_person_key_of_sixty_expanding_letters_fits_its_column():
    # ΐ case-folds to three code points: 60 of them made a 192-character key (column: 160),
    # an error on PostgreSQL and a silent overlong value on SQLite.
    for letter in ("\u0390", "\u00df", "\u01f0"):
        assert len(make_person_key(letter * NAME_MAX, "09012345678")) <= PERSON_KEY_MAX


# --- Reference codes --------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, derandomize=True)
@given(any_text)
def test_normalise_reference_is_idempotent(raw):
    once = normalise_reference(raw)
    assert normalise_reference(once) == once


references = st.text(
    alphabet=REFERENCE_ALPHABET, min_size=REFERENCE_LENGTH, max_size=REFERENCE_LENGTH
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(references, st.sampled_from(["", "-", " ", "\u3000"]), st.booleans())
def test_a_reference_read_aloud_or_typed_full_width_is_found(reference, separator, lower):
    typed = reference[:3] + separator + reference[3:]
    typed = typed.lower() if lower else typed
    assert normalise_reference(typed) == reference
    assert normalise_reference(to_full_width(typed)) == reference
