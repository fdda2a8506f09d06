"""Uploading, renaming and deleting H5P packages in the Wagtail admin (learning.wagtail_hooks)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from learning.forms import H5PUploadForm
from learning.models import H5PLibrary, H5PPackage
from tests.learning.h5p_support import FIXTURES, GREETING, stored_files

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/snippets/learning/h5ppackage/add/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes(), "application/zip")


def test_admin_uploads_a_package(client, make_user, media):
    admin = make_user(Role.ADMIN, mfa=True)
    client.force_login(admin)
    response = client.post(ADD_URL, {"title": "あいさつカード", "file": upload(GREETING)})
    assert response.status_code == 302
    package = H5PPackage.objects.get()
    assert package.title == "あいさつカード" and package.uploaded_by == admin
    assert stored_files(media / "h5p" / "content" / str(package.uuid))


def file_field_block(html: str) -> str:
    """The Wagtail field block that holds the file input (its label, help, errors and input)."""
    match = re.search(r'<section[^>]*id="panel-file-section".*?</section>', html, re.S)
    assert match, "the file field is not rendered inside a labelled panel"
    return match.group(0)


def described_ids_exist(html: str, input_id: str) -> list[str]:
    tag = re.search(rf'<input[^>]*id="{input_id}"[^>]*>', html).group(0)
    ids = re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
    missing = [i for i in ids if f'id="{i}"' not in html]
    assert not missing, f"aria-describedby points at nothing: {missing}"
    return ids


def test_upload_form_labels_and_explains_the_file_field(client, make_user, media):
    client.force_login(make_user(Role.ADMIN, mfa=True))
    html = client.get(ADD_URL).content.decode()
    block = file_field_block(html)
    assert re.search(r'<label[^>]*for="id_file"[^>]*>.*H5P ファイル', block, re.S)
    assert ".h5p" in block and "zip" in block and "200 MB" in block  # what it is, the limit
    ids = described_ids_exist(html, "id_file")
    assert any("helptext" in i for i in ids)


@pytest.mark.parametrize(
    ("fixture", "japanese"),
    [
        ("invalid-broken-h5p-json.h5p", "JSON として読み取れません（h5p.json）。"),
        ("invalid-malformed-library-directory.h5p", "library!"),
        ("hostile-xss-svg.h5p", "この種類のファイルは使えません（content/images/xss.svg）。"),
    ],
)
def test_each_refusal_is_shown_in_place_and_nothing_is_created(
    client, make_user, media, fixture, japanese
):
    client.force_login(make_user(Role.ADMIN, mfa=True))
    response = client.post(ADD_URL, {"title": "", "file": upload(FIXTURES / fixture)})
    assert response.status_code == 200
    html = response.content.decode()
    block = file_field_block(html)
    errors = re.search(
        r'<div class="w-field__errors"[^>]*id="([^"]+)"[^>]*>(.*?)</div>', block, re.S
    )
    assert errors and japanese in errors.group(2)
    assert errors.group(1) in described_ids_exist(html, "id_file")
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="id_file"[^>]*>', html).group(0)
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()
    assert stored_files(media) == []


def test_refusal_reason_is_english_in_english(client, make_user, media):
    client.force_login(make_user(Role.ADMIN, mfa=True))
    client.cookies["django_language"] = "en"
    response = client.post(ADD_URL, {"title": "", "file": upload(FIXTURES / "hostile-xss-svg.h5p")})
    block = file_field_block(response.content.decode())
    assert "This type of file is not allowed (content/images/xss.svg)." in block
    assert "使えません" not in block


def test_form_refuses_new_libraries_for_a_non_admin(make_user, media):
    trainer = make_user(Role.TRAINER, mfa=True)
    form = H5PUploadForm(data={"title": "x"}, files={"file": upload(GREETING)}, for_user=trainer)
    assert not form.is_valid()
    assert "H5P.GreetingCard 1.0" in form.errors["file"][0]
    assert not H5PLibrary.objects.exists()


def test_edit_changes_only_the_title(client, make_user, media):
    from learning.h5p.storage import import_package

    package = import_package(GREETING, title="A", trusted=True)
    client.force_login(make_user(Role.ADMIN, mfa=True))
    url = f"/admin/snippets/learning/h5ppackage/edit/{package.pk}/"
    assert "file" not in client.get(url).context["form"].fields
    response = client.post(url, {"title": "B"})
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.title == "B"


def test_delete_removes_files_after_commit(
    client, make_user, media, django_capture_on_commit_callbacks
):
    from learning.h5p.storage import import_package

    package = import_package(GREETING, title="A", trusted=True)
    client.force_login(make_user(Role.ADMIN, mfa=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/snippets/learning/h5ppackage/delete/{package.pk}/")
    assert response.status_code == 302
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()
    assert stored_files(media) == []


def test_admins_see_how_each_package_is_scored(client, make_user, media):
    from learning.h5p.storage import import_package

    quiz = import_package(FIXTURES / "single-choice-set.h5p", title="確認テスト", trusted=True)
    blanks = import_package(FIXTURES / "fill-in-the-blanks.h5p", title="穴埋め", trusted=True)
    card = import_package(GREETING, title="あいさつ", trusted=True)
    client.force_login(make_user(Role.ADMIN, mfa=True))
    listing = client.get("/admin/snippets/learning/h5ppackage/").content.decode()
    assert "H5P.SingleChoiceSet" in listing and "サーバーで採点" in listing
    assert "ブラウザの得点を満点の範囲で確認" in listing and "採点なし" in listing
    page = client.get(f"/admin/snippets/learning/h5ppackage/inspect/{quiz.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "サーバーで採点（回答から再計算）" in html and "回答（result.response）" in html
    assert re.search(r"<dt>満点（サーバー）</dt>\s*<dd>\s*3\s*</dd>", html)
    assert (
        "H5P.Blanks"
        in client.get(f"/admin/snippets/learning/h5ppackage/inspect/{blanks.pk}/").content.decode()
    )
    assert (
        "採点なし"
        in client.get(f"/admin/snippets/learning/h5ppackage/inspect/{card.pk}/").content.decode()
    )
