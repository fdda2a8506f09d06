"""Staff pages: bookings on behalf (窓口・電話), the phone worklist, trainers' rosters and check-in.

Counter and phone staff (窓口) and admins book, look up and cancel; trainers (講師) see only the
sessions they teach, admins all. The views read input and call ``classes.services``; looking at
personal data leaves an entry in the audit trail (``base.audit``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, Replace
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from accounts.roles import Role, has_role
from accounts.views import StaffPageMixin
from base import private_search
from base.audit import log_action, query_fingerprint
from classes import abuse
from classes.availability import bookability, series_sessions, sessions_of
from classes.forms_staff import (
    AttendanceForm,
    BookingSearchForm,
    CallDoneForm,
    CallOutcomeForm,
    CheckInForm,
    SessionFilterForm,
    SkillCheckForm,
    StaffBookingForm,
)
from classes.models import Attendance, ClassSession, PhoneCall, Registration, SkillCheck
from classes.notifications import record_call_outcome
from classes.services import (
    BookingError,
    allocate_seat,
    booking_target,
    cancel_registration,
    check_in,
    error_messages,
    format_phone,
    mark_call_done,
    normalise_phone,
    normalise_reference,
    record_attendance,
    waitlist_position,
)
from classes.skills import (
    SkillCheckError,
    phases_for,
    record_skill_checks,
    skill_answers,
    skill_items,
)
from classes.slips import qr_svg

COUNTER_ROLES = frozenset({Role.COUNTER, Role.ADMIN})
TRAINER_ROLES = frozenset({Role.TRAINER, Role.ADMIN})
SEARCH_LIMIT = 50
UPCOMING_LIMIT = 40
DONE_CALLS_SHOWN = 30
TRAINER_DAYS_AHEAD = 7


# --- Reading helpers ------------------------------------------------------------------------


@dataclass
class SessionSummary:
    session: ClassSession
    capacity: int
    booked: int
    waiting: int
    checked_in: int


def session_summaries(sessions: list[ClassSession]) -> list[SessionSummary]:
    """Seats, booked, waiting and checked-in counts of many sessions in one query
    (``ClassSession.objects.with_availability``)."""
    counted = ClassSession.objects.filter(pk__in=[s.pk for s in sessions]).with_availability()
    by_pk = {s.pk: s for s in counted}
    return [
        SessionSummary(
            session=session,
            capacity=by_pk[session.pk].seat_capacity,
            booked=by_pk[session.pk].confirmed,
            waiting=by_pk[session.pk].waiting,
            checked_in=by_pk[session.pk].checked_in,
        )
        for session in sessions
    ]


def session_participants(session: ClassSession) -> list[Registration]:
    """Live bookings of a session: confirmed (by kana), then waiting (in waitlist order)."""
    bookings = Registration.objects.for_session(session)
    confirmed = bookings.confirmed().order_by("name_kana", "pk")
    waiting = bookings.waiting().waiting_order()
    return list(confirmed) + list(waiting)


def _kana_variants(text: str) -> set[str]:
    hiragana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
    katakana = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    return {text, hiragana, katakana}


def search_registrations(query: str) -> QuerySet[Registration]:
    """Bookings whose reference, name, kana or phone matches what staff typed.

    Width (全角・半角) and spaces are ignored, hiragana and katakana match each other, and a
    phone number matches whole in any format or by four or more of its digits.
    """
    text = unicodedata.normalize("NFKC", query or "").strip()
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return Registration.objects.none()
    condition = Q(reference=normalise_reference(compact))
    if len(compact) >= 3:
        condition |= Q(reference__icontains=compact)
    for variant in _kana_variants(compact):
        condition |= Q(name_compact__icontains=variant) | Q(kana_compact__icontains=variant)
    digits = re.sub(r"[\s\-‐‑‒–—―ー−()（）.+]", "", text)
    if digits.isdigit():
        try:
            condition |= Q(phone=normalise_phone(text))
        except BookingError:
            if len(digits) >= 4:
                condition |= Q(phone__contains=digits)
    return (
        Registration.objects.annotate(
            name_compact=Replace("name", Value(" "), Value("")),
            kana_compact=Replace("name_kana", Value(" "), Value("")),
        )
        .filter(condition)
        .select_related("series", "session", "session__venue")
        .order_by("-created_at", "-pk")
    )


def _session_range(days_ahead: int) -> tuple[datetime, datetime]:
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.combine(today, time.min, tzinfo=tz)
    return start, start + timedelta(days=days_ahead + 1)


# --- Access ---------------------------------------------------------------------------------


class ClassesStaffMixin(StaffPageMixin):
    """Tell the templates which of the two sets of pages the visitor may open (for the menu)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_counter"] = has_role(self.request.user, *COUNTER_ROLES)
        context["can_train"] = has_role(self.request.user, *TRAINER_ROLES)
        return context


class CounterPageMixin(ClassesStaffMixin):
    """Pages for counter and phone staff (窓口) and admins."""

    allowed_roles = COUNTER_ROLES


class TrainerPageMixin(ClassesStaffMixin):
    """Pages for trainers (講師) and admins."""

    allowed_roles = TRAINER_ROLES


def visible_sessions(user) -> QuerySet[ClassSession]:
    """Sessions a user may open on the trainer pages: admins all, trainers their own."""
    sessions = ClassSession.objects.select_related("series", "venue", "room")
    if has_role(user, Role.ADMIN):
        return sessions
    return sessions.filter(trainers=user)


class TrainerSessionMixin(TrainerPageMixin):
    """A trainer page about one session; another trainer's session is a 404."""

    @cached_property
    def session(self) -> ClassSession:
        return get_object_or_404(visible_sessions(self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session"] = self.session
        context["summary"] = session_summaries([self.session])[0]
        context["count_url"] = reverse("classes_staff:count", args=[self.session.pk])
        return context


class BookingMixin(CounterPageMixin):
    """A counter page about one booking, found by its reference code."""

    @cached_property
    def registration(self) -> Registration:
        reference = normalise_reference(self.kwargs["reference"])
        return get_object_or_404(
            Registration.objects.select_related(
                "series", "session", "session__venue", "session__room", "created_by"
            ),
            reference=reference,
        )


# --- Counter and phone staff ----------------------------------------------------------------


class DashboardView(CounterPageMixin, TemplateView):
    template_name = "classes/staff/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sessions = (
            ClassSession.objects.upcoming().public().select_related("series", "venue", "room")
        )
        # 会場・開催日 filters: GET (no personal data); bad input is explained, not applied.
        filters = SessionFilterForm(self.request.GET or None)
        if filters.is_bound and filters.is_valid():
            if filters.cleaned_data["venue"]:
                sessions = sessions.filter(venue=filters.cleaned_data["venue"])
            if day := filters.day_range():
                sessions = sessions.filter(starts_at__gte=day[0], starts_at__lt=day[1])
        context["filter_form"] = filters
        context["filtered"] = (
            filters.is_bound and filters.is_valid() and any(filters.cleaned_data.values())
        )
        context["summaries"] = session_summaries(list(sessions[:UPCOMING_LIMIT]))
        context["open_calls"] = PhoneCall.objects.filter(done_at__isnull=True).count()
        context["suspicious_groups"] = len(abuse.suspicious_groups())
        context["search_form"] = BookingSearchForm()
        return context


class ProxyBookingView(CounterPageMixin, FormView):
    """Book on someone's behalf; the same form, rules and allocation as the public page."""

    template_name = "classes/staff/book.html"
    form_class = StaffBookingForm

    @cached_property
    def session(self) -> ClassSession:
        return get_object_or_404(
            ClassSession.objects.select_related("series", "venue", "room"), pk=self.kwargs["pk"]
        )

    def closed_reason(self) -> str | None:
        return bookability(self.session, seats=False).reason

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session"] = self.session
        context["summary"] = session_summaries([self.session])[0]
        context["closed_reason"] = self.closed_reason()
        return context

    def form_valid(self, form: StaffBookingForm) -> HttpResponse:
        try:
            registration = allocate_seat(
                booking_target(self.session),
                form.booking_request,
                channel=form.cleaned_data["channel"],
                created_by=self.request.user,
            )
        except BookingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        log_action(
            "classes.booking.created",
            user=self.request.user,
            obj=registration,
            data={"channel": registration.channel, "status": registration.status},
            request=self.request,
        )
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(
                self.request,
                _("予約が確定しました。受付番号 %(reference)s をお伝えください。")
                % {"reference": registration.reference},
            )
        else:
            messages.warning(
                self.request,
                _(
                    "満席のため、キャンセル待ち（%(position)s 番目）で受け付けました。"
                    "受付番号 %(reference)s をお伝えください。"
                )
                % {
                    "position": waitlist_position(registration),
                    "reference": registration.reference,
                },
            )
        return redirect("classes_staff:booking_detail", reference=registration.reference)


class BookingSearchView(CounterPageMixin, TemplateView):
    """申込を探す: the name or number is POSTed and kept in the session (``base.private_search``);
    the results are shown at ``?search=<id>``, so no name or number reaches a URL or a log."""

    template_name = "classes/staff/search.html"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = BookingSearchForm(request.POST)
        if not form.is_valid() or not form.cleaned_data["q"].strip():
            return self.render_to_response(self.get_context_data(form=form))
        search_id = private_search.remember(request, form.cleaned_data["q"])
        url = f"{reverse('classes_staff:search')}?{urlencode({'search': search_id})}"
        return HttpResponseRedirect(url, status=303)

    def get_context_data(self, form: BookingSearchForm | None = None, **kwargs):
        context = super().get_context_data(**kwargs)
        results = None
        search_id = self.request.GET.get("search", "")
        query = private_search.recall(self.request, search_id) if search_id else None
        if search_id and query is None:
            messages.info(
                self.request, _("検索の有効期限が切れました。もう一度入力して探してください。")
            )
        if form is None:
            form = BookingSearchForm(initial={"q": query or ""})
        if query is not None:
            results = list(search_registrations(query)[: SEARCH_LIMIT + 1])
            context["truncated"] = len(results) > SEARCH_LIMIT
            results = results[:SEARCH_LIMIT]
            log_action(
                "classes.booking.searched",
                user=self.request.user,
                data={"query": query_fingerprint(query), "results": len(results)},
                request=self.request,
            )
        context["form"] = form
        context["results"] = results
        return context


class BookingDetailView(BookingMixin, TemplateView):
    template_name = "classes/staff/booking_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration = self.registration
        context["registration"] = registration
        context["phone_display"] = format_phone(registration.phone)
        context["waitlist_position"] = waitlist_position(registration)
        context["sessions"] = sessions_of(registration, with_cancelled=True)
        context["attendances"] = registration.attendances.select_related("session").order_by(
            "session__starts_at"
        )
        context["calls"] = registration.phone_calls.select_related("session", "done_by")
        log_action(
            "classes.booking.viewed", user=self.request.user, obj=registration, request=self.request
        )
        return context


class BookingCancelView(BookingMixin, TemplateView):
    """Cancel a booking after a confirmation step; the first on the waitlist moves up."""

    template_name = "classes/staff/booking_cancel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["registration"] = self.registration
        context["sessions"] = sessions_of(self.registration, with_cancelled=True)
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        registration = self.registration
        try:
            promoted = cancel_registration(registration, by=request.user)
        except BookingError as exc:
            messages.error(request, exc.message)
            return redirect("classes_staff:booking_detail", reference=registration.reference)
        log_action(
            "classes.booking.cancelled",
            user=request.user,
            obj=registration,
            data={"promoted": promoted.reference if promoted else None},
            request=request,
        )
        messages.success(
            request,
            _("受付番号 %(reference)s を取り消しました。") % {"reference": registration.reference},
        )
        if promoted is not None:
            text = (
                _(
                    "キャンセル待ちの %(name)s さん（%(reference)s）が繰り上がりました。"
                    "メールでお知らせします。"
                )
                if promoted.email
                else _(
                    "キャンセル待ちの %(name)s さん（%(reference)s）が繰り上がりました。"
                    "電話連絡リストに載せました。"
                )
            )
            messages.info(request, text % {"name": promoted.name, "reference": promoted.reference})
        return redirect("classes_staff:booking_detail", reference=registration.reference)


class BookingSlipView(BookingMixin, TemplateView):
    """The printable slip, for handing over at the counter or posting."""

    template_name = "classes/staff/slip.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration = self.registration
        context["registration"] = registration
        context["sessions"] = sessions_of(registration)
        context["waitlist_position"] = waitlist_position(registration)
        context["qr_code"] = qr_svg(
            registration.reference,
            label=_("受付番号 %(reference)s のQRコード") % {"reference": registration.reference},
        )
        log_action(
            "classes.booking.slip_printed",
            user=self.request.user,
            obj=self.registration,
            request=self.request,
        )
        return context


class CallListView(CounterPageMixin, TemplateView):
    """要電話連絡: people reachable neither by e-mail nor by SMS (or whose notice could not be
    sent), open calls first, by the time to call (a 不在 call at its retry time)."""

    template_name = "classes/staff/calls.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        related = ("registration", "registration__series", "session", "session__venue", "done_by")
        open_calls = list(
            PhoneCall.objects.filter(done_at__isnull=True)
            .select_related(*related)
            .prefetch_related("attempts__called_by")
            .annotate(call_at=Coalesce("retry_at", "created_at"))
            .order_by("call_at", "pk")
        )
        now = timezone.now()
        for call in open_calls:
            call.later = call.retry_at is not None and call.retry_at > now
            call.form = CallOutcomeForm(
                auto_id=f"call-{call.pk}-%s",
                initial={"retry_at": timezone.localtime(now + timedelta(hours=2))},
            )
        done_calls = list(
            PhoneCall.objects.filter(done_at__isnull=False)
            .select_related(*related)
            .order_by("-done_at", "-pk")[:DONE_CALLS_SHOWN]
        )
        for call in open_calls + done_calls:
            call.phone_display = format_phone(call.registration.phone)
        context["open_calls"] = open_calls
        context["done_calls"] = done_calls
        log_action(
            "classes.calls.viewed",
            user=self.request.user,
            data={"open": len(open_calls), "done": len(done_calls)},
            request=self.request,
        )
        return context


class CallOutcomeView(CounterPageMixin, View):
    """Record how a call ended (連絡済み・不在・伝言を残した); each is audited."""

    http_method_names = ["post"]
    audit_actions = {
        PhoneCall.Outcome.REACHED: "classes.call.done",
        PhoneCall.Outcome.NO_ANSWER: "classes.call.no_answer",
        PhoneCall.Outcome.MESSAGE: "classes.call.message",
    }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        call = get_object_or_404(PhoneCall.objects.select_related("registration"), pk=pk)
        form = CallOutcomeForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(f"{reverse('classes_staff:calls')}#call-{call.pk}")
        outcome = form.cleaned_data["outcome"]
        attempt = record_call_outcome(
            call,
            outcome,
            by=request.user,
            retry_at=form.cleaned_data["retry_at"],
            note=form.cleaned_data["note"],
        )
        if attempt is None:
            name = call.registration.name
            messages.info(
                request, _("%(name)s さんへの連絡は、すでに済んでいます。") % {"name": name}
            )
            return redirect("classes_staff:calls")
        data = {"outcome": outcome}
        if attempt.retry_at:
            data["retry_at"] = attempt.retry_at.isoformat()
        log_action(
            self.audit_actions[outcome], user=request.user, obj=call, data=data, request=request
        )
        name = call.registration.name
        if outcome == PhoneCall.Outcome.NO_ANSWER:
            when = formats.date_format(
                timezone.localtime(attempt.retry_at), "SHORT_DATETIME_FORMAT"
            )
            text = _("%(name)s さんは不在でした。%(when)s にかけ直します。") % {
                "name": name,
                "when": when,
            }
        else:
            text = _("%(name)s さんへの連絡を「%(outcome)s」にしました。") % {
                "name": name,
                "outcome": PhoneCall.Outcome(outcome).label,
            }
        messages.success(request, text)
        return redirect("classes_staff:calls")


class CallDoneView(CounterPageMixin, View):
    """連絡済み in one step (the earlier form; ``CallOutcomeView`` records every outcome)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        call = get_object_or_404(PhoneCall.objects.select_related("registration"), pk=pk)
        form = CallDoneForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["note"][0])
            return redirect(f"{reverse('classes_staff:calls')}#call-{call.pk}")
        mark_call_done(call, by=request.user, note=form.cleaned_data["note"])
        log_action("classes.call.done", user=request.user, obj=call, request=request)
        messages.success(
            request,
            _("%(name)s さんへの連絡を「連絡済み」にしました。") % {"name": call.registration.name},
        )
        return redirect("classes_staff:calls")


class SuspiciousBookingsView(CounterPageMixin, TemplateView):
    """不審な申込: bursts of resident bookings from one address or one phone pattern.

    The POST cancels the ticked bookings through ``cancel_registration`` (freed seats go to the
    waiting list as usual) and leaves one audit entry per booking and one for the whole batch.
    """

    template_name = "classes/staff/suspicious.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = abuse.suspicious_groups()
        for group in groups:
            for registration in group.registrations:
                registration.phone_display = format_phone(registration.phone)
        context["groups"] = groups
        context["window_minutes"] = settings.CLASSES_SUSPICIOUS_WINDOW_MINUTES
        context["minimum"] = settings.CLASSES_SUSPICIOUS_MIN_BOOKINGS
        context["days"] = settings.CLASSES_SUSPICIOUS_DAYS
        log_action(
            "classes.suspicious.viewed",
            user=self.request.user,
            data={
                "groups": len(groups),
                "bookings": sum(group.count for group in groups),
            },
            request=self.request,
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        pks = [int(pk) for pk in request.POST.getlist("registration") if pk.isdigit()][:500]
        selected = list(
            Registration.objects.filter(pk__in=pks).live().select_related("series", "session")
        )
        if not selected:
            messages.error(request, _("取り消す申込を選んでください。"))
            return redirect("classes_staff:suspicious")
        outcome = abuse.cancel_bookings(selected, by=request.user)
        promoted = {r.pk: r for r in outcome.promoted}
        for registration in outcome.cancelled:
            log_action(
                "classes.booking.cancelled",
                user=request.user,
                obj=registration,
                data={"reason": "suspicious"},
                request=request,
            )
        log_action(
            "classes.suspicious.cancelled",
            user=request.user,
            data={
                "references": [r.reference for r in outcome.cancelled],
                "promoted": [r.reference for r in promoted.values()],
            },
            request=request,
        )
        messages.success(
            request,
            _("%(count)s件の申込を取り消しました。") % {"count": len(outcome.cancelled)},
        )
        if promoted:
            messages.info(
                request,
                _("キャンセル待ちの %(count)s 人が繰り上がりました。") % {"count": len(promoted)},
            )
        return redirect("classes_staff:suspicious")


# --- Trainers -------------------------------------------------------------------------------


class TodayView(TrainerPageMixin, TemplateView):
    """Today's sessions and those of the next week, on a phone-sized screen."""

    template_name = "classes/staff/today.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        start, end = _session_range(TRAINER_DAYS_AHEAD)
        sessions = list(
            visible_sessions(self.request.user).filter(starts_at__gte=start, starts_at__lt=end)
        )
        today = timezone.localdate()
        summaries = session_summaries(sessions)
        context["today_rows"] = [
            s for s in summaries if timezone.localdate(s.session.starts_at) == today
        ]
        context["later_rows"] = [
            s for s in summaries if timezone.localdate(s.session.starts_at) != today
        ]
        context["today"] = today
        return context


class RosterMixin(TrainerSessionMixin):
    def roster(self) -> list[Registration]:
        """The session's participants, each with its attendance (or None) and phone to show."""
        participants = session_participants(self.session)
        attendance = {a.registration_id: a for a in Attendance.objects.filter(session=self.session)}
        for registration in participants:
            registration.attendance = attendance.get(registration.pk)
            registration.phone_display = format_phone(registration.phone)
        return participants


class RosterView(RosterMixin, TemplateView):
    """Who is booked, with 出席・遅刻・欠席 buttons per person."""

    template_name = "classes/staff/roster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participants = self.roster()
        context["confirmed"] = [
            r for r in participants if r.status == Registration.Status.CONFIRMED
        ]
        context["waiting"] = [r for r in participants if r.status == Registration.Status.WAITLISTED]
        context["statuses"] = Attendance.Status.choices
        context["skill_phases"] = phases_for(self.session)
        log_action(
            "classes.roster.viewed",
            user=self.request.user,
            obj=self.session,
            data={"participants": len(participants)},
            request=self.request,
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        roster_url = reverse("classes_staff:roster", args=[self.session.pk])
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("出欠を選び直してください。"))
            return redirect(roster_url)
        registration = (
            Registration.objects.for_session(self.session)
            .filter(pk=form.cleaned_data["registration"])
            .first()
        )
        if registration is None:
            messages.error(request, str(error_messages["not_on_session"]))
            return redirect(roster_url)
        if registration.status != Registration.Status.CONFIRMED:
            messages.error(request, str(error_messages["not_confirmed"]))
            return redirect(f"{roster_url}#r-{registration.reference}")
        try:
            attendance = record_attendance(
                self.session,
                registration,
                form.cleaned_data["status"],
                by=request.user,
                request=request,
            )
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s さん：%(status)s")
                % {"name": registration.name, "status": attendance.get_status_display()},
            )
        return redirect(f"{roster_url}#r-{registration.reference}")


class RosterPrintView(RosterMixin, TemplateView):
    """A4 roster to print and fill in by hand."""

    template_name = "classes/staff/roster_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participants = self.roster()
        context["confirmed"] = [
            r for r in participants if r.status == Registration.Status.CONFIRMED
        ]
        context["waiting"] = [r for r in participants if r.status == Registration.Status.WAITLISTED]
        context["printed_at"] = timezone.localtime()
        log_action(
            "classes.roster.printed",
            user=self.request.user,
            obj=self.session,
            data={"participants": len(participants)},
            request=self.request,
        )
        return context


class CheckInView(TrainerSessionMixin, TemplateView):
    """Check-in by reference code: typed, or read from the slip's QR code by checkin.js."""

    template_name = "classes/staff/checkin.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CheckInForm())
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = CheckInForm(request.POST)
        result = self._check_in(form)
        if _wants_json(request):
            counts = session_summaries([self.session])[0]
            payload = {**result, "booked": counts.booked, "checked_in": counts.checked_in}
            # 200 either way: the script reads "ok", and a 4xx would log a console error.
            return JsonResponse(payload)
        if result["ok"]:
            form = CheckInForm()  # empty for the next person
        context = self.get_context_data(form=form, result=result)
        return self.render_to_response(context, status=200 if result["ok"] else 422)

    def _check_in(self, form: CheckInForm) -> dict:
        if not form.is_valid():
            return {"ok": False, "message": form.errors["reference"][0]}
        now = timezone.now()
        try:
            attendance = check_in(
                self.session,
                form.cleaned_data["reference"],
                by=self.request.user,
                now=now,
                request=self.request,
            )
        except BookingError as exc:
            return {"ok": False, "message": exc.message}
        name = attendance.registration.name
        status = attendance.get_status_display()
        repeated = attendance.checked_in_at != now
        message = (
            _("%(name)s さんは受付済みです（%(status)s）。")
            if repeated
            else _("%(name)s さん：%(status)s")
        ) % {"name": name, "status": status}
        return {
            "ok": True,
            "message": message,
            "name": name,
            "status": attendance.status,
            "status_label": status,
            "repeated": repeated,
            "reference": attendance.registration.reference,
        }


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@method_decorator(never_cache, name="dispatch")
class CountView(TrainerSessionMixin, View):
    """{"booked": n, "checked_in": m}, polled by checkin.js for the live count."""

    def get(self, request: HttpRequest, *args, **kwargs) -> JsonResponse:
        summary = session_summaries([self.session])[0]
        return JsonResponse({"booked": summary.booked, "checked_in": summary.checked_in})


class SkillCheckView(TrainerSessionMixin, TemplateView):
    """できることチェック: pre at the series' first session, post at its last."""

    template_name = "classes/staff/skills.html"

    def phase(self) -> str | None:
        offered = phases_for(self.session)
        requested = self.request.GET.get("phase") or self.request.POST.get("phase")
        if requested:
            return requested if requested in offered else None
        return offered[0] if offered else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        phase = self.phase()
        units = skill_items(self.session.series)
        participants = [
            r
            for r in session_participants(self.session)
            if r.status == Registration.Status.CONFIRMED
        ]
        answers = skill_answers(self.session.series, [r.person_key for r in participants])
        bound = kwargs.get("bound_form")
        people = []
        for registration in participants:
            mine = answers.get(registration.person_key, {})
            pre, post = mine.get("pre", {}), mine.get("post", {})
            if bound is not None and bound.prefix == f"p{registration.pk}":
                form = bound
            else:
                current = mine.get(phase, {}) if phase else {}
                form = SkillCheckForm(
                    units=units,
                    prefix=f"p{registration.pk}",
                    initial={f"unit_{u.pk}": current.get(u.pk, False) for u in units},
                )
            people.append(
                {
                    "registration": registration,
                    "form": form,
                    "rows": [
                        {
                            "unit": unit,
                            "field": form[f"unit_{unit.pk}"],
                            "pre": pre.get(unit.pk),
                            "post": post.get(unit.pk),
                        }
                        for unit in units
                    ],
                    "pre_total": sum(1 for v in pre.values() if v),
                    "post_total": sum(1 for v in post.values() if v),
                    "has_pre": bool(pre),
                    "has_post": bool(post),
                }
            )
        context.update(
            phase=phase,
            phase_label=SkillCheck.Phase(phase).label if phase else "",
            offered=phases_for(self.session),
            requested=self.request.GET.get("phase", ""),
            units=units,
            people=people,
            series_sessions=series_sessions(self.session.series),
        )
        log_action(
            "classes.skills.viewed",
            user=self.request.user,
            obj=self.session,
            data={"phase": phase},
            request=self.request,
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        phase = self.phase()
        if phase is None:
            raise Http404
        pk = request.POST.get("registration", "")
        registration = (
            Registration.objects.for_session(self.session).filter(pk=pk).first()
            if pk.isdigit()
            else None
        )
        if registration is None:
            raise Http404
        units = skill_items(self.session.series)
        form = SkillCheckForm(request.POST, units=units, prefix=f"p{registration.pk}")
        url = reverse("classes_staff:skills", args=[self.session.pk])
        if form.is_valid():
            try:
                record_skill_checks(
                    registration, phase, form.answers(), by=request.user, request=request
                )
            except SkillCheckError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("%(name)s さんの「できることチェック」（%(phase)s）を保存しました。")
                    % {"name": registration.name, "phase": SkillCheck.Phase(phase).label},
                )
            return HttpResponseRedirect(f"{url}?phase={phase}#p-{registration.reference}")
        context = self.get_context_data(bound_form=form)
        return self.render_to_response(context, status=422)
