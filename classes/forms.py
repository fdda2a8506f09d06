"""Booking forms. They check the shape of the input; the rules are in classes.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.choices import AREA_CHOICES
from classes.models import Registration
from classes.services import BookingRequest


def _messages(required: str, **more: str) -> dict:
    """Plain per-field messages instead of Django's generic この項目は必須です."""
    return {
        "required": required,
        "max_length": _("%(limit_value)d 文字以内で入力してください。"),
        **more,
    }


class BookingForm(forms.Form):
    """The booking questions, the same for residents, counter staff and phone staff."""

    name = forms.CharField(
        label=_("お名前"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages=_messages(_("お名前を入力してください。")),
    )
    name_kana = forms.CharField(
        label=_("ふりがな"),
        max_length=200,
        help_text=_("ひらがな か カタカナ"),
        error_messages=_messages(_("ふりがなを入力してください。")),
    )
    phone = forms.CharField(
        label=_("電話番号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
        help_text=_("例：03-3981-1111"),
        error_messages=_messages(_("電話番号を入力してください。")),
    )
    age_band = forms.ChoiceField(
        label=_("年代"),
        choices=Registration.AgeBand.choices,
        widget=forms.RadioSelect(attrs={"class": "choices--inline"}),
        error_messages=_messages(
            _("年代を選んでください。"), invalid_choice=_("年代を選択肢から選んでください。")
        ),
    )
    area = forms.ChoiceField(
        label=_("お住まいの地域（町名）"),
        choices=[("", _("選んでください"))] + AREA_CHOICES,
        error_messages=_messages(
            _("お住まいの地域（町名）を選んでください。"),
            invalid_choice=_("お住まいの地域（町名）を選択肢から選んでください。"),
        ),
    )
    device = forms.ChoiceField(
        label=_("お使いのスマホ"),
        choices=Registration.Device.choices,
        widget=forms.RadioSelect(attrs={"class": "choices--inline"}),
        error_messages=_messages(
            _("お使いのスマホを選んでください。"),
            invalid_choice=_("お使いのスマホを選択肢から選んでください。"),
        ),
    )
    wants_loaner = forms.BooleanField(label=_("教室で貸出用のスマホを使いたい"), required=False)
    email = forms.CharField(
        label=_("メールアドレス（なくてもかまいません）"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("受付の確認と前日のお知らせを送ります。"),
        error_messages=_messages(_("メールアドレスを入力してください。")),
    )
    # SMS notices for people without e-mail (helper C; rule: Registration.can_receive_sms).
    sms_consent = forms.BooleanField(
        label=_("携帯電話にSMSでお知らせを受け取る（070・080・090の番号のみ）"),
        required=False,
        help_text=_("メールアドレスがない方に、前日のお知らせなどを短いSMSでお送りします。"),
    )
    consent = forms.BooleanField(
        label=_("個人情報の取扱いについて同意します"),
        required=False,  # checked in clean() so the message is the service's, in plain words
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        # Run the service's checks even when some field is missing, so every problem is
        # announced at once; a field that already has an error keeps just that one.
        raw = {name: self.data.get(self.add_prefix(name), "") for name in self.fields}
        request = self.to_request({**raw, **cleaned})
        for field_name, error in request.validate().items():
            if field_name not in self.errors:
                message = error.message
                if error.code == "required" and field_name in self.fields:
                    message = self.fields[field_name].error_messages["required"]
                self.add_error(field_name, message)
        self.booking_request = request
        return cleaned

    @staticmethod
    def to_request(data: dict) -> BookingRequest:
        return BookingRequest(
            name=data.get("name", ""),
            name_kana=data.get("name_kana", ""),
            phone=data.get("phone", ""),
            age_band=data.get("age_band", ""),
            area=data.get("area", ""),
            device=data.get("device", ""),
            wants_loaner=bool(data.get("wants_loaner")),
            email=data.get("email", ""),
            consent=bool(data.get("consent")),
            sms_consent=bool(data.get("sms_consent")),
        )


class CancelLookupForm(forms.Form):
    reference = forms.CharField(
        label=_("受付番号"),
        max_length=20,
        help_text=_("控えの紙に書いてある6文字です。"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("申込のときの電話番号"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "type": "tel", "autocomplete": "tel"}),
    )
