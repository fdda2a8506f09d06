from __future__ import annotations

import os

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from accounts.roles import has_role
from courses.blocks import RICH_TEXT_FEATURES, BaseStreamBlock
from courses.choices import STAFF_COURSE_ROLES, Audience, GradingMethod, Level
from courses.hooks import COURSE_PAGE_CONTEXT, LESSON_PAGE_CONTEXT, context_from_hooks
from courses.page_cache import cached, may_be_restricted


class CurriculumUnit(models.Model):
    """One unit of a reference curriculum (smartphone classes or information security).

    Seeded from the national デジタル活用支援 curriculum and the municipal security-training
    topic list; course pages and the can-do checklists are built from these objectives.
    """

    class Track(models.TextChoices):
        SMARTPHONE = "smartphone", _("区民向け スマホ講座")
        SECURITY = "security", _("職員向け 情報セキュリティ")

    track = models.CharField(_("区分"), max_length=16, choices=Track.choices)
    level = models.CharField(_("講座レベル"), max_length=20, blank=True)
    course_code = models.CharField(_("講座番号"), max_length=8)
    course_title = models.CharField(_("講座名"), max_length=120)
    title = models.CharField(_("単元名"), max_length=160)
    objectives = models.TextField(_("到達目標"))
    audience = models.CharField(_("対象"), max_length=60, blank=True)
    evidence_level = models.CharField(_("根拠の確かさ"), max_length=32, blank=True)
    source = models.TextField(_("出典"), blank=True)
    sort_order = models.PositiveIntegerField(_("並び順"), default=0)

    class Meta:
        ordering = ["track", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["course_code", "title"], name="unique_unit_per_course")
        ]
        verbose_name = _("カリキュラム単元")
        verbose_name_plural = _("カリキュラム単元")

    def __str__(self) -> str:
        return f"{self.course_code} {self.course_title}：{self.title}"


class CourseIndexPage(Page):
    """The course catalogue (講座一覧): staff and resident courses, filtered by GET parameters."""

    intro = RichTextField(_("はじめに"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["base.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("講座一覧")

    def get_view_restrictions(self) -> QuerySet[PageViewRestriction]:
        # Wagtail's check reads the ancestors and the restrictions on every view (two queries);
        # almost no course page has any (courses.page_cache).
        if may_be_restricted(self):
            return super().get_view_restrictions()
        return PageViewRestriction.objects.none()

    def courses(self) -> QuerySet[CoursePage]:
        """Return the live courses below this catalogue, in the editors' order."""
        return CoursePage.objects.child_of(self).live().order_by("path")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        from courses.forms import CatalogueFilterForm

        context = super().get_context(request, *args, **kwargs)
        courses = self.courses()
        # The same for every visitor until a course or the curriculum changes.
        topics = cached("topics", lambda: topic_choices(courses), self.pk)
        form = CatalogueFilterForm(request.GET or None, topics=topics)
        if form.is_valid():
            courses = form.filter(courses)
        courses = list(courses)
        add_lesson_minutes(courses)
        context.update(
            form=form,
            courses=courses,
            filtered=form.is_bound and form.is_valid() and form.has_filters(),
        )
        return context


class CoursePage(Page):
    """A course: an ordered set of lessons (its children) with the rules for completing it."""

    audience = models.CharField(
        _("対象"), max_length=16, choices=Audience.choices, default=Audience.RESIDENT
    )
    level = models.CharField(_("レベル"), max_length=16, choices=Level.choices, blank=True)
    topic = models.CharField(
        _("テーマ（講座番号）"),
        max_length=8,
        blank=True,
        help_text=_("カリキュラムの講座番号（例：B01、S01）。一覧の絞り込みに使います。"),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("目安の時間（分）"),
        null=True,
        blank=True,
        help_text=_("空欄のときは各レッスンの目安の合計を表示します。"),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("合格点（%）"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    certificate = models.BooleanField(_("修了証を発行する"), default=False)
    grading_method = models.CharField(
        _("成績の決め方"),
        max_length=8,
        choices=GradingMethod.choices,
        default=GradingMethod.BEST,
    )
    attempt_limit = models.PositiveSmallIntegerField(
        _("受験回数の上限"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("空欄のときは何回でも受けられます。"),
    )
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage",
        verbose_name=_("先に修了する講座"),
        blank=True,
        symmetrical=False,
        related_name="required_for",
    )
    intro = RichTextField(_("講座の説明"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("level"),
                FieldPanel("topic"),
                FieldPanel("estimated_minutes"),
            ],
            _("講座の種類"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("grading_method"),
                FieldPanel("attempt_limit"),
                FieldPanel("certificate"),
                FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
            ],
            _("修了の条件"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("topic"),
        index.FilterField("audience"),
        index.FilterField("level"),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("講座")

    def get_view_restrictions(self) -> QuerySet[PageViewRestriction]:
        # Wagtail's check reads the ancestors and the restrictions on every view (two queries);
        # almost no course page has any (courses.page_cache).
        if may_be_restricted(self):
            return super().get_view_restrictions()
        return PageViewRestriction.objects.none()

    def lessons(self) -> QuerySet[LessonPage]:
        """Return the live lessons of this course, in order."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    def total_minutes(self) -> int:
        if self.estimated_minutes is not None:
            return self.estimated_minutes
        # Set for a page's worth of courses at once (add_lesson_minutes) or from the lessons the
        # course page has read anyway.
        if "_lesson_minutes" not in self.__dict__:
            add_lesson_minutes([self])
        return self.__dict__["_lesson_minutes"]

    def live_prerequisites(self) -> list[CoursePage]:
        """Return the live prerequisite courses as stored (not an unsaved draft's), in order.

        Read once per instance: the course page lists them, the access check and the
        learner's progress ask again.
        """
        if "_live_prerequisites" not in self.__dict__:
            self.__dict__["_live_prerequisites"] = cached(
                "prerequisites",
                lambda: list(
                    CoursePage.objects.live().filter(required_for=self.pk).order_by("path")
                ),
                self.pk,
            )
        return self.__dict__["_live_prerequisites"]

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        # The list shows titles and times only: the lessons' bodies stay in the database.
        lessons = list(self.lessons().defer_streamfields())
        if self.estimated_minutes is None:
            self.__dict__["_lesson_minutes"] = sum(lesson.estimated_minutes for lesson in lessons)
        context["lessons"] = lessons
        # The breadcrumb's catalogue (a preview reads it afresh).
        context["catalogue"] = (
            cached("parent", self.get_parent, self.path) if self.live else self.get_parent()
        )
        if getattr(request, "is_preview", False):
            # A preview shows the draft's choice, not yet stored.
            context["prerequisite_courses"] = self.prerequisites.live().order_by("path")
        else:
            context["prerequisite_courses"] = self.live_prerequisites()
        # The learner's progress comes from learning, through a hook (courses/hooks.py).
        context.update(context_from_hooks(COURSE_PAGE_CONTEXT, self, request, context))
        return context


class LessonPage(Page):
    """One lesson of a course: text, images, video, activities and smartphone instructions."""

    estimated_minutes = models.PositiveSmallIntegerField(_("目安の時間（分）"), default=10)
    required = models.BooleanField(
        _("修了に必要"), default=True, help_text=_("講座の修了にこのレッスンが必要かどうか。")
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("本文"), blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("required")], _("レッスンの設定")
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("レッスン")

    def get_view_restrictions(self) -> QuerySet[PageViewRestriction]:
        # Wagtail's check reads the ancestors and the restrictions on every view (two queries);
        # almost no course page has any (courses.page_cache).
        if may_be_restricted(self):
            return super().get_view_restrictions()
        return PageViewRestriction.objects.none()

    def course(self) -> CoursePage | None:
        # Looked up once per instance (a request's lesson): the access check, the player, the
        # attempt limit and the completion rules all ask.
        if "_course" not in self.__dict__:
            parent_path = self.path[: -self.steplen]
            # Wagtail's routing leaves the (specific) parent it walked through on the page.
            parent = getattr(self, "_cached_parent_obj", None)
            if isinstance(parent, CoursePage) and parent.path == parent_path:
                self.__dict__["_course"] = parent
            elif self.live:
                self.__dict__["_course"] = (
                    cached(
                        "course",
                        lambda: CoursePage.objects.filter(path=parent_path).first() or 0,
                        parent_path,
                    )
                    or None
                )
            else:
                self.__dict__["_course"] = CoursePage.objects.filter(path=parent_path).first()
        return self.__dict__["_course"]

    def _neighbours(self) -> tuple[LessonPage | None, LessonPage | None]:
        """The live lessons before and after this one, read together."""
        if "_neighbour_pages" not in self.__dict__:

            def read() -> tuple[LessonPage | None, LessonPage | None]:
                siblings = list(
                    LessonPage.objects.sibling_of(self, inclusive=False)
                    .live()
                    .order_by("path")
                    .defer_streamfields()
                )
                before = [lesson for lesson in siblings if lesson.path < self.path]
                after = [lesson for lesson in siblings if lesson.path > self.path]
                return (before[-1] if before else None, after[0] if after else None)

            self.__dict__["_neighbour_pages"] = cached("neighbours", read, self.path)
        return self.__dict__["_neighbour_pages"]

    def previous_lesson(self) -> LessonPage | None:
        return self._neighbours()[0]

    def next_lesson(self) -> LessonPage | None:
        return self._neighbours()[1]

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Lessons of staff courses are for signed-in people with a role (職員 and up).

        Anyone may view and play resident lessons (only signed-in learners are recorded); the
        staff course page itself stays public in the catalogue.
        """
        course = self.course()
        if course is not None and course.audience == Audience.STAFF:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *STAFF_COURSE_ROLES):
                raise PermissionDenied
        return super().serve(request, *args, **kwargs)

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(
            course=self.course(),
            previous_lesson=self.previous_lesson(),
            next_lesson=self.next_lesson(),
            # Visitors who are not recorded (and a site without learning) see these.
            learner=False,
            has_required_activities=False,
            lesson_complete=False,
        )
        # The learner's state and the H5P players come from learning (courses/hooks.py).
        context.update(context_from_hooks(LESSON_PAGE_CONTEXT, self, request, context))
        players = context.pop("block_players", {})
        context["body_blocks"] = [(block, players.get(str(block.id))) for block in self.body]
        return context


def add_lesson_minutes(courses: list[CoursePage]) -> None:
    """Sum the live lessons' times of the courses without a course-wide time, in one query."""
    wanted = {course.path: course for course in courses if course.estimated_minutes is None}
    minutes = dict.fromkeys(wanted, 0)
    if wanted:
        steplen = LessonPage.steplen
        depths = {len(path) // steplen + 1 for path in wanted}
        # The courses of a catalogue share its path: one range below it, children filtered here.
        prefix = os.path.commonprefix(list(wanted))
        prefix = prefix[: len(prefix) - len(prefix) % steplen]
        rows = (
            LessonPage.objects.live()
            .filter(depth__in=depths, path__startswith=prefix)
            .values_list("path", "estimated_minutes")
        )
        for path, value in rows:
            parent = path[:-steplen]
            if parent in minutes:
                minutes[parent] += value
    for path, course in wanted.items():
        course.__dict__["_lesson_minutes"] = minutes[path]


def topic_choices(courses: QuerySet[CoursePage]) -> list[tuple[str, str]]:
    """Return (code, label) for each topic the given courses use, labelled from the curriculum."""
    codes = sorted({code for code in courses.values_list("topic", flat=True) if code})
    titles = dict(
        CurriculumUnit.objects.filter(course_code__in=codes).values_list(
            "course_code", "course_title"
        )
    )
    return [(code, f"{code} {titles.get(code, '')}".strip()) for code in codes]
