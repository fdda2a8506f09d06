"""Wagtail admin for mandatory training: the 研修管理 menu and マイ学習's 必修研修 section.

The menu groups the requirements, exemptions, 寺子屋ICT cohorts and the read-only list of
mails sent. The section is added to マイ学習 through learning's ``my_learning_sections`` hook,
so the learning app never imports this one.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet, SnippetViewSetGroup

from accounts.roles import Role, has_role
from base.wagtail_hooks import ReadOnlyPermissionPolicy
from training.models import Cohort, RequirementExemption, TrainingReminder, TrainingRequirement
from training.status import learner_requirements


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


@hooks.register("my_learning_sections")
def my_requirements_section(request: HttpRequest) -> str:
    """マイ学習's 必修研修: this year's requirements; the report link for managers and admins."""
    user = request.user
    requirements = learner_requirements(user)
    sees_report = has_role(user, Role.ADMIN) or user.managed_departments.exists()
    if not requirements and not sees_report:
        return ""
    return render_to_string(
        "training/includes/my_requirements.html",
        {"requirements": requirements, "sees_training_report": sees_report},
        request=request,
    )
