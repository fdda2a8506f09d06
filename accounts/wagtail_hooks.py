from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.models import Department


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("所属")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "code", "kind", "parent"]
    search_fields = ["name", "code"]
    ordering = ["path"]


register_snippet(DepartmentViewSet)
