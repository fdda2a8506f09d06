"""Wagtail admin for スマホ教室: venues, rooms, series, sessions, bookings, phone worklist.

Booking state changes only through ``classes.services``: registrations and phone calls are
read-only here, a session's status is not on its form (cancelling goes through
``SessionCancelView`` so that people are told), a new capacity is set by ``change_capacity``
(which gives new seats to the people waiting), and nothing with bookings can be deleted.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import InspectView as SnippetInspectView

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from base.audit import log_action, query_fingerprint
from classes.admin_venue_import import VENUE_IMPORT_PERMISSION, VenueImportView
from classes.admin_views import (
    CANCEL_PERMISSION,
    CERTIFICATE_PERMISSION,
    SCHEDULE_PERMISSION,
    CertificateView,
    SeriesScheduleView,
    SessionCancelView,
)
from classes.models import ClassSeries, ClassSession, PhoneCall, Registration, Room, Venue
from classes.services import BookingError, change_capacity, has_completed_series

SUBMENU_HOOK = "register_classes_admin_menu_item"


# --- Permissions --------------------------------------------------------------------------


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Viewing only: bookings and worklist entries change through the services alone."""

    WRITE_ACTIONS = frozenset({"add", "change", "delete", "copy"})

    def user_has_permission(self, user, action):
        return action not in self.WRITE_ACTIONS and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [a for a in actions if a not in self.WRITE_ACTIONS]
        if not allowed:
            return User.objects.none()
        return super().users_with_any_permission(allowed)


class NoDeleteWhenBookedPolicy(ModelPermissionPolicy):
    """Deleting a session or series would delete its bookings without telling anyone."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and _has_bookings(instance):
            return False
        return super().user_has_permission_for_instance(user, action, instance)


def _has_bookings(instance) -> bool:
    if isinstance(instance, ClassSession):
        return Registration.objects.for_session(instance).exists()
    if isinstance(instance, ClassSeries):
        return instance.registrations.exists()
    return False


# Registered before any viewset asks for (and caches) a fallback policy.
register_permission_policy(Registration, ReadOnlyPolicy(Registration))
register_permission_policy(PhoneCall, ReadOnlyPolicy(PhoneCall))
register_permission_policy(ClassSession, NoDeleteWhenBookedPolicy(ClassSession))
register_permission_policy(ClassSeries, NoDeleteWhenBookedPolicy(ClassSeries))


# --- Columns ------------------------------------------------------------------------------

# Some foreign keys have no verbose_name on the model; the admin names them here.
SERIES_LABEL = gettext_lazy("教室")
VENUE_LABEL = gettext_lazy("会場")


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def booked_label(session: ClassSession) -> str:
    """予約 / 定員, with the waitlist, from ``with_availability`` (the listing's queryset)."""
    label = f"{session.confirmed} / {session.seat_capacity}"
    if session.waiting:
        label += _("（待ち %(count)s）") % {"count": session.waiting}
    return label


class CertificateColumn(Column):
    """A link to the printable 修了証 for registrations that completed their series."""

    def get_value(self, instance: Registration):
        if instance.status != Registration.Status.CONFIRMED or not has_completed_series(instance):
            return ""
        url = reverse("classes_certificate", args=[instance.reference])
        return format_html(
            '<a href="{}">{}<span class="w-sr-only">（{}）</span></a>',
            url,
            _("修了証"),
            instance.reference,
        )


# --- Forms --------------------------------------------------------------------------------


class ClassSessionForm(WagtailAdminModelForm):
    """Session details; ``status`` is left out so that cancelling always notifies people."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "trainers" in self.fields:
            # Trainers, plus anyone already on the session who has since lost the role.
            current = (
                list(self.instance.trainers.values_list("pk", flat=True))
                if self.instance.pk
                else []
            )
            self.fields["trainers"].queryset = (
                User.objects.filter(
                    Q(groups__name=GROUP_NAMES[Role.TRAINER], is_active=True) | Q(pk__in=current)
                )
                .distinct()
                .order_by("last_name_kana", "first_name_kana", "email")
            )

    def clean(self):
        data = super().clean()
        room, venue = data.get("room"), data.get("venue")
        if room and venue and room.venue_id != venue.pk:
            self.add_error("room", _("この部屋は選んだ会場の部屋ではありません。"))
        return data


class ClassSessionEditView(EditView):
    """A changed capacity goes through ``change_capacity`` first: under the seat lock, it
    gives new seats to the people waiting, in order, or refuses to go below the confirmed
    bookings (the error is shown on the field and nothing is saved)."""

    def form_valid(self, form):
        if self.object.pk and "capacity" in form.changed_data:
            current = ClassSession.objects.select_related("series").get(pk=self.object.pk)
            try:
                promoted = change_capacity(
                    current,
                    form.cleaned_data["capacity"],
                    actor=self.request.user,
                    request=self.request,
                )
            except BookingError as exc:
                form.add_error("capacity", exc.message)
                self.produced_error_code = "validation_error"
                self.produced_error_message = self.get_error_message()
                return self.form_invalid(form)
            if promoted:
                messages.info(
                    self.request,
                    _("キャンセル待ちの %(count)s 人が繰り上がりました（%(names)s）。")
                    % {
                        "count": len(promoted),
                        "names": "、".join(f"{r.name}（{r.reference}）" for r in promoted),
                    },
                )
        return super().form_valid(form)


class ClassSessionFilterSet(WagtailFilterSet):
    series = django_filters.ModelChoiceFilter(
        queryset=ClassSeries.objects.all(), label=SERIES_LABEL
    )
    venue = django_filters.ModelChoiceFilter(queryset=Venue.objects.all(), label=VENUE_LABEL)
    date = django_filters.DateFromToRangeFilter(
        field_name="starts_at",
        label=gettext_lazy("開催日"),
        widget=DateRangePickerWidget,
    )

    class Meta:
        model = ClassSession
        fields = ["series", "venue", "status"]


class RoomFilterSet(WagtailFilterSet):
    venue = django_filters.ModelChoiceFilter(queryset=Venue.objects.all(), label=VENUE_LABEL)

    class Meta:
        model = Room
        fields = ["venue"]


class RegistrationFilterSet(WagtailFilterSet):
    series = django_filters.ModelChoiceFilter(
        queryset=ClassSeries.objects.all(), label=SERIES_LABEL
    )

    class Meta:
        model = Registration
        fields = ["status", "channel", "series"]


# --- Viewsets -----------------------------------------------------------------------------


class VenueViewSet(SnippetViewSet):
    model = Venue
    menu_name = "venues"
    icon = "home"
    menu_label = gettext_lazy("会場")
    list_display = ["name", "area", "address", "is_active"]
    list_filter = ["is_active", "area"]
    search_fields = ["name", "name_kana", "address"]
    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("name_kana"), FieldPanel("is_active")],
            heading=gettext_lazy("名称"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("address_detail"),
                FieldRowPanel([FieldPanel("area"), FieldPanel("chome")]),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
                FieldPanel("nearest_station"),
                FieldPanel("phone"),
            ],
            heading=gettext_lazy("所在地と連絡先"),
        ),
        MultiFieldPanel(
            [FieldPanel("access"), FieldPanel("accessibility")],
            heading=gettext_lazy("行き方とバリアフリー"),
        ),
        FieldPanel("source"),
    ]


class RoomViewSet(SnippetViewSet):
    model = Room
    menu_name = "rooms"
    icon = "doc-empty"
    menu_label = gettext_lazy("部屋")
    list_display = ["name", Column("venue", label=VENUE_LABEL), "capacity"]
    filterset_class = RoomFilterSet
    search_fields = ["name"]
    panels = [
        FieldPanel("venue", heading=VENUE_LABEL),
        FieldPanel("name"),
        FieldPanel("capacity"),
    ]


class ClassSeriesViewSet(SnippetViewSet):
    model = ClassSeries
    menu_name = "class-series"
    icon = "list-ul"
    menu_label = gettext_lazy("教室")
    list_display = ["title", "level", "booking_mode", "partner", "is_published"]
    list_filter = ["level", "booking_mode", "is_published"]
    search_fields = ["title", "partner"]
    copy_view_enabled = False
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("title"),
                FieldPanel("description"),
                FieldPanel("level"),
                FieldPanel("curriculum_code"),
                FieldPanel("course_page"),
            ],
            heading=gettext_lazy("内容"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("partner"),
                FieldPanel("loaner_phones"),
                FieldPanel("covers_iphone"),
                FieldPanel("covers_android"),
                FieldPanel("what_to_bring"),
            ],
            heading=gettext_lazy("協力団体と対応機種"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("booking_mode"),
                FieldPanel("completion_percent"),
                FieldPanel("is_published"),
            ],
            heading=gettext_lazy("申込と修了"),
        ),
    ]


class ClassSessionViewSet(SnippetViewSet):
    model = ClassSession
    menu_name = "class-sessions"
    icon = "date"
    menu_label = gettext_lazy("開催回")
    # The first column links to the edit form and carries the buttons; the session's own name
    # (series, start, venue) heads it, as ClassSession.series has no verbose_name to show.
    list_display = [
        "__str__",
        Column("venue", label=VENUE_LABEL),
        Column("starts_at", label=gettext_lazy("開始"), accessor=lambda s: _local(s.starts_at)),
        "capacity",
        "status",
        Column("booked", label=gettext_lazy("予約／定員"), accessor=booked_label),
    ]
    edit_view_class = ClassSessionEditView
    filterset_class = ClassSessionFilterSet
    ordering = ["starts_at"]
    copy_view_enabled = False
    panels = [
        FieldPanel("series", heading=SERIES_LABEL),
        MultiFieldPanel(
            [FieldPanel("venue", heading=VENUE_LABEL), FieldPanel("room")], heading=VENUE_LABEL
        ),
        FieldRowPanel(
            [FieldPanel("starts_at"), FieldPanel("ends_at")], heading=gettext_lazy("日時")
        ),
        FieldPanel("capacity"),
        FieldPanel("trainers", widget=forms.CheckboxSelectMultiple),
    ]

    def get_queryset(self, request: HttpRequest):
        return ClassSession.objects.select_related("series", "venue").with_availability()

    def get_edit_handler(self):
        return ObjectList(self.panels, base_form_class=ClassSessionForm).bind_to_model(self.model)


# --- Audit of the lists that show names and phone numbers -------------------------------------


class AuditedIndexView(SnippetIndexView):
    """A listing that records each look at it: ``listed_action``, or ``searched_action`` with
    a fingerprint of the query (never the name or number typed) and the number of results."""

    listed_action = ""
    searched_action = ""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        data = {"results": context.get("items_count", 0)}
        if self.is_filtering:
            data["filters"] = sorted(
                name for name, value in self.request.GET.items() if value and name != "q"
            )
        if self.is_searching and self.searched_action:
            data["query"] = query_fingerprint(self.search_query)
            action = self.searched_action
        else:
            action = self.listed_action
        log_action(action, user=self.request.user, data=data, request=self.request)
        return context


class AuditedInspectView(SnippetInspectView):
    viewed_action = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        log_action(
            self.viewed_action, user=self.request.user, obj=self.object, request=self.request
        )
        return context


class RegistrationIndexView(AuditedIndexView):
    listed_action = "classes.booking.listed"
    searched_action = "classes.booking.searched"


class RegistrationInspectView(AuditedInspectView):
    viewed_action = "classes.booking.viewed"


class PhoneCallIndexView(AuditedIndexView):
    listed_action = "classes.calls.viewed"


class PhoneCallInspectView(AuditedInspectView):
    viewed_action = "classes.call.viewed"


class RegistrationViewSet(SnippetViewSet):
    model = Registration
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    menu_name = "registrations"
    icon = "form"
    menu_label = gettext_lazy("申込")
    inspect_view_enabled = True
    inspect_view_fields_exclude = ["person_key"]
    list_display = [
        "reference",
        "name",
        Column("series", label=SERIES_LABEL),
        Column("session", label=gettext_lazy("開催回"), accessor=lambda r: _session_label(r)),
        "status",
        "channel",
        CertificateColumn("certificate", label=gettext_lazy("修了証")),
    ]
    filterset_class = RegistrationFilterSet
    # The admin's search box puts its query in the URL (?q=), hence in access logs: it finds
    # a booking by its reference only. Names and numbers are searched on 申込を探す
    # (classes_staff:search), which POSTs them (base.private_search).
    search_fields = ["reference"]
    copy_view_enabled = False

    def get_queryset(self, request: HttpRequest):
        return Registration.objects.select_related("series", "session")


class PhoneCallViewSet(SnippetViewSet):
    model = PhoneCall
    index_view_class = PhoneCallIndexView
    inspect_view_class = PhoneCallInspectView
    menu_name = "phone-calls"
    icon = "mail"
    menu_label = gettext_lazy("要電話連絡")
    inspect_view_enabled = True
    list_display = [
        "__str__",
        Column("name", label=gettext_lazy("お名前"), accessor=lambda c: c.registration.name),
        "reason",
        "cause",
        Column("created", label=gettext_lazy("登録日時"), accessor=lambda c: _local(c.created_at)),
        Column("done", label=gettext_lazy("連絡日時"), accessor=lambda c: _local(c.done_at)),
    ]
    list_filter = ["reason"]
    copy_view_enabled = False

    def get_queryset(self, request: HttpRequest):
        return PhoneCall.objects.select_related("registration")


def _session_label(registration: Registration) -> str:
    if registration.session_id is None:
        return _("全回")
    return _local(registration.session.starts_at)


class ClassesViewSetGroup(SnippetViewSetGroup):
    items = (
        ClassSeriesViewSet,
        ClassSessionViewSet,
        RegistrationViewSet,
        PhoneCallViewSet,
        VenueViewSet,
        RoomViewSet,
    )
    menu_icon = "date"
    menu_label = gettext_lazy("スマホ教室")
    menu_name = "classes"
    menu_order = 220
    submenu_hook = SUBMENU_HOOK


register_snippet(ClassesViewSetGroup)


# --- Admin views, menu items and buttons ------------------------------------------------------


@hooks.register("register_admin_urls")
def register_classes_admin_urls():
    return [
        path(
            "classes/series/schedule/",
            SeriesScheduleView.as_view(),
            name="classes_series_schedule",
        ),
        path(
            "classes/sessions/<int:pk>/cancel/",
            SessionCancelView.as_view(),
            name="classes_session_cancel",
        ),
        path("classes/venues/import/", VenueImportView.as_view(), name="classes_venue_import"),
        path(
            "classes/certificate/<str:reference>/",
            CertificateView.as_view(),
            name="classes_certificate",
        ),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs) -> None:
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.permission)


@hooks.register(SUBMENU_HOOK)
def register_series_schedule_menu_item() -> MenuItem:
    return PermissionMenuItem(
        gettext_lazy("回をまとめて作成"),
        reverse_lazy("classes_series_schedule"),
        name="series-schedule",
        icon_name="calendar-alt",
        order=3,
        permission=SCHEDULE_PERMISSION,
    )


@hooks.register(SUBMENU_HOOK)
def register_venue_import_menu_item() -> MenuItem:
    return PermissionMenuItem(
        gettext_lazy("会場の取り込み"),
        reverse_lazy("classes_venue_import"),
        name="venue-import",
        icon_name="upload",
        order=4,
        permission=VENUE_IMPORT_PERMISSION,
    )


@hooks.register("register_snippet_listing_buttons")
def classes_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, ClassSeries) and user.has_perm(SCHEDULE_PERMISSION):
        url = reverse("classes_series_schedule") + f"?series={snippet.pk}"
        yield Button(_("回をまとめて作成"), url=url, icon_name="calendar-alt", priority=20)
    if (
        isinstance(snippet, ClassSession)
        and not snippet.is_cancelled
        and user.has_perm(CANCEL_PERMISSION)
    ):
        url = reverse("classes_session_cancel", args=[snippet.pk])
        yield Button(_("この回を中止する"), url=url, icon_name="cross", priority=90)
    if (
        isinstance(snippet, Registration)
        and snippet.status == Registration.Status.CONFIRMED
        and user.has_perm(CERTIFICATE_PERMISSION)
        and has_completed_series(snippet)
    ):
        url = reverse("classes_certificate", args=[snippet.reference])
        yield Button(_("修了証を印刷"), url=url, icon_name="doc-full", priority=20)


@hooks.register("before_delete_snippet")
def refuse_deleting_booked_classes(request: HttpRequest, instances):
    """Deleting would drop bookings silently: cancel the session instead, which tells people."""
    booked = [i for i in instances if _has_bookings(i)]
    if not booked:
        return None
    messages.error(
        request,
        _("申込のある教室や回は削除できません（%(names)s）。回を中止すると、申込者に連絡されます。")
        % {"names": "、".join(str(i) for i in booked)},
    )
    return redirect(_listing_url(booked[0]))


def _listing_url(instance) -> str:
    return reverse(f"wagtailsnippets_classes_{instance._meta.model_name}:list")


class CancelSessionMenuItem(ActionMenuItem):
    label = gettext_lazy("この回を中止する")
    name = "cancel-session"
    icon_name = "cross"

    def is_shown(self, context) -> bool:
        instance = context.get("instance")
        return (
            isinstance(instance, ClassSession)
            and instance.pk is not None
            and not instance.is_cancelled
            and context["request"].user.has_perm(CANCEL_PERMISSION)
        )

    def get_url(self, parent_context) -> str:
        return reverse("classes_session_cancel", args=[parent_context["instance"].pk])


@hooks.register("register_snippet_action_menu_item")
def register_cancel_session_action(model):
    return CancelSessionMenuItem(order=90) if model is ClassSession else None
