"""Wagtail admin for learning: H5P packages (snippet), and the mandatory-training group."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.permissions import register_permission_policy
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet, SnippetViewSetGroup

from base.wagtail_hooks import ReadOnlyPermissionPolicy
from courses.hooks import COURSE_PAGE_CONTEXT, LESSON_PAGE_CONTEXT
from learning.course_pages import course_page_context, lesson_page_context
from learning.forms import H5PRenameForm, H5PUploadForm
from learning.h5p.storage import H5PStoreError, store_package
from learning.models import (
    Cohort,
    H5PPackage,
    RequirementExemption,
    TrainingReminder,
    TrainingRequirement,
)


class H5PPackageCreateView(CreateView):
    """Store the uploaded package through the service, outside Wagtail's own transaction."""

    def form_valid(self, form):
        self.form = form
        try:
            self.object = store_package(
                form.cleaned_data["file"],
                form.validated,
                title=form.cleaned_data.get("title") or "",
                user=self.request.user,
            )
        except H5PStoreError as exc:
            form.add_error("file", exc.one_line)
            return self.form_invalid(form)
        return self.save_action()


class H5PPackageViewSet(SnippetViewSet):
    model = H5PPackage
    icon = "form"
    menu_label = _("H5P 教材")
    menu_order = 240
    add_to_admin_menu = True
    add_view_class = H5PPackageCreateView
    list_display = ["title", "content_type", "scoring_summary", "max_score_label", "created_at"]
    list_filter = ["scoring"]
    search_fields = ["title"]
    # The package page: what the server knows about the activity and how it scores it
    # (learning/h5p/content_types.py, docs/h5p-scoring.md).
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "content_type",
        "main_library",
        "scoring_summary",
        "scoring_note",
        "max_score_label",
        "created_at",
    ]

    def get_form_class(self, for_update: bool = False):
        return H5PRenameForm if for_update else H5PUploadForm


register_snippet(H5PPackageViewSet)


# --- Mandatory training (learning.training) -----------------------------------------------


class TrainingRequirementViewSet(SnippetViewSet):
    model = TrainingRequirement
    icon = "tasks"
    menu_label = _("必修研修")
    list_display = ["__str__", "course", "due_rule", "recurrence", "all_staff", "active"]
    list_filter = ["active", "recurrence", "due_rule"]
    search_fields = ["title"]
    ordering = ["-active", "pk"]
    panels = [
        FieldPanel("course"),
        FieldPanel("title"),
        MultiFieldPanel(
            [
                FieldPanel("all_staff"),
                FieldPanel("departments", widget=forms.CheckboxSelectMultiple),
                FieldPanel("include_subdepartments"),
                FieldPanel("roles", widget=forms.CheckboxSelectMultiple),
                FieldPanel("people"),
            ],
            heading=_("対象者（いずれかに当てはまる在職者）"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("due_rule", widget=forms.RadioSelect),
                FieldRowPanel([FieldPanel("due_month"), FieldPanel("due_day")]),
                FieldPanel("due_days"),
                FieldPanel("grace_days"),
                FieldPanel("recurrence", widget=forms.RadioSelect),
            ],
            heading=_("期限と繰り返し"),
        ),
        FieldPanel("active"),
    ]


class ExemptionCreateView(CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class RequirementExemptionViewSet(SnippetViewSet):
    """対象外: set by admins only (model permissions, which only the 管理者 group holds)."""

    model = RequirementExemption
    icon = "no-view"
    menu_label = _("研修の対象外")
    add_view_class = ExemptionCreateView
    list_display = ["user", "requirement", "fiscal_year", "reason", "created_by", "created_at"]
    list_filter = ["requirement", "fiscal_year"]
    search_fields = ["reason"]
    panels = [
        FieldPanel("requirement"),
        FieldPanel("user"),
        FieldPanel("fiscal_year"),
        FieldPanel("reason"),
    ]


class CohortViewSet(SnippetViewSet):
    model = Cohort
    icon = "group"
    menu_label = _("寺子屋ICT")
    list_display = ["name", "fiscal_year", "created_at"]
    list_filter = ["fiscal_year"]
    search_fields = ["name"]
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("fiscal_year")]),
        FieldPanel("description"),
        InlinePanel(
            "path",
            heading=_("受講順の講座"),
            label=_("講座"),
            panels=[FieldPanel("course")],
        ),
        InlinePanel(
            "memberships",
            heading=_("参加者"),
            label=_("参加者"),
            panels=[FieldPanel("user"), FieldPanel("joined_on")],
        ),
    ]


class TrainingReminderViewSet(SnippetViewSet):
    """Every training mail sent, read-only (evidence of who was told what and when)."""

    model = TrainingReminder
    icon = "mail"
    menu_label = _("研修のお知らせメール")
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["sent_at", "user", "requirement", "step", "email"]
    list_filter = ["step", "fiscal_year"]
    list_per_page = 50
    inspect_view_fields = [
        "sent_at",
        "user",
        "email",
        "requirement",
        "fiscal_year",
        "step",
        "due_date",
        "overdue_count",
    ]


class TrainingViewSetGroup(SnippetViewSetGroup):
    items = (
        TrainingRequirementViewSet,
        RequirementExemptionViewSet,
        CohortViewSet,
        TrainingReminderViewSet,
    )
    menu_icon = "tasks"
    menu_label = _("研修管理")
    menu_order = 245


register_permission_policy(TrainingReminder, ReadOnlyPermissionPolicy(TrainingReminder))
register_snippet(TrainingViewSetGroup)


# The learner's part of the course and lesson pages (courses imports nothing of learning).
hooks.register(COURSE_PAGE_CONTEXT, course_page_context)
hooks.register(LESSON_PAGE_CONTEXT, lesson_page_context)
