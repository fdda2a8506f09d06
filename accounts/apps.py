from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True  # this module also holds UsersAppConfig
    name = "accounts"
    verbose_name = _("アカウント")

    def ready(self) -> None:
        from django.core import checks

        from accounts import (
            audit_labels,  # noqa: F401  (registers the audit labels)
            sso,  # noqa: F401  (marks SSO sign-ins' second factor)
        )
        from accounts.checks import check_mfa_encryption_keys
        from accounts.permissions import sync_role_groups

        # Run after every app's migrations, so the permissions of apps migrated later exist.
        post_migrate.connect(sync_role_groups, dispatch_uid="accounts.sync_role_groups")
        checks.register(check_mfa_encryption_keys, checks.Tags.security)


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with the forms for our User model's extra fields."""

    user_viewset = "accounts.admin_users.UserViewSet"
