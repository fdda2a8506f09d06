"""Re-encrypt every second-factor secret with the first key of MFA_ENCRYPTION_KEYS.

Run after putting a new key first in MFA_ENCRYPTION_KEYS (the old keys still listed after it);
once it has run, the old keys can be removed (docs/operations.md, "Secrets and keys").
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.mfa_secrets import protect_authenticators


class Command(BaseCommand):
    help = (
        "二段階認証の秘密を MFA_ENCRYPTION_KEYS の先頭の鍵で暗号化し直します。 / "
        "Re-encrypt every second-factor secret with the first key of MFA_ENCRYPTION_KEYS."
    )

    def handle(self, *args, **options) -> None:
        try:
            with transaction.atomic():
                changed = protect_authenticators(Authenticator, rotate=True)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{changed} 件の二段階認証の秘密を暗号化し直しました。 / "
            f"Re-encrypted {changed} second-factor secret(s)."
        )
