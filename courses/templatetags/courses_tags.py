from __future__ import annotations

from django import template

from courses.models import CourseIndexPage

register = template.Library()


@register.simple_tag
def course_catalogue() -> CourseIndexPage | None:
    """Return the first live course catalogue, for links from other pages."""
    return CourseIndexPage.objects.live().order_by("path").first()
