"""Create the role groups and give each the permissions its work needs."""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.contrib.auth.models import Group, Permission

from accounts.roles import GROUP_NAMES, Role


def sync_role_groups(sender: AppConfig | None = None, **kwargs) -> None:
    """Ensure the four role groups exist; give 管理者 every permission.

    Connected to ``post_migrate``, which fires once per app; only the call for the last app
    does the work, when every app's permissions and Wagtail's root page exist.
    """
    last_app_with_models = [a for a in apps.get_app_configs() if a.models_module][-1]
    if sender is not None and sender is not last_app_with_models:
        return
    using = kwargs.get("using", "default")
    groups = {}
    for role, name in GROUP_NAMES.items():
        groups[role], _ = Group.objects.using(using).get_or_create(name=name)
    _grant_admin(groups[Role.ADMIN], using)


def _grant_admin(group: Group, using: str) -> None:
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    group.permissions.set(Permission.objects.using(using).all())
    root_page = Page.get_first_root_node()
    if root_page is not None:
        page_perms = Permission.objects.using(using).filter(
            content_type__app_label="wagtailcore",
            codename__in=[
                f"{action}_page"
                for action in ("add", "change", "publish", "bulk_delete", "lock", "unlock")
            ],
        )
        for permission in page_perms:
            GroupPagePermission.objects.using(using).get_or_create(
                group=group, page=root_page, permission=permission
            )
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        media_perms = Permission.objects.using(using).filter(
            content_type__app_label__in=["wagtailimages", "wagtaildocs"],
            codename__regex=r"^(add|change|delete|choose)_(image|document)$",
        )
        for permission in media_perms:
            GroupCollectionPermission.objects.using(using).get_or_create(
                group=group, collection=root_collection, permission=permission
            )
