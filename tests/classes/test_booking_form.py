"""The booking form's questions: every problem at once, plain per-field messages, ふりがな."""

from __future__ import annotations

import pytest

from classes.forms import BookingForm
from classes.forms_staff import StaffBookingForm


def test_every_problem_is_announced_at_once(db):
    form = BookingForm(data={"name": "", "phone": "12", "consent": ""})
    assert not form.is_valid()
    assert {"name", "name_kana", "phone", "age_band", "area", "device", "consent"} <= set(
        form.errors
    )
    assert "10けたか11けた" in form.errors["phone"][0]
    assert "同意" in form.errors["consent"][0]


def test_valid_form_hands_over_a_normalised_request(db):
    form = BookingForm(
        data={
            "name": "豊島　花子",
            "name_kana": "としま はなこ",
            "phone": "０９０－１２３４－５６７８",
            "age_band": "80+",
            "area": "駒込",
            "device": "none",
            "wants_loaner": "on",
            "consent": "on",
        }
    )
    assert form.is_valid(), form.errors
    assert form.booking_request.phone == "09012345678"
    assert form.booking_request.name == "豊島 花子"
    assert form.booking_request.wants_loaner is True


# --- Plain per-field messages (issue 14) --------------------------------------------------

GENERIC = "この項目は必須です"


def test_every_missing_answer_has_its_own_plain_message(db):
    form = BookingForm(data={})
    assert not form.is_valid()
    expected = {
        "name": "お名前を入力してください。",
        "name_kana": "ふりがなを入力してください。",
        "phone": "電話番号を入力してください。",
        "age_band": "年代を選んでください。",
        "area": "お住まいの地域（町名）を選んでください。",
        "device": "お使いのスマホを選んでください。",
        "consent": "個人情報の取扱いに同意していただく必要があります。",
    }
    for name, message in expected.items():
        assert form.errors[name] == [message], name
    assert GENERIC not in str(form.errors)


def test_blank_answers_after_normalisation_get_the_plain_message_too(db):
    # Spaces only (full-width included) pass Django's own check only to fail the service's.
    form = BookingForm(data={"name": "\u3000 \u3000", "name_kana": " "})
    assert not form.is_valid()
    assert form.errors["name"] == ["お名前を入力してください。"]
    assert form.errors["name_kana"] == ["ふりがなを入力してください。"]


# --- ふりがな: kana only -------------------------------------------------------------------

VALID = {
    "name": "豊島 花子",
    "phone": "03-3981-1111",
    "age_band": "75-79",
    "area": "駒込",
    "device": "android",
    "consent": "on",
}


@pytest.mark.parametrize(
    "kana",
    ["としま はなこ", "トシマ　ハナコ", "ﾄｼﾏ ﾊﾅｺ", "こーひー", "ジョン・スミス", "ゔぃくとりあ"],
)
def test_furigana_accepts_hiragana_katakana_prolonged_mark_and_spaces(db, kana):
    form = BookingForm(data={**VALID, "name_kana": kana})
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    "kana", ["豊島 花子", "toshima hanako", "としま はなこ1", "としま。", "Ｔｏｓｈｉｍａ"]
)
def test_furigana_refuses_kanji_romaji_digits_and_punctuation(db, kana):
    form = BookingForm(data={**VALID, "name_kana": kana})
    assert not form.is_valid()
    assert form.errors["name_kana"] == ["ふりがなは ひらがな か カタカナ で入力してください。"]
    assert set(form.errors) == {"name_kana"}


def test_the_counter_form_uses_the_same_furigana_rule(db):
    form = StaffBookingForm(data={**VALID, "channel": "phone", "name_kana": "豊島 花子"})
    assert not form.is_valid()
    assert form.errors["name_kana"] == ["ふりがなは ひらがな か カタカナ で入力してください。"]
    assert StaffBookingForm(data={**VALID, "channel": "phone", "name_kana": "としま"}).is_valid()
