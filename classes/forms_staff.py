"""Forms of the staff pages. They check the shape of the input; the rules are in the services."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.forms import BookingForm
from classes.models import Attendance, PhoneCall, Registration, Venue
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


class CallOutcomeForm(StaffForm):
    """How a 要電話連絡 call ended; 不在 asks when to call again (default: in two hours)."""

    outcome = forms.ChoiceField(
        label=_("結果"),
        choices=PhoneCall.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("電話の結果を選んでください。"),
            "invalid_choice": _("電話の結果を選択肢から選んでください。"),
        },
    )
    retry_at = forms.DateTimeField(
        label=_("かけ直す時刻（不在のとき）"),
        required=False,
        help_text=_("空欄なら2時間後です。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("かけ直す時刻は「2030-01-08 14:00」の形で入力してください。")},
    )
    note = forms.CharField(
        label=_("メモ（なくてもかまいません）"),
        max_length=200,
        required=False,
        help_text=_("例：留守番電話に伝言した"),
        error_messages={"max_length": _("メモは200文字以内で入力してください。")},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        retry_at = cleaned.get("retry_at")
        if cleaned.get("outcome") == PhoneCall.Outcome.NO_ANSWER and retry_at:
            if retry_at <= timezone.now():
                self.add_error("retry_at", _("かけ直す時刻は、今より後の時刻にしてください。"))
        elif retry_at and cleaned.get("outcome"):
            cleaned["retry_at"] = None  # only 不在 is called again
        return cleaned


class SessionFilterForm(StaffForm):
    """会場 and 開催日 filters of the counter's session list (GET: no personal data)."""

    venue = forms.ModelChoiceField(
        label=_("会場"),
        queryset=Venue.objects.filter(is_active=True),
        required=False,
        empty_label=_("すべての会場"),
        error_messages={"invalid_choice": _("会場を一覧から選んでください。")},
    )
    day = forms.DateField(
        label=_("開催日"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("開催日は「2030-01-08」の形で入力してください。")},
    )

    def clean_day(self) -> date | None:
        day = self.cleaned_data.get("day")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("開催日は今日か、これからの日付を選んでください。"))
        return day

    def day_range(self) -> tuple[datetime, datetime] | None:
        day = self.cleaned_data.get("day")
        if not day:
            return None
        tz = timezone.get_current_timezone()
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        return start, start + timedelta(days=1)


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
