from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("講座")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Page, PageViewRestriction, Site, get_page_models
        from wagtail.signals import (
            page_published,
            page_slug_changed,
            page_unpublished,
            post_page_move,
        )

        from courses.page_cache import bump_content_version

        # Any page's change may change a course page's tree (titles, order, live, paths).
        uid = "courses.bump_content_version"
        for model in {Page, *get_page_models()}:
            post_save.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}.s.{model}")
            post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}.d.{model}")
        for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
            signal.connect(bump_content_version, dispatch_uid=uid)
        # The catalogue's topic labels come from the curriculum.
        for model in (PageViewRestriction, Site, self.get_model("CurriculumUnit")):
            post_save.connect(bump_content_version, sender=model, dispatch_uid=uid)
            post_delete.connect(bump_content_version, sender=model, dispatch_uid=uid)
