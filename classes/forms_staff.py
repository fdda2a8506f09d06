"""Forms of the staff pages. They check the shape of the input; the rules are in the services."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.forms import BookingForm
from classes.models import Attendance, Registration
from classes.services import REFERENCE_ALPHABET, REFERENCE_LENGTH, normalise_reference

REFERENCE_PATTERN = re.compile(f"[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")


class StaffBookingForm(BookingForm):
    """The public booking questions plus how the request came in (電話 or 窓口)."""

    channel = forms.ChoiceField(
        label=_("受付方法"),
        choices=[
            (Registration.Channel.PHONE, Registration.Channel.PHONE.label),
            (Registration.Channel.COUNTER, Registration.Channel.COUNTER.label),
        ],
        widget=forms.RadioSelect,
    )

    field_order = ["channel"]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        consent = self.fields["consent"]
        consent.label = _("電話・窓口で、個人情報の取扱いについてご本人の同意を確認した")
        consent.help_text = _(
            "個人情報の取扱いを読み上げるか窓口でお見せして、同意をいただいてからチェックします。"
        )
        sms = self.fields["sms_consent"]
        sms.label = _("ご本人が携帯電話へのSMSでのお知らせを希望した（070・080・090の番号のみ）")
        sms.help_text = _(
            "メールアドレスのない方に、前日のお知らせ・繰り上げ・中止をSMSでお送りします。"
            "希望されない方は電話でお知らせします（要電話連絡）。"
        )

    def clean(self) -> dict:
        # BookingForm.clean() skips the booking rules while any field has an error; a missing
        # channel must not hide the errors of the questions, so it is set aside meanwhile.
        channel_errors = self._errors.pop("channel", None)
        cleaned = super().clean()
        if channel_errors is not None:
            self._errors["channel"] = channel_errors
        return cleaned


class StaffForm(forms.Form):
    """Japanese labels end without a colon."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class BookingSearchForm(StaffForm):
    q = forms.CharField(
        label=_("受付番号・お名前・ふりがな・電話番号"),
        max_length=100,
        required=False,
        help_text=_(
            "一部だけでも探せます（電話番号は4けた以上）。全角・半角、空白は区別しません。"
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class CallDoneForm(StaffForm):
    note = forms.CharField(
        label=_("メモ（なくてもかまいません）"),
        max_length=200,
        required=False,
        help_text=_("例：留守番電話に伝言した"),
    )


class AttendanceForm(forms.Form):
    registration = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=Attendance.Status.choices)


def reference_from_scan(raw: str) -> str:
    """Return the reference code in what was typed or scanned: the code or a URL ending in it."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not re.search(r"[/:?=]", text):
        return normalise_reference(text)
    parts = urlsplit(text)
    candidates = [segment for segment in parts.path.split("/") if segment]
    candidates += [value for _key, value in parse_qsl(parts.query)]
    for candidate in reversed(candidates):
        code = normalise_reference(candidate)
        if REFERENCE_PATTERN.fullmatch(code):
            return code
    return normalise_reference(candidates[-1]) if candidates else ""


class CheckInForm(StaffForm):
    reference = forms.CharField(
        label=_("受付番号"),
        max_length=300,
        help_text=_("控えの紙の6文字を入力するか、QRコードを読み取ります。"),
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocorrect": "off",
            }
        ),
    )

    def clean_reference(self) -> str:
        code = reference_from_scan(self.cleaned_data["reference"])
        if not code:
            raise forms.ValidationError(_("受付番号を入力してください。"))
        return code


class SkillCheckForm(StaffForm):
    """One participant's answers: one checkbox per can-do item."""

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for unit in units:
            self.fields[f"unit_{unit.pk}"] = forms.BooleanField(
                label=unit.objectives, required=False
            )

    def answers(self) -> dict[int, bool]:
        return {
            int(name.removeprefix("unit_")): bool(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("unit_")
        }
