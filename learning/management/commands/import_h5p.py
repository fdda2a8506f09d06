"""Import a .h5p package; the rules live in ``learning.h5p.validation`` and ``.storage``.

Prints the new package's id on standard output. Exit status 2 with one line "日本語 / English"
on standard error when the package is refused; then nothing is stored. The operator running the
command is trusted, so the package may add or upgrade libraries.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from learning.h5p.storage import H5PStoreError, import_package
from learning.h5p.validation import H5PValidationError

REFUSED = 2


class Command(BaseCommand):
    help = "H5P パッケージ（.h5p）を登録します。 / Import an H5P package (.h5p)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".h5p ファイル / .h5p file")
        parser.add_argument(
            "--title", default="", help="タイトル（省略時は h5p.json の title） / title"
        )
        parser.add_argument(
            "--user", default="", help="登録者のメールアドレス / e-mail of the uploader"
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(email__iexact=options["user"]).first()
            if user is None:
                raise CommandError(
                    f"利用者 {options['user']} が見つかりません。 / "
                    f"No user with the e-mail {options['user']}.",
                    returncode=REFUSED,
                )
        if not path.is_file():
            raise CommandError(
                f"ファイルを開けません：{path} / Cannot open {path}.", returncode=REFUSED
            )
        try:
            with path.open("rb") as fh:
                package = import_package(fh, title=options["title"], user=user, trusted=True)
        except (H5PValidationError, H5PStoreError) as exc:
            raise CommandError(exc.one_line, returncode=REFUSED) from None
        self.stdout.write(str(package.pk))
