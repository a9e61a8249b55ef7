"""Back up and restore the database and the uploaded files as one consistent whole.

Consistency rests on how the store works (adam/documents/storage.py): a file is in place
before the row that names it commits, files are named by their SHA-256 and never change,
and a file is removed only when no committed row names it. So the backup dumps the database
first and then copies exactly the files that the dump's rows name: each is there, with the
bytes the row expects, however much the service writes meanwhile.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from adam.backup import databases
from adam.backup import manifest as manifests
from adam.backup.errors import BackupError
from adam.backup.files import copy_hashed, hash_file, sync_directory
from adam.backup.manifest import DATABASE_FILES, SHA256, Entry, Manifest, blob_path
from adam.db import utcnow
from adam.documents import storage
from adam.documents.storage import LocalBlobStore, read_chunks

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
# Inside the upload folder, beside staging/: the store reads neither.
SET_ASIDE = "set-aside"
STAGING = "staging"


def _adam_version() -> str:
    try:
        return importlib.metadata.version("adam")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _stored_path(upload_dir: Path, sha256: str) -> Path:
    # The store's layout (LocalBlobStore.path_of), read without making the store: a backup
    # must not create folders in the upload folder it only reads.
    return upload_dir / storage.relative_path(sha256)


def _prepare(directory: Path) -> bool:
    """Make sure ``directory`` is an empty folder we may write; True if we made it.

    :raises BackupError: it is a file, not empty, or cannot be made or written.
    """
    if directory.exists():
        if not directory.is_dir():
            raise BackupError(f"{directory} is not a folder.")
        if any(directory.iterdir()):
            raise BackupError(
                f"{directory} is not empty: a backup goes into a new or empty folder."
            )
        probe = directory / ".adam-backup-probe"
        try:
            probe.touch()
            probe.unlink()
        except OSError as error:
            raise BackupError(f"{directory} cannot be written: {error.strerror}.") from None
        return False
    try:
        directory.mkdir()
    except FileNotFoundError:
        raise BackupError(f"{directory.parent} does not exist: make it first.") from None
    except OSError as error:
        raise BackupError(f"{directory} cannot be made: {error.strerror}.") from None
    return True


def _clear(directory: Path, made: bool) -> None:
    """Take back what a failed backup wrote."""
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    if made:
        directory.rmdir()


def _copy_blob(upload_dir: Path, directory: Path, sha256: str) -> Entry:
    source = _stored_path(upload_dir, sha256)
    path = blob_path(sha256)
    repair = "uploading the same file again repairs it"
    try:
        size, copied = copy_hashed(source, directory / path)
    except FileNotFoundError:
        raise BackupError(
            f"The stored file {source} is missing though the database names it ({repair}); "
            "no backup was made."
        ) from None
    if copied != sha256:
        raise BackupError(
            f"The stored file {source} is damaged: its SHA-256 differs from its name "
            f"({repair}); no backup was made."
        )
    return Entry(path=path, size=size, sha256=sha256)


def create_backup(
    *,
    database_url: str,
    upload_dir: Path,
    directory: Path,
    now: Callable[[], dt.datetime] = utcnow,
) -> Manifest:
    """Back up the database and the files its rows name into ``directory`` (new or empty).

    :raises BackupError: a bad ``directory``, a database that cannot be dumped, or a stored
        file missing or damaged; whatever was written to ``directory`` is removed again.
    """
    backend = databases.backend_of(database_url)
    started = now()
    made = _prepare(directory)
    try:
        database_file = directory / DATABASE_FILES[backend]
        snapshot = databases.dump(database_url, database_file)
        files = tuple(_copy_blob(upload_dir, directory, sha) for sha in sorted(snapshot.blobs))
        for folder in {(directory / entry.path).parent for entry in files}:
            sync_directory(folder)
        found = Manifest(
            adam_version=_adam_version(),
            alembic_revision=snapshot.revision,
            backend=backend,
            created_at=started.astimezone(dt.UTC).isoformat(timespec="seconds"),
            database=Entry(
                path=database_file.name,
                size=database_file.stat().st_size,
                sha256=hash_file(database_file),
            ),
            files=files,
        )
        manifests.write(directory, found)
        sync_directory(directory)
    except OSError as error:
        _clear(directory, made)
        raise BackupError(
            f"The backup failed: {error.strerror}: {error.filename}; nothing was kept."
        ) from None
    except BaseException:
        _clear(directory, made)
        raise
    return found


@dataclass(frozen=True, slots=True)
class Verified:
    """A backup whose files all match its manifest, and that this code can restore."""

    directory: Path
    manifest: Manifest
    head: str  # the newest schema revision of this code

    @property
    def needs_upgrade(self) -> bool:
        return self.manifest.alembic_revision != self.head


def open_backup(directory: Path, *, database_url: str) -> Verified:
    """Read and verify the backup in ``directory`` before anything is touched.

    :raises BackupError: no such folder, no or a bad manifest, a file that does not match it,
        another backend than the configured database's, or a schema newer than this code.
    """
    if not directory.is_dir():
        raise BackupError(f"{directory} does not exist or is not a folder.")
    found = manifests.read(directory)
    backend = databases.backend_of(database_url)
    if found.backend != backend:
        raise BackupError(
            f"The backup in {directory} is of a {found.backend} database; the configured "
            f"database is {backend}."
        )
    head = _known_revision(found.alembic_revision, directory)
    manifests.verify(directory, found)
    return Verified(directory=directory, manifest=found, head=head)


def _known_revision(revision: str, directory: Path) -> str:
    # Alembic announces its plugins at INFO as it loads; a restore's output says only its own.
    plugins = logging.getLogger("alembic.runtime.plugins")
    level = plugins.level
    plugins.setLevel(logging.WARNING)
    try:
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        script = ScriptDirectory(str(MIGRATIONS))
    finally:
        plugins.setLevel(level)
    try:
        script.get_revision(revision)
    except CommandError:
        raise BackupError(
            f"The backup in {directory} has schema revision {revision}, which this code does "
            "not know: it was made by a newer ADAM. Restore it with that version."
        ) from None
    head = script.get_current_head()
    assert head is not None  # the migrations have one head (tests/test_migrations.py)
    return head


@dataclass(frozen=True, slots=True)
class Restored:
    files_copied: int
    files_in_place: int
    set_aside: int
    set_aside_to: Path | None


def restore_backup(
    backup: Verified,
    *,
    database_url: str,
    upload_dir: Path,
    now: Callable[[], dt.datetime] = utcnow,
) -> Restored:
    """Make the database and the upload folder what the backup holds.

    First the backup's files are added to the upload folder (a file that no row names harms
    nothing), then the database is replaced in one transaction, and only then are the files
    that the backup does not hold moved to ``UPLOAD_DIR/set-aside/<time>/``: whichever step
    fails, every row of the database then in place has its file.

    :raises BackupError: a file changed since it was verified, or the database load failed.
    """
    try:
        copied, in_place = _put_files(backup, upload_dir)
    except OSError as error:
        raise BackupError(
            f"The files could not be restored ({error.strerror}: {error.filename}); the "
            "database was not touched."
        ) from None
    databases.load(database_url, backup.directory / backup.manifest.database.path)
    try:
        moved, folder = _set_aside(upload_dir, backup.manifest.blobs, now())
    except OSError as error:
        raise BackupError(
            "The database and the files were restored, but not all files the backup does not "
            f"hold could be moved aside ({error.strerror}: {error.filename})."
        ) from None
    return Restored(
        files_copied=copied, files_in_place=in_place, set_aside=moved, set_aside_to=folder
    )


def _put_files(backup: Verified, upload_dir: Path) -> tuple[int, int]:
    """Add the backup's files to the store: how many were copied, how many were there."""
    store = LocalBlobStore(upload_dir)
    copied = in_place = 0
    for entry in backup.manifest.files:
        target = store.path_of(entry.sha256)
        if target.is_file() and hash_file(target) == entry.sha256:
            in_place += 1
            continue
        with (backup.directory / entry.path).open("rb") as handle:
            staged = store.stage(read_chunks(handle))
        if staged.sha256 != entry.sha256:
            store.discard(staged)
            raise BackupError(
                f"{backup.directory / entry.path} changed while it was restored; the database "
                "was not touched."
            )
        store.keep(staged)
        copied += 1
    return copied, in_place


def _set_aside(
    upload_dir: Path, kept: frozenset[str], when: dt.datetime
) -> tuple[int, Path | None]:
    """Move every file of the upload folder that the backup does not hold out of the store."""
    strays: list[Path] = []
    for root, folders, names in os.walk(upload_dir):
        here = Path(root)
        if here == upload_dir:
            folders[:] = [name for name in folders if name not in (STAGING, SET_ASIDE)]
        for name in names:
            path = here / name
            relative = path.relative_to(upload_dir)
            # Only what is shaped like a stored file is the store's: a database file, its
            # journal or a backup kept beside the uploads stays where it is.
            if not (SHA256.fullmatch(name) and relative == storage.relative_path(name)):
                continue
            if name not in kept:
                strays.append(path)
    if not strays:
        return 0, None
    folder = upload_dir / SET_ASIDE / when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = folder.with_name(f"{folder.name.split('-')[0]}-{suffix}")
    for path in strays:
        destination = folder / path.relative_to(upload_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
    for root, _folders, _names in sorted(os.walk(upload_dir), key=lambda w: -len(w[0])):
        here = Path(root)
        if here != upload_dir and here.relative_to(upload_dir).parts[0] not in (STAGING, SET_ASIDE):
            with contextlib.suppress(OSError):  # not empty: it holds kept files
                here.rmdir()
    return len(strays), folder
