"""Wagtail's user admin with the fields of our User model (kana, 職員番号, 所属)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

EXTRA_FIELDS = [
    "last_name_kana",
    "first_name_kana",
    "employee_number",
    "department",
    "organisation",
]


class _StaffFieldsMixin:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["last_name"].label = _("姓")
        self.fields["first_name"].label = _("名")
        self.fields["first_name"].required = False

    def clean_employee_number(self) -> str | None:
        # Blank means "not an employee" (partner trainers, residents): store NULL, so the
        # unique constraint allows many of them.
        value = (self.cleaned_data.get("employee_number") or "").strip()
        return value or None


class StaffUserCreationForm(_StaffFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = [*UserCreationForm.Meta.fields, *EXTRA_FIELDS]


class StaffUserEditForm(_StaffFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = [*UserEditForm.Meta.fields, *EXTRA_FIELDS]


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update: bool = False):
        return StaffUserEditForm if for_update else StaffUserCreationForm
