from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.models import CurriculumUnit


class CurriculumUnitViewSet(SnippetViewSet):
    model = CurriculumUnit
    icon = "list-ol"
    menu_label = _("カリキュラム")
    menu_order = 230
    add_to_admin_menu = True
    list_display = ["course_code", "course_title", "title", "track"]
    list_filter = ["track", "level"]
    search_fields = ["course_code", "course_title", "title", "objectives"]


register_snippet(CurriculumUnitViewSet)
