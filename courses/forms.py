from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from courses.choices import Audience, Level

ALL = [("", _("すべて"))]


class CatalogueFilterForm(forms.Form):
    """The catalogue's GET filters: track (対象), level and topic; every field is optional."""

    audience = forms.ChoiceField(
        label=_("対象"), required=False, choices=ALL + list(Audience.choices)
    )
    level = forms.ChoiceField(label=_("レベル"), required=False, choices=ALL + list(Level.choices))
    topic = forms.ChoiceField(label=_("テーマ"), required=False)

    def __init__(self, *args, topics: list[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = ALL + list(topics)

    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)

    def filter(self, courses: QuerySet) -> QuerySet:
        """Return the courses that match the cleaned filters."""
        for name in ("audience", "level", "topic"):
            if self.cleaned_data.get(name):
                courses = courses.filter(**{name: self.cleaned_data[name]})
        return courses
