"""H5P packages as a Wagtail snippet: upload, rename, delete; chosen from the course pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

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
    list_display = ["title", "main_library", "created_at"]
    search_fields = ["title"]

    def get_form_class(self, for_update: bool = False):
        return H5PRenameForm if for_update else H5PUploadForm


register_snippet(H5PPackageViewSet)
