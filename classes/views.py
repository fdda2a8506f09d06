"""Public pages for residents: find a class, book it, print the slip, cancel.

No account is needed. A booking's details are shown only to the browser that made it (its pk
is kept in the session) or to someone who gives its reference code together with the phone
number. Bookings and lookups by reference follow the residents' rate-limit policy
(``classes.abuse``: per client address and per phone number), so neither a burst of fake
bookings nor guessing codes gets far; over a limit the page answers 429 and asks to phone.
"""

from __future__ import annotations

import contextlib
import time
import uuid

from django import forms
from django.contrib.messages import get_messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from base.site import help_phone
from base.text_size import current_text_size
from classes import abuse, listing_cache
from classes.availability import bookability, series_sessions, sessions_of
from classes.filters import (
    COORDINATE_PARAMETERS,
    ClassFilterForm,
    ClassItem,
    add_availability,
    is_rounded_coordinate,
)
from classes.forms import BookingForm, CancelLookupForm
from classes.models import ClassSession, Registration
from classes.services import (
    BookingError,
    allocate_seat,
    booking_target,
    cancel_registration,
    find_registration,
    format_phone,
    normalise_reference,
    waitlist_position,
)
from classes.slips import qr_svg, registration_calendar

PAGE_SIZE = 20
# The GET parameters of the class list (the filter form's fields and the page).
LIST_PARAMETERS = frozenset(
    {"area", "venue", "date_from", "level", "device", "page", "sort", *COORDINATE_PARAMETERS}
)
# Stands for the CSRF token in the cached list page (letters only: escaping leaves it alone).
CSRF_PLACEHOLDER = "csrfTokenPlaceholderClassList"
# Session keys: bookings this browser may see, the one it is about to cancel, the last
# one it cancelled, and the booking made by each submitted form (so a resubmission of the
# same form shows that booking again instead of an error).
SEEN_KEY = "classes_bookings"
CANCEL_KEY = "classes_cancel"
CANCELLED_KEY = "classes_cancelled"
TOKENS_KEY = "classes_form_tokens"
JUST_BOOKED_KEY = "classes_just_booked"  # the booking page shows step 3 (完了) once


# --- Helpers ------------------------------------------------------------------------------


def lookup_wait(request: HttpRequest, phone: str) -> int | None:
    """Count one reference lookup (``classes.abuse.LOOKUP``); seconds to wait if over a limit."""
    try:
        abuse.check(request, abuse.LOOKUP, phone=phone)
    except abuse.RateLimited as exc:
        return exc.wait
    return None


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def rate_limited_message(seconds: int) -> str:
    return _(
        "受付番号の確認が短い時間に続いたため、しばらく受け付けを止めています。"
        "%(minutes)s分ほど待ってから、もう一度お試しください。お急ぎのときはお電話ください。"
    ) % {"minutes": _minutes(seconds)}


def booking_limited_message(request: HttpRequest, seconds: int) -> str:
    return _(
        "短い時間に多くの申込がありました。お手数ですが、お電話（%(phone)s）でお申し込み"
        "ください。インターネットからは、%(minutes)s分ほど待ってからもう一度お試しいただけます。"
    ) % {"phone": help_phone(request), "minutes": _minutes(seconds)}


def honeypot_message(request: HttpRequest) -> str:
    return _(
        "申込を受け付けられませんでした。お手数ですが、お電話（%(phone)s）でお申し込みください。"
    ) % {"phone": help_phone(request)}


def remember_booking(request: HttpRequest, registration: Registration) -> None:
    seen = [pk for pk in request.session.get(SEEN_KEY, []) if pk != registration.pk]
    request.session[SEEN_KEY] = (seen + [registration.pk])[-20:]


def session_context(session: ClassSession) -> dict:
    """The class page: its dates, seats and whether it can be booked (``bookability``)."""
    series = session.series
    sessions = list(series_sessions(series)) if series.is_whole_series else [session]
    page = series.course_page.specific if series.course_page else None
    answer = bookability(session)
    return {
        "session": session,
        "series": series,
        "venue": session.venue,
        "sessions": sessions,
        "other_venues": list(
            dict.fromkeys(s.venue for s in sessions if s.venue_id != session.venue_id)
        ),
        "seats_left": answer.seats_left,
        "waiting": answer.waiting,
        "closed_reason": answer.reason,
        "materials_url": page.url if page is not None and page.live else None,
    }


def public_session(pk: int) -> ClassSession:
    return get_object_or_404(
        ClassSession.objects.select_related("series", "venue", "room"),
        pk=pk,
        series__is_published=True,
    )


# --- Finding a class ----------------------------------------------------------------------


class SessionListView(TemplateView):
    """Upcoming classes with a plain GET search form (works without JavaScript).

    The page's content (form, cards, pager) is the same for every visitor with the same
    filters, page and language, so it is rendered once into the shared cache
    (``classes.listing_cache``: retired by every seat change, kept at most
    ``FRAGMENT_SECONDS`` and never past the start of the first class it lists).

    For a visitor who is not signed in and has no message waiting, the whole page is cached
    too, per text size as well, with a placeholder where the header's forms carry the CSRF
    token: each response gets the visitor's own token (``get_token``, which also sets the
    cookie, as rendering ``{% csrf_token %}`` does). Everything else in the layout is the same
    for such visitors. The response is ``private, no-cache``: it holds a CSRF token, so no
    shared cache may keep it, and a browser asks again rather than show old seat counts.
    """

    template_name = "classes/public/session_list.html"
    content_template = "classes/public/_session_list_content.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        parts = self.cache_parts()
        if parts is None or request.user.is_authenticated or len(get_messages(request)):
            response = super().get(request, *args, **kwargs)
        else:
            parts = [current_text_size(request), *parts]
            html, _deadline = listing_cache.cached("page", parts, self.render_page)
            response = HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
        patch_cache_control(response, private=True, no_cache=True)
        return response

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["content"] = self.content()[0]
        return context

    def render_page(self) -> tuple[tuple[str, float], float]:
        """The whole page with ``CSRF_PLACEHOLDER`` for the token; kept no longer than its
        content."""
        content, deadline = self.content()
        context = {**super().get_context_data(), "content": content}
        context["csrf_token"] = CSRF_PLACEHOLDER  # over the context processor's lazy token
        html = render_to_string(self.template_name, context, request=self.request)
        return (html, deadline), deadline - time.time()

    def content(self) -> tuple[SafeString, float]:
        """The content's HTML and until when (a timestamp) it stays true."""
        parts = self.cache_parts()
        if parts is None:
            return self.render_content()[0]
        return listing_cache.cached("list", parts, self.render_content)

    def cache_parts(self) -> list[str] | None:
        """What the content depends on, or None when it is not worth caching: a parameter no
        filter knows, a long or repeated value, or a page that is not a small number (each
        would be a new key; the filters' own values are checked by the form)."""
        parts = [get_language() or ""]
        for name, values in self.request.GET.lists():
            if name not in LIST_PARAMETERS or len(values) != 1 or len(values[0]) > 40:
                return None
            page_like = values[0].isascii() and values[0].isdigit() and len(values[0]) <= 3
            if name == "page" and not page_like:
                return None
            if name in COORDINATE_PARAMETERS and not is_rounded_coordinate(values[0]):
                return None  # a phone's location is cached only rounded (classes.filters)
            parts += [name, values[0]]
        return parts

    def render_content(self) -> tuple[tuple[SafeString, float], float]:
        """((HTML, until when it is true), seconds to keep it): until the first listed class
        starts (it then leaves the list), FRAGMENT_SECONDS at most; invalid input not at all
        (its values are unbounded)."""
        form = ClassFilterForm(self.request.GET or None, label_suffix="")
        search = form if form.is_bound else ClassFilterForm({}, choices_of=form)
        items: list[ClassItem] = search.items()
        page = Paginator(items, PAGE_SIZE).get_page(self.request.GET.get("page"))
        add_availability(page.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page_obj": page,
            "items": page.object_list,
            "filtered": any(self.request.GET.get(name) for name in form.fields),
            "query": query.urlencode(),
        }
        html = mark_safe(render_to_string(self.content_template, context, request=self.request))  # noqa: S308
        seconds = float(listing_cache.FRAGMENT_SECONDS)
        if items:
            starts = min(item.session.starts_at for item in items)
            seconds = min(seconds, (starts - timezone.now()).total_seconds())
        if form.is_bound and not form.is_valid():
            seconds = 0
        return (html, time.time() + seconds), seconds


class SessionDetailView(TemplateView):
    template_name = "classes/public/session_detail.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(session_context(public_session(self.kwargs["pk"])))
        return context


# --- Booking ------------------------------------------------------------------------------


# The steps of the booking form (入力 → 確認 → 完了), sent as the buttons' ``step`` value.
STEP_CONFIRM = "confirm"  # the form's button: check and show what will be sent
STEP_EDIT = "edit"  # 修正する on the confirm page: the form again, with the values kept
STEP_SUBMIT = "submit"  # 申し込む on the confirm page: check again and book


@method_decorator(never_cache, name="dispatch")
class BookingView(View):
    """The booking form in three steps, without JavaScript: 入力 → 確認 → 完了.

    The form posts ``step=confirm``: a valid form shows the read-only summary, which carries
    the values as hidden fields. Its 修正する posts ``step=edit`` (the form again, values
    kept) and 申し込む posts ``step=submit``: the hidden fields are validated again like any
    input, the rate limit is counted and ``allocate_seat`` books; then the booking's own
    page is 完了. A POST without a step is a confirm step, so nothing is ever booked without
    the summary having been shown.
    """

    template_name = "classes/public/booking_form.html"
    confirm_template = "classes/public/booking_confirm.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = public_session(pk)
        return self.render(request, session, BookingForm(label_suffix=""), uuid.uuid4().hex)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = public_session(pk)
        token = request.POST.get("form_token", "")[:64] or uuid.uuid4().hex
        step = request.POST.get("step", STEP_CONFIRM)
        if step == STEP_EDIT:
            form = BookingForm(initial=self.submitted(request), label_suffix="")
            return self.render(request, session, form, token)
        done = request.session.get(TOKENS_KEY, {}).get(token)
        if done is not None:
            # The same form sent twice (double click, or back and send again).
            registration = Registration.objects.filter(pk=done).first()
            if registration is not None:
                return redirect("classes:booking_detail", reference=registration.reference)
        form = BookingForm(request.POST, label_suffix="")
        if abuse.caught_by_honeypot(request, session):
            # Said plainly, without the reason: a person who filled it can still phone.
            notice = honeypot_message(request)
            return self.render(request, session, form, token, notice=notice)
        if not form.is_valid():
            return self.render(request, session, form, token)
        if step != STEP_SUBMIT:
            return self.render_confirm(request, session, form, token)
        try:
            abuse.check(request, abuse.BOOKING, phone=form.booking_request.phone)
        except abuse.RateLimited as exc:
            notice = booking_limited_message(request, exc.wait)
            return self.render(request, session, form, token, notice=notice, status=429)
        try:
            registration = allocate_seat(
                booking_target(session),
                form.booking_request,
                channel="web",
                client_hash=abuse.request_client_hash(request),
            )
        except BookingError as exc:
            self.add_booking_error(form, exc)
            return self.render(request, session, form, token)
        remember_booking(request, registration)
        tokens = dict(list(request.session.get(TOKENS_KEY, {}).items())[-9:])
        tokens[token] = registration.pk
        request.session[TOKENS_KEY] = tokens
        request.session[JUST_BOOKED_KEY] = registration.pk
        return redirect("classes:booking_detail", reference=registration.reference)

    @staticmethod
    def submitted(request: HttpRequest) -> dict:
        """The values sent back by 修正する, as the form's initial values."""
        return {name: request.POST.get(name, "") for name in BookingForm.base_fields}

    @staticmethod
    def add_booking_error(form: BookingForm, exc: BookingError) -> None:
        if exc.field and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return
        form.add_error(None, exc.message)
        form.booking_error = exc.code

    def render(
        self,
        request: HttpRequest,
        session: ClassSession,
        form: BookingForm,
        token: str,
        status: int = 200,
        notice: str | None = None,
    ) -> HttpResponse:
        """The form (step 1); ``notice`` replaces the error summary when nothing was tried."""
        context = session_context(session)
        context.update(
            notice=notice,
            form=form,
            form_token=token,
            step=1,
            booking_error=getattr(form, "booking_error", None),
            honeypot_field=abuse.HONEYPOT_FIELD,
            fields=[form[name] for name in form.fields if name != "consent"],
            consent=form["consent"],
        )
        return render(request, self.template_name, context, status=status)

    def render_confirm(
        self, request: HttpRequest, session: ClassSession, form: BookingForm, token: str
    ) -> HttpResponse:
        """The read-only summary (step 2) with the values to send again as hidden fields."""
        context = session_context(session)
        context.update(
            form_token=token,
            step=2,
            summary=booking_summary(form),
            hidden=booking_hidden_values(form),
        )
        return render(request, self.confirm_template, context)


def booking_summary(form: BookingForm) -> list[tuple[str, str]]:
    """(label, value as the person will read it) for every question of a valid form."""
    request = form.booking_request
    rows = []
    for name, field in form.fields.items():
        value = getattr(request, name, form.cleaned_data.get(name))
        if name == "phone":
            shown = format_phone(value)
        elif isinstance(field, forms.BooleanField):
            shown = _("はい") if value else _("いいえ")
        elif isinstance(field, forms.ChoiceField):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = value or _("（なし）")
        rows.append((str(field.label), shown))
    return rows


def booking_hidden_values(form: BookingForm) -> list[tuple[str, str]]:
    """(name, value) pairs to send again; a box not ticked is left out, as a browser does."""
    request = form.booking_request
    pairs = []
    for name, field in form.fields.items():
        value = getattr(request, name, form.cleaned_data.get(name))
        if isinstance(field, forms.BooleanField):
            if value:
                pairs.append((name, "on"))
        elif name == "phone":
            pairs.append((name, format_phone(value)))
        else:
            pairs.append((name, value or ""))
    return pairs


# --- Seeing a booking ---------------------------------------------------------------------


class BookingAccessMixin:
    """A booking is shown to the browser that made it or looked it up with the phone number."""

    request: HttpRequest

    def visible_registration(self, reference: str) -> Registration | None:
        registration = (
            Registration.objects.select_related("series", "session", "session__venue")
            .filter(reference=normalise_reference(reference))
            .first()
        )
        if registration is None or registration.pk not in self.request.session.get(SEEN_KEY, []):
            return None
        return registration

    def booking_context(self, registration: Registration) -> dict:
        sessions = sessions_of(registration)
        return {
            "registration": registration,
            "series": registration.series,
            "sessions": sessions,
            "venue": sessions[0].venue if sessions else None,
            "position": waitlist_position(registration),
        }


@method_decorator(never_cache, name="dispatch")
class BookingDetailView(BookingAccessMixin, View):
    """The confirmation page; other browsers are asked for the phone number first."""

    template_name = "classes/public/booking_detail.html"
    lookup_template = "classes/public/booking_lookup.html"
    next_pages = {"slip": "classes:booking_slip", "calendar": "classes:booking_ics"}

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        registration = self.visible_registration(reference)
        if registration is None:
            form = CancelLookupForm(
                initial={"reference": normalise_reference(reference)}, label_suffix=""
            )
            return self.render_lookup(form, reference)
        context = self.booking_context(registration)
        if request.session.get(JUST_BOOKED_KEY) == registration.pk:
            # Right after the form's 申し込む: step 3 of 入力 → 確認 → 完了, shown once.
            del request.session[JUST_BOOKED_KEY]
            context["step"] = 3
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        form = CancelLookupForm(request.POST, label_suffix="")
        if not form.is_valid():
            return self.render_lookup(form, reference)
        if wait := lookup_wait(request, form.cleaned_data["phone"]):
            form.add_error(None, rate_limited_message(wait))
            return self.render_lookup(form, reference, status=429)
        try:
            registration = find_registration(
                form.cleaned_data["reference"], form.cleaned_data["phone"]
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
            return self.render_lookup(form, reference)
        remember_booking(request, registration)
        target = self.next_pages.get(request.POST.get("next", ""), "classes:booking_detail")
        return redirect(target, reference=registration.reference)

    def render_lookup(self, form: CancelLookupForm, reference: str, status: int = 200):
        context = {
            "form": form,
            "fields": list(form),
            "reference": normalise_reference(reference),
            "next": self.request.POST.get("next") or self.request.GET.get("next", ""),
        }
        return render(self.request, self.lookup_template, context, status=status)


class RestrictedBookingView(BookingAccessMixin, View):
    """Slip and calendar file: same access rule; anyone else is sent to the lookup form."""

    next_name = ""

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        registration = self.visible_registration(reference)
        if registration is None:
            url = reverse("classes:booking_detail", args=[normalise_reference(reference)])
            return HttpResponseRedirect(f"{url}?next={self.next_name}")
        if registration.status == Registration.Status.CANCELLED:
            raise Http404
        return self.respond(registration)

    def respond(self, registration: Registration) -> HttpResponse:
        raise NotImplementedError


@method_decorator(never_cache, name="dispatch")
class BookingSlipView(RestrictedBookingView):
    """A printable A4 slip with the reference as a QR code for the trainer's check-in."""

    next_name = "slip"

    def respond(self, registration: Registration) -> HttpResponse:
        context = self.booking_context(registration)
        context["qr_code"] = qr_svg(
            registration.reference,
            label=_("受付番号 %(reference)s のQRコード") % {"reference": registration.reference},
        )
        return render(self.request, "classes/public/booking_slip.html", context)


@method_decorator(never_cache, name="dispatch")
class BookingCalendarView(RestrictedBookingView):
    """An .ics file with one event per session."""

    next_name = "calendar"

    def respond(self, registration: Registration) -> HttpResponse:
        phone = help_phone(self.request)
        lines = [
            _("受付番号：%(reference)s") % {"reference": registration.reference},
            _("お問い合わせ：%(phone)s") % {"phone": phone},
        ]
        if registration.status == Registration.Status.WAITLISTED:
            lines.insert(0, _("キャンセル待ちです。席が空いたらお知らせします。"))
        if registration.series.what_to_bring:
            lines.append(_("持ち物：%(items)s") % {"items": registration.series.what_to_bring})
        suffix = (
            _("（キャンセル待ち）") if registration.status == Registration.Status.WAITLISTED else ""
        )
        body = registration_calendar(
            registration,
            domain=self.request.get_host().split(":")[0] or "localhost",
            description="\n".join(lines),
            summary_suffix=suffix,
        )
        response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="class-{registration.reference}.ics"'
        )
        return response


# --- Cancelling ---------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class CancelLookupView(View):
    """Step 1: reference code and phone number."""

    template_name = "classes/public/cancel_lookup.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        reference = normalise_reference(request.GET.get("reference", ""))[:20]
        form = CancelLookupForm(
            initial={"reference": reference} if reference else None, label_suffix=""
        )
        return self.render(form)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CancelLookupForm(request.POST, label_suffix="")
        if not form.is_valid():
            return self.render(form)
        if wait := lookup_wait(request, form.cleaned_data["phone"]):
            form.add_error(None, rate_limited_message(wait))
            return self.render(form, status=429)
        try:
            registration = find_registration(
                form.cleaned_data["reference"], form.cleaned_data["phone"]
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
            return self.render(form)
        if registration.status == Registration.Status.CANCELLED:
            form.add_error(None, BookingError("already_cancelled").message)
            return self.render(form)
        request.session[CANCEL_KEY] = registration.pk
        remember_booking(request, registration)
        return redirect("classes:cancel_confirm")

    def render(self, form: CancelLookupForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "fields": list(form)}
        return render(self.request, self.template_name, context, status=status)


@method_decorator(never_cache, name="dispatch")
class CancelConfirmView(BookingAccessMixin, View):
    """Step 2: show what will be cancelled; the POST cancels it."""

    template_name = "classes/public/cancel_confirm.html"

    def pending(self) -> Registration | None:
        pk = self.request.session.get(CANCEL_KEY)
        return (
            Registration.objects.select_related("series", "session", "session__venue")
            .filter(pk=pk)
            .first()
            if pk
            else None
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        registration = self.pending()
        if registration is None:
            return redirect("classes:cancel")
        return render(request, self.template_name, self.booking_context(registration))

    def post(self, request: HttpRequest) -> HttpResponse:
        registration = self.pending()
        if registration is None:
            return redirect("classes:cancel")
        # Already cancelled (for example in another tab): the outcome is the same.
        with contextlib.suppress(BookingError):
            cancel_registration(registration)
        request.session.pop(CANCEL_KEY, None)
        request.session[CANCELLED_KEY] = registration.pk
        return redirect("classes:cancel_done")


@method_decorator(never_cache, name="dispatch")
class CancelDoneView(BookingAccessMixin, View):
    """Step 3: 取り消しました."""

    template_name = "classes/public/cancel_done.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        pk = request.session.get(CANCELLED_KEY)
        registration = (
            Registration.objects.select_related("series", "session", "session__venue")
            .filter(pk=pk, status=Registration.Status.CANCELLED)
            .first()
            if pk
            else None
        )
        if registration is None:
            return redirect("classes:cancel")
        return render(request, self.template_name, self.booking_context(registration))
