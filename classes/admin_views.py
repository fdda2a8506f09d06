"""Wagtail admin views for スマホ教室: schedule a series, cancel a session, print a 修了証.

The views read the form and call ``classes.services``; they write nothing themselves.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.widgets import AdminDateInput, AdminTimeInput

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from base.audit import log_action
from classes.certificates import completion_status, issue_certificate
from classes.closed_days import closed_days
from classes.models import ClassSeries, ClassSession, Registration, Room, Venue
from classes.services import (
    SeriesPlan,
    cancel_session,
    create_series_sessions,
    normalise_reference,
    whole_series_bookings,
)

SCHEDULE_PERMISSION = "classes.add_classsession"
CANCEL_PERMISSION = "classes.change_classsession"
CERTIFICATE_PERMISSION = "classes.view_registration"
MAX_SESSIONS = 52
INTERVALS = [(7, gettext_lazy("毎週")), (14, gettext_lazy("隔週"))]
WEEKDAYS = [
    gettext_lazy("月曜日"),
    gettext_lazy("火曜日"),
    gettext_lazy("水曜日"),
    gettext_lazy("木曜日"),
    gettext_lazy("金曜日"),
    gettext_lazy("土曜日"),
    gettext_lazy("日曜日"),
]

_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?")


# --- Dates ------------------------------------------------------------------------------


def parse_date_text(text: str, *, after: date | None = None) -> date | None:
    """Read 2026-01-13, 2026/1/13, 2026年1月13日 or, given ``after``, 1/13 and 1月13日.

    Full-width digits are accepted. A date without a year is the first such day on or after
    ``after`` (so 1/13 in a series from December means the January that follows). Text after
    the date (a weekday or a holiday's name) is ignored. Returns None when the text is not a date.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    full = _FULL_DATE.match(text)
    rest = text[full.end() :] if full else ""
    try:
        if full and not rest[:1].isdigit():
            return date(int(full[1]), int(full[2]), int(full[3]))
        short = _MONTH_DAY.match(text)
        if short and after is not None:
            rest = text[short.end() :]
            if rest[:1].isdigit():
                return None
            found = date(after.year, int(short[1]), int(short[2]))
            return found if found >= after else date(after.year + 1, found.month, found.day)
    except ValueError:
        return None
    return None


def parse_holidays(text: str, *, after: date) -> set[date]:
    """One date per line; raise ``ValidationError`` naming every line that is not a date."""
    holidays: set[date] = set()
    errors = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        day = parse_date_text(line, after=after)
        if day is None:
            errors.append(
                ValidationError(
                    _(
                        "%(line)s 行目「%(text)s」を日付として読めません。"
                        "2026-01-13、2026/1/13、1/13 のように入力してください。"
                    ),
                    code="holiday",
                    params={"line": number, "text": line.strip()[:40]},
                )
            )
        else:
            holidays.add(day)
    if errors:
        raise ValidationError(errors)
    return holidays


def plan_dates(
    first_date: date, count: int, interval_days: int, holidays: set[date]
) -> tuple[list[date], list[date]]:
    """The dates ``create_series_sessions`` will use, and the holidays it will step over."""
    dates: list[date] = []
    skipped: list[date] = []
    day = first_date
    while len(dates) < count:
        (skipped if day in holidays else dates).append(day)
        day += timedelta(days=interval_days)
    return dates, skipped


def trainer_users() -> QuerySet[User]:
    return (
        User.objects.filter(groups__name=GROUP_NAMES[Role.TRAINER], is_active=True)
        .distinct()
        .order_by("last_name_kana", "first_name_kana", "email")
    )


# --- Creating a series ------------------------------------------------------------------


class FlexibleDateField(forms.DateField):
    """A date typed as 2027-01-05, 2027/1/5 or 2027年1月5日, also with full-width digits."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            parsed = parse_date_text(value)
            if parsed is not None:
                return parsed
        return super().to_python(value)


class FlexibleTimeField(forms.TimeField):
    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace("時", ":").replace("分", "")
        return super().to_python(value)


class DateListField(forms.Field):
    """ISO dates posted under one name (the preview's 休みにせず開催する checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> set[date]:
        days: set[date] = set()
        for text in value or []:
            try:
                days.add(date.fromisoformat(str(text)))
            except ValueError:
                raise ValidationError(
                    _("開催する日「%(text)s」を日付として読めません。"),
                    code="keep",
                    params={"text": str(text)[:40]},
                ) from None
        return days


class TrainerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name}（{obj.email}）" if name else obj.email


class SeriesScheduleForm(forms.Form):
    """One line of a timetable: "every Tuesday 10:00–12:00, 4 times from 6 January"."""

    series = forms.ModelChoiceField(
        ClassSeries.objects.all(),
        label=gettext_lazy("教室"),
        help_text=gettext_lazy(
            "「全回まとめて申し込む」教室にすでに申込があるときは、その教室は変えずに、"
            "同じ内容の新しい教室として作成します（申込済みの方の日程と会場は変わりません）。"
        ),
    )
    venue = forms.ModelChoiceField(Venue.objects.filter(is_active=True), label=gettext_lazy("会場"))
    room = forms.ModelChoiceField(
        Room.objects.select_related("venue"),
        label=gettext_lazy("部屋（任意）"),
        required=False,
    )
    first_date = FlexibleDateField(
        label=gettext_lazy("初回の日付"),
        widget=AdminDateInput,
        help_text=gettext_lazy("曜日は初回の日付で決まります。"),
    )
    start_time = FlexibleTimeField(label=gettext_lazy("開始時刻"), widget=AdminTimeInput)
    end_time = FlexibleTimeField(label=gettext_lazy("終了時刻"), widget=AdminTimeInput)
    count = forms.IntegerField(
        label=gettext_lazy("回数"),
        min_value=1,
        max_value=MAX_SESSIONS,
        help_text=gettext_lazy("休みの日を飛ばしても、この回数になるまで続けます。"),
    )
    interval = forms.TypedChoiceField(
        label=gettext_lazy("間隔"),
        choices=INTERVALS,
        coerce=int,
        initial=7,
        widget=forms.RadioSelect,
    )
    capacity = forms.IntegerField(label=gettext_lazy("定員"), min_value=1, max_value=500)
    trainers = TrainerChoiceField(
        User.objects.none(),
        label=gettext_lazy("講師"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    holidays = forms.CharField(
        label=gettext_lazy("休みにする日"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "祝日と年末年始（12月29日〜1月3日）は自動で休みにします（確認の画面で開催する日に"
            "戻せます）。ほかに休みにする日を 1 行に 1 日ずつ。例：2026-01-13、2026/1/13、"
            "1/13（年を省くと初回の日付より後のその日）。日付の後ろに休館日などの理由を書いても"
            "かまいません。"
        ),
    )
    # Pre-filled closed days (祝日・年末年始) the admin chose to hold a class on anyway.
    keep = DateListField(required=False)
    # A digest of the previewed plan; "作成する" goes ahead only for the plan that was shown.
    preview_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainers"].queryset = trainer_users()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("終了時刻は開始時刻より後にしてください。"))
        room, venue = data.get("room"), data.get("venue")
        if room and venue and room.venue_id != venue.pk:
            self.add_error(
                "room",
                _("この部屋は「%(venue)s」の部屋ではありません。") % {"venue": venue.name},
            )
        first = data.get("first_date")
        if first:
            try:
                data["typed_holidays"] = parse_holidays(data.get("holidays", ""), after=first)
            except ValidationError as exc:
                self.add_error("holidays", exc)
        if first and "typed_holidays" in data and data.get("count") and data.get("interval"):
            # The closed days the series can reach: even skipping every other date, it ends
            # within twice its length (plus a year-end's run of closed days).
            reach = first + timedelta(days=data["interval"] * (2 * data["count"] + 6))
            data["closed_days"] = closed_days(first, reach)
            kept = data.get("keep") or set()
            data["holiday_dates"] = data["typed_holidays"] | (set(data["closed_days"]) - kept)
        return data

    def plan(self) -> SeriesPlanPreview:
        data = self.cleaned_data
        dates, skipped = plan_dates(
            data["first_date"], data["count"], data["interval"], data["holiday_dates"]
        )
        names = data["closed_days"]
        last = dates[-1]
        return SeriesPlanPreview(
            dates=dates,
            skipped=skipped,
            skipped_rows=[
                ClosedDayRow(day, names.get(day, ""), prefilled=day not in data["typed_holidays"])
                for day in skipped
            ],
            kept_rows=[
                ClosedDayRow(day, names[day], prefilled=True)
                for day in sorted(data.get("keep") or set())
                if day in names and day <= last and day not in data["typed_holidays"]
            ],
            unused_holidays=sorted(data["typed_holidays"] - set(skipped)),
            weekday=WEEKDAYS[data["first_date"].weekday()],
            interval_label=dict(INTERVALS)[data["interval"]],
            clashes=self._clashes(dates),
            token=self.token(),
            booked=whole_series_bookings(data["series"]),
        )

    def create_sessions(self) -> SeriesPlan:
        """Create the previewed sessions through the service."""
        data = self.cleaned_data
        return create_series_sessions(
            data["series"],
            venue=data["venue"],
            room=data["room"],
            first_date=data["first_date"],
            start=data["start_time"],
            end=data["end_time"],
            count=data["count"],
            capacity=data["capacity"],
            holidays=data["holiday_dates"],
            interval_days=data["interval"],
            trainers=list(data["trainers"]),
        )

    def token(self) -> str:
        data = self.cleaned_data
        parts = [
            data["series"].pk,
            data["venue"].pk,
            data["room"].pk if data["room"] else "",
            data["first_date"].isoformat(),
            data["start_time"].isoformat(),
            data["end_time"].isoformat(),
            data["count"],
            data["interval"],
            data["capacity"],
            ",".join(str(pk) for pk in sorted(u.pk for u in data["trainers"])),
            ",".join(d.isoformat() for d in sorted(data["holiday_dates"])),
        ]
        return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]

    def _clashes(self, dates: list[date]) -> list[ClassSession]:
        """Scheduled sessions at the same venue whose time overlaps one of the new ones."""
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        overlap = Q()
        for day in dates:
            starts = datetime.combine(day, data["start_time"], tzinfo=tz)
            ends = datetime.combine(day, data["end_time"], tzinfo=tz)
            overlap |= Q(starts_at__lt=ends, ends_at__gt=starts)
        return list(
            ClassSession.objects.scheduled()
            .filter(overlap, venue=data["venue"])
            .select_related("series", "venue")
            .order_by("starts_at")
        )


@dataclass(frozen=True)
class ClosedDayRow:
    """A skipped (or kept) day in the preview: its date, its holiday name, whether pre-filled."""

    day: date
    name: str
    prefilled: bool

    @property
    def iso(self) -> str:
        return self.day.isoformat()


@dataclass
class SeriesPlanPreview:
    dates: list[date]
    skipped: list[date]
    skipped_rows: list[ClosedDayRow]
    kept_rows: list[ClosedDayRow]
    unused_holidays: list[date]
    weekday: str
    interval_label: str
    clashes: list[ClassSession]
    token: str
    # Live bookings of the whole-series class asked for: when any, a new class is made.
    booked: int = 0


class SeriesScheduleView(View):
    """Create all the sessions of a series at once: fill in, preview, confirm."""

    template_name = "classes/admin/series_schedule.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Wagtail's admin turns PermissionDenied into a redirect to the dashboard.
        if not request.user.has_perm(SCHEDULE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(SeriesScheduleForm(initial=self._initial(request)))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SeriesScheduleForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        plan = form.plan()
        wants_create = request.POST.get("action") == "create"
        if wants_create and form.cleaned_data["preview_token"] == plan.token:
            return self.create(form)
        if wants_create:
            messages.warning(
                request,
                _("確認した後で内容が変わりました。新しい内容を確認してから作成してください。"),
            )
        return self.render(self._with_token(form, plan.token), plan=plan)

    def create(self, form: SeriesScheduleForm) -> HttpResponse:
        data = form.cleaned_data
        result = form.create_sessions()
        log_action(
            "classes.series.scheduled",
            user=self.request.user,
            obj=result.series,
            data={
                "sessions": [s.pk for s in result.sessions],
                "skipped": [d.isoformat() for d in result.skipped],
                "copied_from": data["series"].pk if result.new_series else None,
            },
            request=self.request,
        )
        if result.new_series:
            messages.success(
                self.request,
                _(
                    "「%(series)s」には申込があるため、新しい教室として回を %(count)s 回"
                    "作成しました。もとの教室と申込は変わりません。"
                )
                % {"series": result.series.title, "count": len(result.sessions)},
            )
        else:
            messages.success(
                self.request,
                _("「%(series)s」の回を %(count)s 回作成しました。")
                % {"series": result.series.title, "count": len(result.sessions)},
            )
        listing = reverse("wagtailsnippets_classes_classsession:list")
        return redirect(f"{listing}?series={result.series.pk}")

    def render(self, form: SeriesScheduleForm, **context) -> HttpResponse:
        context.update(form=form, today=timezone.localdate())
        return TemplateResponse(self.request, self.template_name, context)

    def _with_token(self, form: SeriesScheduleForm, token: str) -> SeriesScheduleForm:
        data = form.data.copy()
        data["preview_token"] = token
        fresh = SeriesScheduleForm(data)
        fresh.is_valid()
        return fresh

    def _initial(self, request: HttpRequest) -> dict:
        """Start from the series' last session when the series is given (?series=ID)."""
        initial: dict = {"interval": 7, "count": 4}
        series = ClassSeries.objects.filter(pk=_int(request.GET.get("series"))).first()
        if series is None:
            return initial
        initial["series"] = series
        last = series.sessions.order_by("-starts_at").first()
        if last is not None:
            local = timezone.localtime(last.starts_at)
            initial.update(
                venue=last.venue_id,
                room=last.room_id,
                first_date=local.date() + timedelta(days=7),
                start_time=local.time().replace(second=0, microsecond=0),
                end_time=timezone.localtime(last.ends_at).time().replace(second=0, microsecond=0),
                capacity=last.capacity,
                trainers=list(last.trainers.values_list("pk", flat=True)),
            )
        return initial


# --- Cancelling a session ---------------------------------------------------------------


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("中止の理由"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("お知らせのメールと電話連絡で伝えます。例：講師の急病のため"),
    )


class SessionCancelView(View):
    """Cancel one session; everyone booked on it is told by mail or put on the phone list."""

    template_name = "classes/admin/session_cancel.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(CANCEL_PERMISSION):
            raise PermissionDenied
        self.session = get_object_or_404(
            ClassSession.objects.select_related("series", "venue", "room"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render(SessionCancelForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.session.is_cancelled:
            messages.warning(request, _("この回はすでに中止されています。"))
            return redirect(self.next_url())
        form = SessionCancelForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        told = cancel_session(self.session, reason=form.cleaned_data["reason"], by=request.user)
        log_action(
            "classes.session.cancelled",
            user=request.user,
            obj=self.session,
            data={"reason": form.cleaned_data["reason"], "notified": told},
            request=request,
        )
        messages.success(
            request,
            _("「%(session)s」を中止しました。%(count)s 人にお知らせします。")
            % {"session": str(self.session), "count": told},
        )
        return redirect(self.next_url())

    def affected(self) -> dict[str, int]:
        registrations = Registration.objects.for_session(self.session).live()
        total = registrations.count()
        by_mail = registrations.exclude(email="").count()
        return {"total": total, "mail": by_mail, "phone": total - by_mail}

    def next_url(self) -> str:
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={self.request.get_host()}
        ):
            return candidate
        return reverse("wagtailsnippets_classes_classsession:list")

    def render(self, form: SessionCancelForm) -> HttpResponse:
        context = {
            "session": self.session,
            "form": form,
            "affected": self.affected(),
            "next": self.next_url(),
        }
        return TemplateResponse(self.request, self.template_name, context)


# --- 修了証 -------------------------------------------------------------------------------


class CertificateView(View):
    """A printable A4 修了証 for a completed series, or why there is none yet."""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        if not request.user.has_perm(CERTIFICATE_PERMISSION):
            raise PermissionDenied
        registration = get_object_or_404(
            Registration.objects.select_related("series"),
            reference=normalise_reference(reference),
        )
        certificate = issue_certificate(registration, actor=request.user, request=request)
        if certificate is None:
            context = {"registration": registration, "status": completion_status(registration)}
            return TemplateResponse(request, "classes/certificate_unavailable.html", context)
        context = {"certificate": certificate, "registration": registration}
        return TemplateResponse(request, "classes/certificate.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
