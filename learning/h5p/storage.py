"""Store a validated H5P package through Django's storage API, and clean up after deletion.

At import the package also records what the server knows about its activity (content type,
scored or not, maximum score, scoring mode and answer key: learning/h5p/content_types.py).

Content goes to ``h5p/content/<uuid>/``; libraries go once per machine name and major.minor to
``h5p/libraries/<machineName>-<major>.<minor>/`` and are shared by every package that uses them.
A library already stored with the same or a newer patch version is not written again; a newer
patch replaces the stored files (only for admins). All rows are written in one transaction, and
the files written are removed again when it fails. Deleting a package removes its content files
after commit, and the libraries no longer used by any package with it.

The storage is ``default_storage``, so an S3-compatible backend works without changes here.
"""

from __future__ import annotations

import logging
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_role
from learning.h5p.content_types import analyse_package
from learning.h5p.validation import (
    CHUNK_SIZE,
    H5PValidationError,
    LibraryInfo,
    LibraryKey,
    Member,
    ValidatedPackage,
    library_key_text,
    validate_package,
)
from learning.models import LIBRARY_ROOT, H5PLibrary, H5PPackage

logger = logging.getLogger(__name__)

error_messages: dict[str, tuple[Any, str]] = {
    "admin_required": (
        _(
            "このパッケージはライブラリ %(entry)s を追加または更新します。"
            "ライブラリを追加・更新できるのは管理者だけです。"
        ),
        "This package adds or upgrades the library %(entry)s; only administrators may do that.",
    ),
    "storage": (
        _("ファイルを保存できませんでした（%(entry)s）。何も登録していません。"),
        "A file could not be stored (%(entry)s); nothing was saved.",
    ),
}


class H5PStoreError(Exception):
    """Storing was refused or failed; ``code`` keys ``error_messages``."""

    def __init__(self, code: str, entry: str = "") -> None:
        self.code = code
        self.entry = entry
        super().__init__(f"{code}: {entry}" if entry else code)

    @property
    def message(self) -> str:
        return str(error_messages[self.code][0]) % {"entry": self.entry}

    @property
    def english(self) -> str:
        return error_messages[self.code][1] % {"entry": self.entry}

    @property
    def one_line(self) -> str:
        return f"{self.message} / {self.english}"


@dataclass
class LibraryPlan:
    """Which libraries of a package are new, which upgrade a stored one, which are kept."""

    new: list[LibraryInfo] = field(default_factory=list)
    upgrade: list[LibraryInfo] = field(default_factory=list)
    keep: list[LibraryKey] = field(default_factory=list)

    @property
    def writes_libraries(self) -> bool:
        return bool(self.new or self.upgrade)

    @property
    def changed(self) -> list[LibraryInfo]:
        return [*self.new, *self.upgrade]


def library_dir(key: LibraryKey) -> str:
    return f"{LIBRARY_ROOT}/{key[0]}-{key[1]}.{key[2]}/"


def plan_libraries(validated: ValidatedPackage) -> LibraryPlan:
    """Compare the package's libraries with the store (reads only)."""
    stored = {
        (lib.machine_name, lib.major_version, lib.minor_version): lib.patch_version
        for lib in H5PLibrary.objects.filter(
            machine_name__in={key[0] for key in validated.dependencies}
        )
    }
    plan = LibraryPlan()
    # Only libraries the content uses are installed; unused extras in the package are ignored.
    for key in validated.dependencies:
        lib = validated.libraries.get(key)
        if lib is None:
            continue
        if key not in stored:
            plan.new.append(lib)
        elif lib.patch_version > stored[key]:
            plan.upgrade.append(lib)
        else:
            plan.keep.append(key)
    return plan


def may_change_libraries(user: Any) -> bool:
    """Return whether the user may add or upgrade libraries (admins only)."""
    return user is not None and user.is_authenticated and has_role(user, Role.ADMIN)


def check_library_permission(
    validated: ValidatedPackage, user: Any, *, trusted: bool = False
) -> LibraryPlan:
    """Return the plan, or refuse when it writes libraries and the user is not an admin."""
    plan = plan_libraries(validated)
    if plan.writes_libraries and not (trusted or may_change_libraries(user)):
        raise H5PStoreError("admin_required", library_key_text(plan.changed[0].key))
    return plan


class _CountingReader:
    """A member's stream that refuses to give more bytes than validation counted."""

    def __init__(self, fh: IO[bytes], member: Member) -> None:
        self.fh = fh
        self.member = member
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(CHUNK_SIZE if size is None or size < 0 else size)
        self.read_bytes += len(data)
        if self.read_bytes > self.member.size:
            raise H5PValidationError("unreadable", self.member.name)
        return data


def _write_member(zf: zipfile.ZipFile, member: Member, target: str, written: list[str]) -> None:
    with zf.open(member.name) as fh:
        reader = _CountingReader(fh, member)
        content = File(reader, name=member.path)
        content.size = member.size
        saved = default_storage.save(target, content)
    written.append(saved)
    if saved != target:
        # The storage renamed the file because one was already there: the store is inconsistent.
        raise H5PStoreError("storage", member.name)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("Could not delete H5P file %s", name)


def _delete_tree(prefix: str) -> None:
    """Delete every file below a storage folder (the storage API has no recursive delete)."""
    try:
        dirs, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        _delete_files([f"{prefix}{name}"])
    for sub in dirs:
        _delete_tree(f"{prefix}{sub}/")
    _prune_empty_dirs([prefix + "x"])


def _prune_empty_dirs(names: list[str]) -> None:
    """Remove folders left empty below h5p/ (local storage only; object stores have none)."""
    for name in names:
        parent = posixpath.dirname(name)
        while parent.startswith("h5p/") or parent == "h5p":
            try:
                Path(default_storage.path(parent)).rmdir()
            except (OSError, NotImplementedError):
                break
            parent = posixpath.dirname(parent)


def _library_files_of(key: LibraryKey) -> list[str]:
    found: list[str] = []

    def walk(prefix: str) -> None:
        try:
            dirs, files = default_storage.listdir(prefix)
        except (FileNotFoundError, NotADirectoryError):
            return
        found.extend(f"{prefix}{name}" for name in files)
        for sub in dirs:
            walk(f"{prefix}{sub}/")

    walk(library_dir(key))
    return found


def store_package(
    source: str | Path | IO[bytes],
    validated: ValidatedPackage,
    *,
    title: str,
    user: Any = None,
    trusted: bool = False,
) -> H5PPackage:
    """Write a validated package's files and rows; return the new package.

    ``trusted`` is for the command line operator, who may add libraries without a user.
    Raises ``H5PStoreError`` (nothing kept) when the user may not add the package's libraries
    or a file cannot be written.
    """
    plan = check_library_permission(validated, user, trusted=trusted)
    written: list[str] = []
    replaced: list[str] = []
    try:
        with transaction.atomic(durable=True):
            package = H5PPackage(
                title=title.strip() or validated.title,
                h5p_json=validated.h5p_json,
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
                size_bytes=validated.content_bytes,
                file_count=len(validated.content_files),
                **analyse_package(validated.main_library[0], validated.content_json).as_fields(),
            )
            libraries = _write_libraries(source, validated, plan, written, replaced)
            package.main_library = libraries[validated.main_library]
            package.save()
            package.dependencies.set(
                libraries[key] for key in validated.dependencies if key in libraries
            )
            with _open(source) as zf:
                for member in validated.content_files:
                    _write_member(zf, member, f"{package.content_path}{member.path}", written)
            if replaced:
                logger.info("H5P libraries upgraded, %s old files replaced", len(replaced))
    except BaseException:
        _delete_files(written)
        _prune_empty_dirs(written)
        raise
    return package


def _open(source: str | Path | IO[bytes]) -> zipfile.ZipFile:
    if hasattr(source, "seek"):
        source.seek(0)
    return zipfile.ZipFile(source)


def _write_libraries(
    source: str | Path | IO[bytes],
    validated: ValidatedPackage,
    plan: LibraryPlan,
    written: list[str],
    replaced: list[str],
) -> dict[LibraryKey, H5PLibrary]:
    """Create or upgrade library rows and files; return every library the package uses."""
    keys = set(validated.dependencies)
    libraries: dict[LibraryKey, H5PLibrary] = {}
    for lib in H5PLibrary.objects.select_for_update().filter(
        machine_name__in={key[0] for key in keys}
    ):
        key = (lib.machine_name, lib.major_version, lib.minor_version)
        if key in keys:
            libraries[key] = lib
    if not plan.changed:
        return libraries
    with _open(source) as zf:
        for info in plan.changed:
            row = libraries.get(info.key)
            if row is not None and row.patch_version >= info.patch_version:
                continue  # Stored meanwhile by another upload.
            if row is None:
                row = H5PLibrary(
                    machine_name=info.machine_name,
                    major_version=info.major_version,
                    minor_version=info.minor_version,
                )
            else:
                # An upgrade replaces the files in place (the storage API cannot overwrite or
                # rename). If the upload then fails, the row keeps the old patch version and the
                # library must be uploaded again; upgrades are rare and for admins only.
                old_files = _library_files_of(info.key)
                _delete_files(old_files)
                replaced.extend(old_files)
            row.patch_version = info.patch_version
            row.title = info.title
            row.runnable = info.runnable
            row.library_json = info.library_json
            row.file_count = len(info.files)
            row.size_bytes = info.size_bytes
            row.save()
            libraries[info.key] = row
            for member in info.files:
                _write_member(zf, member, f"{library_dir(info.key)}{member.path}", written)
    return libraries


def import_package(
    source: str | Path | IO[bytes], *, title: str = "", user: Any = None, trusted: bool = False
) -> H5PPackage:
    """Validate and store a .h5p file; raise ``H5PValidationError`` or ``H5PStoreError``."""
    validated = validate_package(source)
    return store_package(source, validated, title=title, user=user, trusted=trusted)


def unused_libraries() -> list[H5PLibrary]:
    """Return the libraries no package depends on or runs as its main library."""
    return list(
        H5PLibrary.objects.filter(packages__isnull=True, main_of_packages__isnull=True).distinct()
    )


@receiver(post_delete, sender=H5PPackage)
def _clean_up_deleted_package(sender, instance: H5PPackage, **kwargs) -> None:
    """Remove the package's content and the libraries nobody uses any more, after commit."""
    content_path = instance.content_path
    orphans = unused_libraries()
    keys = [(lib.machine_name, lib.major_version, lib.minor_version) for lib in orphans]
    for lib in orphans:
        lib.delete()

    def clean() -> None:
        _delete_tree(content_path)
        for key in keys:
            _delete_tree(library_dir(key))

    transaction.on_commit(clean)


def delete_package(package: H5PPackage) -> None:
    """Delete a package; its files and unused libraries go after commit."""
    with transaction.atomic():
        package.delete()
