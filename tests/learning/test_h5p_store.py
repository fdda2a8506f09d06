"""Storing H5P packages (learning.h5p.storage): library sharing, clean-up, permissions."""

from __future__ import annotations

import io
import json

import pytest

from accounts.roles import Role
from learning.h5p.storage import (
    H5PStoreError,
    check_library_permission,
    delete_package,
    import_package,
)
from learning.h5p.validation import H5PValidationError, validate_package
from learning.models import H5PLibrary, H5PPackage
from tests.learning.h5p_support import FIXTURES, GREETING, INVALID, VALID, stored_files, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_fixtures_import(name, media):
    package = import_package(FIXTURES / name, title="T", trusted=True)
    assert package.main_library.machine_name == VALID[name]
    assert package.dependencies.count() == H5PLibrary.objects.count()
    content = stored_files(media / "h5p" / "content" / str(package.uuid))
    assert media / "h5p" / "content" / str(package.uuid) / "content.json" in content
    assert len(content) == package.file_count
    for lib in H5PLibrary.objects.all():
        files = stored_files(media / "h5p" / "libraries" / lib.folder_name)
        assert len(files) == lib.file_count > 0


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_fixtures_store_nothing(name, media):
    with pytest.raises(H5PValidationError):
        import_package(FIXTURES / name, title="T", trusted=True)
    assert stored_files(media) == []
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()


def test_shared_libraries_are_stored_once(media):
    first = import_package(FIXTURES / "single-choice-set.h5p", title="A", trusted=True)
    libraries_after_first = H5PLibrary.objects.count()
    files_after_first = len(stored_files(media / "h5p" / "libraries"))
    second = import_package(FIXTURES / "single-choice-set.h5p", title="B", trusted=True)
    assert H5PLibrary.objects.count() == libraries_after_first
    assert len(stored_files(media / "h5p" / "libraries")) == files_after_first
    assert first.content_path != second.content_path
    shared = set(first.dependencies.all()) & set(second.dependencies.all())
    assert len(shared) == libraries_after_first


def test_overlapping_packages_share_libraries(media):
    import_package(FIXTURES / "true-false-hello-world.h5p", title="A", trusted=True)
    import_package(FIXTURES / "fill-in-the-blanks.h5p", title="B", trusted=True)
    keys = list(H5PLibrary.objects.values_list("machine_name", "major_version", "minor_version"))
    assert len(keys) == len(set(keys))
    assert H5PLibrary.objects.get(machine_name="H5P.JoubelUI").packages.count() == 2


def test_deleting_keeps_shared_libraries_until_the_last_package(
    media, django_capture_on_commit_callbacks
):
    a = import_package(GREETING, title="A", trusted=True)
    b = import_package(GREETING, title="B", trusted=True)
    with django_capture_on_commit_callbacks(execute=True):
        delete_package(a)
    assert H5PLibrary.objects.count() == 1
    assert stored_files(media / "h5p" / "libraries")
    assert stored_files(media / "h5p" / "content" / str(a.uuid)) == []
    with django_capture_on_commit_callbacks(execute=True):
        delete_package(b)
    assert not H5PLibrary.objects.exists()
    assert stored_files(media) == []


def test_newer_patch_upgrades_and_older_is_skipped(media):
    import_package(GREETING, title="A", trusted=True)
    lib = H5PLibrary.objects.get()
    newer = dict(lib.library_json, patchVersion=lib.patch_version + 1)
    data = variant(replace={"H5P.GreetingCard-1.0/library.json": json.dumps(newer).encode()})
    import_package(io.BytesIO(data), title="B", trusted=True)
    lib.refresh_from_db()
    assert lib.library_json["patchVersion"] == lib.patch_version == newer["patchVersion"]
    assert len(stored_files(media / "h5p" / "libraries")) == lib.file_count
    import_package(GREETING, title="C", trusted=True)  # older patch: kept as it is
    lib.refresh_from_db()
    assert lib.patch_version == newer["patchVersion"]


def test_non_admin_cannot_add_libraries(make_user, media):
    trainer = make_user(Role.TRAINER)
    validated = validate_package(GREETING)
    with pytest.raises(H5PStoreError) as info:
        check_library_permission(validated, trainer)
    assert info.value.code == "admin_required"
    with pytest.raises(H5PStoreError):
        import_package(GREETING, title="T", user=trainer)
    assert stored_files(media) == [] and not H5PLibrary.objects.exists()


def test_non_admin_may_use_stored_libraries(make_user, media):
    import_package(GREETING, title="A", user=make_user(Role.ADMIN))
    trainer = make_user(Role.TRAINER)
    files = stored_files(media / "h5p" / "libraries")
    package = import_package(GREETING, title="B", user=trainer)
    assert package.uploaded_by == trainer
    assert stored_files(media / "h5p" / "libraries") == files


def test_failed_write_removes_written_files(media, monkeypatch):
    from learning.h5p import storage

    calls = {"n": 0}
    real = storage._write_member

    def failing(zf, member, target, written):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return real(zf, member, target, written)

    monkeypatch.setattr(storage, "_write_member", failing)
    with pytest.raises(OSError):
        import_package(FIXTURES / "true-false-hello-world.h5p", title="T", trusted=True)
    assert stored_files(media) == []
    assert not H5PPackage.objects.exists() and not H5PLibrary.objects.exists()


def test_migration_backfills_scoring_from_the_stored_content_json(media):
    """learning/0005 analyses packages stored before the registry existed."""
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("learning.migrations.0005_h5p_scoring").backfill_packages
    quiz = import_package(FIXTURES / "single-choice-set.h5p", title="クイズ", trusted=True)
    card = import_package(GREETING, title="カード", trusted=True)
    expected = H5PPackage.objects.values("content_type", "scored", "max_score", "scoring")
    before = {row["content_type"]: row for row in expected}
    H5PPackage.objects.update(
        content_type="", scored=True, max_score=None, scoring="trusted", answer_key={}
    )
    backfill(apps, None)
    quiz.refresh_from_db()
    card.refresh_from_db()
    assert {row["content_type"]: row for row in expected} == before
    assert (
        quiz.scoring == "verified" and quiz.max_score == 3 and len(quiz.answer_key["children"]) == 3
    )
    assert card.scored is False and card.scoring == "unscored"
