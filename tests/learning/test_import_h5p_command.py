"""The import_h5p management command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from learning.models import H5PLibrary, H5PPackage
from tests.learning.h5p_support import FIXTURES, GREETING, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_prints_the_new_id(media, make_user):
    admin = make_user(None, email="ope@example.jp")
    out = io.StringIO()
    call_command(
        "import_h5p", str(GREETING), "--title", "あいさつ", "--user", admin.email, stdout=out
    )
    package = H5PPackage.objects.get()
    assert out.getvalue().strip() == str(package.pk)
    assert package.title == "あいさつ" and package.uploaded_by == admin


@pytest.mark.parametrize(
    "name", ["invalid-broken-h5p-json.h5p", "hostile-xss-svg.h5p", "missing.h5p"]
)
def test_bad_package_exits_2_with_one_line_and_stores_nothing(name, media):
    with pytest.raises(CommandError) as info:
        call_command("import_h5p", str(FIXTURES / name), "--title", "T")
    assert info.value.returncode == 2
    text = str(info.value)
    assert "\n" not in text and " / " in text
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()
    assert stored_files(media) == []
