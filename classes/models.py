"""Smartphone classes (スマホ教室): where, when, who booked, who came.

Seat allocation, cancellation and waitlist promotion live in ``classes.services``; nothing
else writes ``Registration.status``. Who holds a seat and how many are left is read through the
querysets below (``RegistrationQuerySet``, ``ClassSessionQuerySet.with_availability``); whether
a session can be booked is ``classes.availability.bookability``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Venue(models.Model):
    """A place where smartphone classes are held, mostly the ward's 区民ひろば."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    name_kana = models.CharField(_("名称（カナ）"), max_length=120, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    address_detail = models.CharField(_("方書"), max_length=120, blank=True)
    area = models.CharField(
        _("地域（町名）"), max_length=40, blank=True, help_text=_("例：駒込、要町、南池袋")
    )
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("経度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    chome = models.CharField(_("丁目"), max_length=8, blank=True, help_text=_("例：2"))
    nearest_station = models.CharField(
        _("最寄り駅"), max_length=120, blank=True, help_text=_("例：JR山手線 駒込駅 徒歩5分")
    )
    access = models.TextField(_("行き方"), blank=True)
    accessibility = models.TextField(_("バリアフリー情報"), blank=True)
    is_active = models.BooleanField(_("利用中"), default=True)
    source = models.TextField(_("出典"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("会場")
        verbose_name_plural = _("会場")

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("部屋名"), max_length=60)
    capacity = models.PositiveIntegerField(_("定員の目安"), null=True, blank=True)

    class Meta:
        ordering = ["venue", "name"]
        constraints = [models.UniqueConstraint(fields=["venue", "name"], name="unique_room_name")]
        verbose_name = _("部屋")
        verbose_name_plural = _("部屋")

    def __str__(self) -> str:
        return f"{self.venue.name} {self.name}"


class Level(models.TextChoices):
    FIRST = "first", _("はじめて")
    BASIC = "basic", _("基本")
    ADVANCED = "advanced", _("応用")


class ClassSeries(models.Model):
    """A class as residents see it: one topic, one or more sessions at one venue."""

    class BookingMode(models.TextChoices):
        WHOLE_SERIES = "series", _("全回まとめて申し込む")
        PER_SESSION = "session", _("回ごとに申し込む")

    title = models.CharField(_("教室名"), max_length=120)
    description = models.TextField(_("内容"), blank=True)
    level = models.CharField(_("レベル"), max_length=10, choices=Level.choices)
    curriculum_code = models.CharField(
        _("カリキュラムの講座番号"),
        max_length=8,
        blank=True,
        help_text=_("例：B01。できることチェックの項目はこの講座の到達目標から作ります。"),
    )
    course_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("教材ページ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partner = models.CharField(
        _("協力団体"), max_length=120, blank=True, help_text=_("例：携帯電話会社")
    )
    loaner_phones = models.BooleanField(_("貸出用スマホあり"), default=False)
    covers_iphone = models.BooleanField(_("iPhone に対応"), default=True)
    covers_android = models.BooleanField(_("Android に対応"), default=True)
    booking_mode = models.CharField(
        _("申込方法"), max_length=10, choices=BookingMode.choices, default=BookingMode.PER_SESSION
    )
    completion_percent = models.PositiveSmallIntegerField(_("修了に必要な出席率（%）"), default=75)
    what_to_bring = models.TextField(_("持ち物"), blank=True)
    is_published = models.BooleanField(_("公開"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("教室")
        verbose_name_plural = _("教室")

    def __str__(self) -> str:
        return self.title

    @property
    def is_whole_series(self) -> bool:
        return self.booking_mode == self.BookingMode.WHOLE_SERIES


class ClassSessionQuerySet(models.QuerySet):
    """Sessions, and the one definition of "upcoming" and of a session's seat counts."""

    def scheduled(self) -> ClassSessionQuerySet:
        return self.filter(status=ClassSession.Status.SCHEDULED)

    def upcoming(self, now=None) -> ClassSessionQuerySet:
        """Scheduled sessions that have not started: ``starts_at`` strictly after now.

        The same instant at which booking closes (``bookability``: started when
        ``starts_at <= now``), so a session is listed exactly as long as it can be booked.
        """
        return self.scheduled().filter(starts_at__gt=now or timezone.now())

    def public(self) -> ClassSessionQuerySet:
        return self.filter(series__is_published=True)

    def with_availability(self) -> ClassSessionQuerySet:
        """Annotate ``seat_capacity``, ``confirmed``, ``waiting``, ``seats_left``, ``checked_in``.

        The counts are those of what a booking from this session's page holds a seat in
        (``classes.services.booking_target``): the session itself, or for a whole-series
        class the series, whose capacity is its smallest scheduled session's. Cancelled
        bookings count nowhere. ``checked_in`` counts arrivals (出席・遅刻) at this session of
        bookings that are still confirmed: a booking cancelled after arriving no longer counts.
        """
        confirmed = Registration.objects.filter(status=Registration.Status.CONFIRMED)
        waiting = Registration.objects.filter(status=Registration.Status.WAITLISTED)
        own = {"session": OuterRef("pk")}
        whole = {"series": OuterRef("series"), "session__isnull": True}
        arrived = Attendance.objects.filter(
            session=OuterRef("pk"),
            status__in=[Attendance.Status.PRESENT, Attendance.Status.LATE],
            registration__status=Registration.Status.CONFIRMED,
        )
        smallest = (
            ClassSession.objects.filter(
                series=OuterRef("series"), status=ClassSession.Status.SCHEDULED
            )
            .order_by()
            .values("series")
            .annotate(m=Min("capacity"))
            .values("m")
        )
        is_whole = Q(series__booking_mode=ClassSeries.BookingMode.WHOLE_SERIES)
        return self.annotate(
            seat_capacity=Case(
                When(is_whole, then=Coalesce(_subquery(smallest), F("capacity"))),
                default=F("capacity"),
                output_field=IntegerField(),
            ),
            confirmed=Case(
                When(is_whole, then=count_subquery(confirmed.filter(**whole), "series")),
                default=count_subquery(confirmed.filter(**own), "session"),
                output_field=IntegerField(),
            ),
            waiting=Case(
                When(is_whole, then=count_subquery(waiting.filter(**whole), "series")),
                default=count_subquery(waiting.filter(**own), "session"),
                output_field=IntegerField(),
            ),
            checked_in=count_subquery(arrived, "session"),
        ).annotate(seats_left=Greatest(F("seat_capacity") - F("confirmed"), 0))


class SeatNumbers(Aggregate):
    """The seat numbers of a group as one text, "3,1,2" (no order): what a booking reads, in
    the same statement as its other counts, to give the lowest free seat."""

    function = "GROUP_CONCAT"  # SQLite (and MySQL)
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(CAST(%(expressions)s AS text), ',')",
            **extra_context,
        )


def _subquery(queryset) -> Subquery:
    return Subquery(queryset, output_field=IntegerField())


def count_subquery(queryset, group_by: str) -> Coalesce:
    """How many rows of ``queryset`` (grouped by ``group_by``, one group): a scalar subquery."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(_subquery(counted), 0)


class ClassSession(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("開催予定")
        CANCELLED = "cancelled", _("中止")

    series = models.ForeignKey(ClassSeries, on_delete=models.CASCADE, related_name="sessions")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="sessions")
    room = models.ForeignKey(
        Room, verbose_name=_("部屋"), null=True, blank=True, on_delete=models.SET_NULL
    )
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    capacity = models.PositiveIntegerField(_("定員"))
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("講師"), blank=True, related_name="sessions"
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_reason = models.CharField(_("中止の理由"), max_length=200, blank=True)

    objects = ClassSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]
        verbose_name = _("開催回")
        verbose_name_plural = _("開催回")

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.series.title} {local:%Y-%m-%d %H:%M} {self.venue.name}"

    def get_absolute_url(self) -> str:
        return reverse("classes:session_detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class RegistrationQuerySet(models.QuerySet):
    """Bookings, and the one definition of which of them hold a place where.

    ``live`` means confirmed or waiting; a confirmed booking holds a seat, a waiting one a
    place on the waiting list, a cancelled one nothing.
    """

    def live(self) -> RegistrationQuerySet:
        return self.filter(
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
        )

    def confirmed(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.CONFIRMED)

    def waiting(self) -> RegistrationQuerySet:
        return self.filter(status=Registration.Status.WAITLISTED)

    def of_target(self, target: ClassSession | ClassSeries) -> RegistrationQuerySet:
        """Bookings made of exactly this session, or of this whole series (any status)."""
        if isinstance(target, ClassSession):
            return self.filter(session=target)
        return self.filter(series=target, session__isnull=True)

    def for_session(self, session: ClassSession) -> RegistrationQuerySet:
        """Bookings that give (or gave) a place in a session: its own and whole-series ones."""
        return self.filter(Q(session=session) | Q(series=session.series_id, session__isnull=True))

    def holding_seat_in(self, session: ClassSession) -> RegistrationQuerySet:
        """Confirmed bookings with a seat in this session (its own and whole-series ones)."""
        return self.for_session(session).confirmed()

    def waiting_order(self) -> RegistrationQuerySet:
        """The order in which people waiting are given seats: first come, first served."""
        return self.order_by("created_at", "pk")


class Registration(models.Model):
    """One person's booking: of one session, or of a whole series (``session`` is null).

    ``seat`` numbers confirmed bookings 1..capacity; the unique constraint on it means that
    even a bug in the locking could not give out more seats than numbers.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("予約確定")
        WAITLISTED = "waitlisted", _("キャンセル待ち")
        CANCELLED = "cancelled", _("取消")

    class Channel(models.TextChoices):
        WEB = "web", _("ウェブ")
        PHONE = "phone", _("電話")
        COUNTER = "counter", _("窓口")
        API = "api", _("API")

    class AgeBand(models.TextChoices):
        UNDER_60 = "under60", _("59歳以下")
        AGE_60S = "60s", _("60〜64歳")
        AGE_65_69 = "65-69", _("65〜69歳")
        AGE_70S = "70s", _("70〜74歳")
        AGE_75_79 = "75-79", _("75〜79歳")
        AGE_80_PLUS = "80+", _("80歳以上")

    class Device(models.TextChoices):
        IPHONE = "iphone", _("iPhone")
        ANDROID = "android", _("Android")
        NONE = "none", _("持っていない")

    series = models.ForeignKey(ClassSeries, on_delete=models.CASCADE, related_name="registrations")
    session = models.ForeignKey(
        ClassSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    reference = models.CharField(_("受付番号"), max_length=12, unique=True)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices)
    seat = models.PositiveIntegerField(_("席番号"), null=True, blank=True)
    name = models.CharField(_("お名前"), max_length=60)
    name_kana = models.CharField(_("ふりがな"), max_length=60)
    phone = models.CharField(_("電話番号"), max_length=15, help_text=_("数字のみで保存します"))
    person_key = models.CharField(max_length=160, editable=False)
    age_band = models.CharField(_("年代"), max_length=8, choices=AgeBand.choices)
    area = models.CharField(_("お住まいの地域（町名）"), max_length=40)
    device = models.CharField(_("お使いのスマホ"), max_length=8, choices=Device.choices)
    wants_loaner = models.BooleanField(_("貸出用スマホを希望"), default=False)
    email = models.EmailField(_("メールアドレス"), blank=True)
    # Whether the person asked for SMS notices; it counts only for a mobile number
    # (070・080・090), see ``can_receive_sms`` and ``classes.sms.is_mobile_number``.
    sms_consent = models.BooleanField(_("SMSでのお知らせを希望"), default=False)
    consented_at = models.DateTimeField(_("個人情報の取扱いへの同意"))
    channel = models.CharField(_("受付方法"), max_length=8, choices=Channel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受付した職員"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("受付日時"), default=timezone.now)
    promoted_at = models.DateTimeField(_("繰り上げ日時"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    # A keyed hash of the client address of a web or API booking (never the address itself),
    # so counter staff can see bursts from one address (classes.abuse); empty for staff.
    client_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    # When the retention purge (classes.retention) removed name, kana, number and e-mail.
    anonymised_at = models.DateTimeField(_("個人情報の消去日時"), null=True, blank=True)

    # Bookings are not content: keep them out of Wagtail's reference index, whose writes
    # would otherwise run inside the seat lock.
    wagtail_reference_index_ignore = True

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # The same person cannot hold two live bookings of one session / one series.
            models.UniqueConstraint(
                fields=["session", "person_key"],
                condition=Q(status__in=["confirmed", "waitlisted"], session__isnull=False),
                name="one_live_booking_per_person_and_session",
            ),
            models.UniqueConstraint(
                fields=["series", "person_key"],
                condition=Q(status__in=["confirmed", "waitlisted"], session__isnull=True),
                name="one_live_booking_per_person_and_series",
            ),
            models.UniqueConstraint(
                fields=["session", "seat"],
                condition=Q(status="confirmed", session__isnull=False),
                name="one_booking_per_session_seat",
            ),
            models.UniqueConstraint(
                fields=["series", "seat"],
                condition=Q(status="confirmed", session__isnull=True),
                name="one_booking_per_series_seat",
            ),
            models.CheckConstraint(
                condition=Q(status="confirmed", seat__gte=1) | ~Q(status="confirmed"),
                name="confirmed_booking_has_seat",
            ),
        ]
        indexes = [
            models.Index(fields=["phone"]),
            models.Index(fields=["name_kana"]),
            # A person's bookings per class: first-time vs repeat, reach and skill pairs
            # (analytics) join on it; at ward scale it cut those queries by three quarters.
            models.Index(fields=["series", "person_key"], name="registration_series_person"),
        ]
        verbose_name = _("申込")
        verbose_name_plural = _("申込")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def can_receive_sms(self) -> bool:
        """Whether notices may go by SMS: consent given, on a mobile number (070・080・090)."""
        from classes.sms import is_mobile_number

        return self.sms_consent and is_mobile_number(self.phone)


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        LATE = "late", _("遅刻")
        ABSENT = "absent", _("欠席")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendances"
    )
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("出欠"), max_length=8, choices=Status.choices)
    checked_in_at = models.DateTimeField(_("受付時刻"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"], name="one_attendance_per_session"
            )
        ]
        verbose_name = _("出欠")
        verbose_name_plural = _("出欠")

    def __str__(self) -> str:
        return f"{self.registration.reference} {self.get_status_display()}"


class PhoneCall(models.Model):
    """An entry on the 要電話連絡 worklist: someone reachable neither by e-mail nor by SMS (or
    whose mail or SMS could not be sent) who must be phoned.

    An entry stays open until the call reaches the person (連絡済み) or a message is left
    (伝言を残した); 不在 records the try and sets ``retry_at``, the time to call again. Every
    try is a ``PhoneCallAttempt`` (who, when, outcome).
    """

    class Reason(models.TextChoices):
        PROMOTED = "promoted", _("キャンセル待ちから繰り上げ")
        REMINDER = "reminder", _("前日のお知らせ")
        SESSION_CANCELLED = "cancelled", _("開催中止のお知らせ")
        BOOKED = "booked", _("申込受付のお知らせ")

    class Cause(models.TextChoices):
        NO_EMAIL = "no_email", _("メールアドレスなし")
        MAIL_FAILED = "mail_failed", _("メールを送れなかった")
        SMS_FAILED = "sms_failed", _("SMSを送れなかった")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("連絡済み")
        NO_ANSWER = "no_answer", _("不在（かけ直す）")
        MESSAGE = "message", _("伝言を残した")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="phone_calls"
    )
    session = models.ForeignKey(
        ClassSession, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("用件"), max_length=10, choices=Reason.choices)
    cause = models.CharField(
        _("電話する理由"), max_length=12, choices=Cause.choices, default=Cause.NO_EMAIL
    )
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    done_at = models.DateTimeField(_("連絡日時"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("メモ"), max_length=200, blank=True)
    # How the call ended: empty while open and not tried, 不在 while waiting to call again.
    outcome = models.CharField(_("結果"), max_length=10, choices=Outcome.choices, blank=True)
    retry_at = models.DateTimeField(_("かけ直す時刻"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["done_at", "created_at"]
        constraints = [
            # Running the reminder job twice must not put anyone on the list twice.
            models.UniqueConstraint(
                fields=["registration", "session", "reason"],
                condition=Q(session__isnull=False),
                name="one_call_per_reason_and_session",
            ),
            models.UniqueConstraint(
                fields=["registration", "reason"],
                condition=Q(session__isnull=True),
                name="one_call_per_reason",
            ),
        ]
        verbose_name = _("要電話連絡")
        verbose_name_plural = _("要電話連絡")

    def __str__(self) -> str:
        return f"{self.registration.reference} {self.get_reason_display()}"


class PhoneCallAttempt(models.Model):
    """One try at a 要電話連絡 call: who called, when, and how it ended."""

    call = models.ForeignKey(PhoneCall, on_delete=models.CASCADE, related_name="attempts")
    outcome = models.CharField(_("結果"), max_length=10, choices=PhoneCall.Outcome.choices)
    called_at = models.DateTimeField(_("電話した日時"), default=timezone.now)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retry_at = models.DateTimeField(_("かけ直す時刻"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["called_at", "pk"]
        verbose_name = _("電話連絡の記録")
        verbose_name_plural = _("電話連絡の記録")

    def __str__(self) -> str:
        return f"{self.call_id} {self.get_outcome_display()}"


class Notification(models.Model):
    """One e-mail or SMS about a booking, in the outbox: written ``pending`` in the transaction
    that books, promotes or cancels, and sent by the worker (``classes.notifications``).
    ``channel`` says which; one step (registration, session, kind) has one row either way.

    A failed send stays ``pending`` with ``next_attempt_at`` later; after
    ``CLASSES_MAIL_MAX_ATTEMPTS`` failed tries it becomes ``failed`` and the person goes on
    the 要電話連絡 list. The unique constraints keep each step to one row, so none is sent twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("送信できず")

    class Channel(models.TextChoices):
        MAIL = "mail", _("メール")
        SMS = "sms", _("SMS")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(
        _("送り方"), max_length=4, choices=Channel.choices, default=Channel.MAIL
    )
    session = models.ForeignKey(
        ClassSession, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("送信を試みた回数"), default=0)
    # The exception's class and SMTP / HTTP code only: never the address or the message text.
    last_error = models.CharField(_("最後の送信エラー"), max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(_("次の送信"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session", "kind"],
                condition=Q(session__isnull=False),
                name="one_notification_per_kind_and_session",
            ),
            models.UniqueConstraint(
                fields=["registration", "kind"],
                condition=Q(session__isnull=True),
                name="one_notification_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration.reference} {self.kind}"


class SkillCheck(models.Model):
    """できることチェック: one can-do item, asked at the first (pre) and last (post) session."""

    class Phase(models.TextChoices):
        PRE = "pre", _("初回")
        POST = "post", _("最終回")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="skill_checks"
    )
    phase = models.CharField(_("時期"), max_length=4, choices=Phase.choices)
    unit = models.ForeignKey(
        "courses.CurriculumUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("項目")
    )
    can_do = models.BooleanField(_("できる"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "phase", "unit"], name="one_answer_per_item_and_phase"
            )
        ]
        verbose_name = _("できることチェック")
        verbose_name_plural = _("できることチェック")

    def __str__(self) -> str:
        return f"{self.registration.reference} {self.phase} {self.unit_id}"


class PhoneBookingLock(models.Model):
    """One row per phone number that has booked online: what a booking locks to count that
    number's bookings (``classes.services``), so the per-number cap holds under concurrency
    even for a number's first bookings, when it has no booking rows to lock yet.

    Holds a keyed hash of the number, not the number itself.
    """

    phone_hash = models.CharField(max_length=64, unique=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("電話番号ごとの申込ロック")
        verbose_name_plural = _("電話番号ごとの申込ロック")

    def __str__(self) -> str:
        return self.phone_hash[:8]
