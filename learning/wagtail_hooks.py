"""Wagtail admin for learning: the H5P packages snippet (training: training/wagtail_hooks.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from courses.hooks import COURSE_PAGE_CONTEXT, LESSON_PAGE_CONTEXT
from learning.course_pages import course_page_context, lesson_page_context
from learning.forms import H5PRenameForm, H5PUploadForm
from learning.h5p.storage import H5PStoreError, store_package
from learning.models import H5PPackage


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
            form.add_error("file", exc.message)
            return self.form_invalid(form)
        return self.save_action()


class H5PPackageViewSet(SnippetViewSet):
    model = H5PPackage
    icon = "form"
    menu_label = _("H5P 教材")
    menu_order = 240
    add_to_admin_menu = True
    add_view_class = H5PPackageCreateView
    # Both fields in labelled panels, so the file field shows its label, help and refusal
    # reasons in place (the edit form has no file field, and Wagtail hides its panel there).
    panels = [FieldPanel("file"), FieldPanel("title")]
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


# The learner's part of the course and lesson pages (courses imports nothing of learning).
hooks.register(COURSE_PAGE_CONTEXT, course_page_context)
hooks.register(LESSON_PAGE_CONTEXT, lesson_page_context)
