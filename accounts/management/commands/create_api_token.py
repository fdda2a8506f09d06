"""Issue a staff API token and print its secret once (``Authorization: Bearer <secret>``).

Only the secret goes to standard output, so a script can capture it; everything else goes to
standard error. The secret cannot be shown again: issue a new token if it is lost.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.middleware import mfa_missing
from accounts.models import User
from accounts.roles import STAFF_PAGE_ROLES, roles_of
from accounts.tokens import issue_token


class Command(BaseCommand):
    help = (
        "講師・窓口・管理者の API トークンを発行し、一度だけ表示します。 / "
        "Issue an API token for a trainer, counter clerk or admin and print it once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="利用者のメールアドレス / the user's e-mail address")
        parser.add_argument(
            "--name",
            required=True,
            help="トークンの名前（例：受付用タブレット） / a label, e.g. 'check-in tablet'",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=(
                "有効日数（省略すると API_TOKEN_MAX_AGE_DAYS、既定180日） / days until it "
                "expires (default and most: API_TOKEN_MAX_AGE_DAYS, 180 unless set)"
            ),
        )

    def handle(self, *args, **options) -> None:
        email = options["email"].strip().lower()
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError(
                "--name は1〜100文字で指定してください。 / --name must be 1 to 100 characters."
            )
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(
                f"{email} の利用者は見つかりません。 / There is no user with e-mail {email}."
            )
        if not user.is_active:
            raise CommandError(f"{email} は無効な利用者です。 / The user {email} is deactivated.")
        if not roles_of(user) & STAFF_PAGE_ROLES:
            raise CommandError(
                f"{email} には講師・窓口・管理者の役割がありません。 / "
                f"{email} has no trainer, counter or admin role."
            )
        expires_at = None
        if options["days"] is not None:
            longest = settings.API_TOKEN_MAX_AGE_DAYS
            if not 1 <= options["days"] <= longest:
                raise CommandError(
                    f"--days は1〜{longest}で指定してください。 / --days must be 1 to {longest}."
                )
            expires_at = timezone.now() + timedelta(days=options["days"])
        if mfa_missing(user):
            self.stderr.write(
                f"注意：{email} は二段階認証を設定するまでこのトークンを使えません。 / "
                f"Note: {email} cannot use this token until they set up a second factor."
            )
        secret = issue_token(user, name, expires_at=expires_at)
        self.stderr.write(
            f"{email} の API トークン「{name}」を発行しました。この一度しか表示されません。 / "
            f"Issued API token '{name}' for {email}; it is shown only this once."
        )
        self.stdout.write(secret)
