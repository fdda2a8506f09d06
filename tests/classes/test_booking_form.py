from classes.forms import BookingForm


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
