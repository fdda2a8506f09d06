from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.views.generic import TemplateView

from accounts.roles import STAFF_PAGE_ROLES, Role, has_role, roles_of


class StaffPageMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Staff pages: trainers, counter staff and admins (MFA is enforced by middleware)."""

    allowed_roles = STAFF_PAGE_ROLES
    raise_exception = False

    def test_func(self) -> bool:
        return has_role(self.request.user, *self.allowed_roles)

    def handle_no_permission(self):
        # Logged-in people without the role get 403, anonymous people the login page.
        self.raise_exception = self.request.user.is_authenticated
        return super().handle_no_permission()


class StaffHomeView(StaffPageMixin, TemplateView):
    template_name = "accounts/staff_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = roles_of(self.request.user)
        context["roles"] = sorted(roles, key=list(Role).index)
        context["is_admin"] = Role.ADMIN in roles
        context["manages_departments"] = self.request.user.managed_departments.exists()
        return context
