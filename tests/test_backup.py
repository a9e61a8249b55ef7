"""adam backup / adam restore: the database and the stored files, together and consistent.

Each test runs on SQLite and PostgreSQL; on PostgreSQL the restore goes into the same
throw-away database the test runs on.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from adam.app import create_app
from adam.cli import main
from adam.db import Base
from tests.conftest import Account, project_body
from tests.documents.conftest import pdf_bytes, picture

CHANGED_TABLES = ("project", "project_history", "project_document")


def cli(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(main, list(args), input=input)


def ok(app: Flask, *args: str) -> str:
    result = cli(app, *args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(app: Flask, *args: str, input: str | None = None) -> str:
    """The command failed with one line: the message."""
    result = cli(app, *args, input=input)
    assert result.exit_code != 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(
    client: FlaskClient, account: Account, project_id: int, data: bytes, filename: str
) -> dict[str, Any]:
    form = {
        "file": FileStorage(io.BytesIO(data), filename=filename),
        "title": f"About {filename}",
        "category": "A07",
    }
    boundary, body = encode_multipart(form)
    response = client.post(
        f"/api/v1/projects/{project_id}/documents",
        data=body,
        headers=account.headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.json
    return response.json


def content(client: FlaskClient, account: Account, document: dict[str, Any]) -> bytes:
    response = client.get(document["content_url"], headers=account.headers, buffered=True)
    assert response.status_code == 200, response.json
    return response.data


def rows(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, in primary-key order."""
    engine = app.extensions["adam.engine"]
    with engine.connect() as connection:
        return {
            table.name: [
                dict(row._mapping)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def schema_revision(app: Flask) -> str:
    with app.extensions["adam.engine"].connect() as connection:
        return str(connection.scalar(sa.text("SELECT version_num FROM alembic_version")))


def upload_dir(app: Flask) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(app: Flask) -> dict[str, str]:
    """The blobs of the upload folder (not staging or set-aside files): name -> SHA-256."""
    root = upload_dir(app)
    return {
        path.name: sha256(path.read_bytes())
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] not in ("staging", "set-aside")
    }


def named_blobs(app: Flask) -> set[str]:
    names: set[str] = set()
    for document in rows(app)["project_document"]:
        names.add(document["sha256"])
        if document["thumbnail_sha256"]:
            names.add(document["thumbnail_sha256"])
    return names


def assert_every_row_has_its_file(app: Flask) -> None:
    """Each blob a document row names is in the upload folder, with the bytes of its hash,
    and nothing else is."""
    files = stored_files(app)
    assert set(files) == named_blobs(app)
    assert all(name == digest for name, digest in files.items())


@pytest.fixture()
def documented(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    """Three projects with documents: a PDF and a picture, another PDF, and the first PDF
    again (stored once)."""
    first, second, third = (
        register(),
        register(title="Port control units"),
        register(title="Precursor control in Central Asia"),
    )
    report = pdf_bytes(b"%" + b"r" * 50_000)
    documents = [
        upload(client, coordinator, first["id"], report, "report.pdf"),
        upload(client, coordinator, first["id"], picture("PNG"), "site.png"),
        upload(client, coordinator, second["id"], pdf_bytes(b"%second"), "second.pdf"),
        upload(client, coordinator, third["id"], report, "same-report.pdf"),
    ]
    return {
        "projects": [first, second, third],
        "documents": documents,
        "bytes": {d["id"]: content(client, coordinator, d) for d in documents},
    }


def test_restore_brings_back_exactly_the_backed_up_state(
    app: Flask,
    client: FlaskClient,
    coordinator: Account,
    register: Callable[..., dict[str, Any]],
    documented: dict[str, Any],
    tmp_path: Path,
    backend: str,
) -> None:
    before = rows(app)
    files_before = stored_files(app)
    assert all(before[name] for name in CHANGED_TABLES)
    backup = tmp_path / "backup"

    output = ok(app, "backup", str(backup))

    assert f"Backed up the {backend} database" in output
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["backend"] == backend
    assert manifest["alembic_revision"] == schema_revision(app)
    assert manifest["adam_version"] and manifest["created_at"]
    # The picture's thumbnail is a file too; the PDF stored twice is one file.
    assert {entry["sha256"] for entry in manifest["files"]} == set(files_before)
    assert len(manifest["files"]) == 4
    for entry in manifest["files"]:
        data = (backup / entry["path"]).read_bytes()
        assert sha256(data) == entry["sha256"] and len(data) == entry["size"]

    first, second, third = documented["projects"]
    added = register(title="Registered after the backup")
    edited = client.patch(
        f"/api/v1/projects/{first['id']}",
        json={"title": "Edited after the backup", "status": "closed"},
        headers={**coordinator.headers, "If-Match": first["_etag"]},
    )
    assert edited.status_code == 200, edited.json
    assert (
        client.delete(f"/api/v1/projects/{second['id']}", headers=coordinator.headers).status_code
        == 204
    )
    picture_document = documented["documents"][1]
    assert (
        client.delete(
            f"/api/v1/projects/{first['id']}/documents/{picture_document['id']}",
            headers=coordinator.headers,
        ).status_code
        == 204
    )
    late = upload(client, coordinator, third["id"], pdf_bytes(b"%late"), "late.pdf")
    changed = rows(app)
    assert all(changed[name] != before[name] for name in CHANGED_TABLES)

    output = ok(app, "restore", str(backup), "--yes")

    assert "Restored the backup" in output
    assert "Files the backup does not hold, moved to" in output
    assert rows(app) == before
    assert stored_files(app) == files_before
    assert_every_row_has_its_file(app)
    for document in documented["documents"]:
        assert content(client, coordinator, document) == documented["bytes"][document["id"]]
    # What came after the backup is gone from the service, its file kept aside.
    assert (
        client.get(f"/api/v1/projects/{added['id']}", headers=coordinator.headers).status_code
        == 404
    )
    assert client.get(late["content_url"], headers=coordinator.headers).status_code == 404
    aside = [p for p in (upload_dir(app) / "set-aside").rglob("*") if p.is_file()]
    assert [p.name for p in aside] == [late["sha256"]]
    # Ids go on from the restored state (PostgreSQL's sequences came back too).
    newer = register(title="Registered after the restore")
    assert newer["id"] == max(p["id"] for p in documented["projects"]) + 1
    again = upload(client, coordinator, newer["id"], pdf_bytes(b"%after"), "after.pdf")
    assert again["id"] == max(d["id"] for d in documented["documents"]) + 1


def test_backup_while_projects_are_registered_is_consistent(
    app: Flask,
    coordinator: Account,
    orgs: dict[str, str],
    tmp_path: Path,
) -> None:
    """Another thread registers projects with a document each (a picture every third time,
    so thumbnails too) while the backup runs: every document row in the backup has its file,
    byte for byte, and the backup holds no file that no row of it names."""
    stop = threading.Event()
    registered: list[int] = []
    failures: list[BaseException] = []

    def keep_registering() -> None:
        client = app.test_client()
        try:
            while not stop.is_set():
                n = len(registered)
                response = client.post(
                    "/api/v1/projects",
                    json=project_body(title=f"Concurrent project {n}"),
                    headers=coordinator.headers,
                )
                assert response.status_code == 201, response.json
                project_id = response.json["id"]
                if n % 3 == 2:
                    upload(
                        client, coordinator, project_id, picture("PNG", (64 + n, 48)), f"p{n}.png"
                    )
                else:
                    upload(
                        client,
                        coordinator,
                        project_id,
                        pdf_bytes(b"%" + str(n).encode()),
                        f"d{n}.pdf",
                    )
                registered.append(project_id)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 120
        while len(registered) < count and not failures:
            assert time.monotonic() < deadline, f"only {len(registered)} projects registered"
            time.sleep(0.01)

    writer = threading.Thread(target=keep_registering)
    writer.start()
    try:
        wait_for(5)
        at_start = len(registered)
        backups = []
        for n in range(3):
            backups.append(tmp_path / f"backup-{n}")
            ok(app, "backup", str(backups[-1]))
        at_end = len(registered)
        wait_for(at_end + 3)
    finally:
        stop.set()
        writer.join(timeout=120)
    assert not failures, failures
    assert not writer.is_alive()

    for backup in backups:
        manifest = json.loads((backup / "manifest.json").read_text())
        ok(app, "restore", str(backup), "--yes")
        restored = rows(app)
        projects = [row["id"] for row in restored["project"]]
        # Taken while the writer ran: at least what was there before, less than at the end.
        assert at_start <= len(projects) <= at_end + 1 < len(registered)
        # One writer: its projects' ids come in order, and the backup holds a first part.
        assert projects == registered[: len(projects)]
        assert_every_row_has_its_file(app)
        assert {entry["sha256"] for entry in manifest["files"]} == named_blobs(app)
        created = {
            row["project_id"] for row in restored["project_history"] if row["action"] == "create"
        }
        assert created == set(projects)


# Bad input: a clear one-line error, exit code != 0, and nothing changed.


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """A folder nobody may write to: by its mode, and for root (whom modes do not stop) by
    the immutable attribute."""
    folder.mkdir()
    folder.chmod(0o555)
    immutable = os.geteuid() == 0 and shutil.which("chattr") is not None
    if immutable:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    try:
        try:
            (folder / "probe").touch()
        except OSError:
            pass
        else:
            pytest.skip("cannot make a folder unwritable here")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def test_backup_refuses_a_folder_it_cannot_use(
    app: Flask, documented: dict[str, Any], tmp_path: Path
) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("keep me")
    assert "is not empty" in refused(app, "backup", str(full))
    assert [p.name for p in full.iterdir()] == ["notes.txt"]

    assert "does not exist" in refused(app, "backup", str(tmp_path / "missing" / "backup"))
    assert not (tmp_path / "missing").exists()

    (tmp_path / "a-file").write_text("")
    assert "is not a folder" in refused(app, "backup", str(tmp_path / "a-file"))

    locked = tmp_path / "locked"
    with unwritable(locked):
        assert "cannot be written" in refused(app, "backup", str(locked))
        assert "cannot be made" in refused(app, "backup", str(locked / "backup"))
    assert list(locked.iterdir()) == []


def test_backup_refuses_when_a_stored_file_is_missing_or_damaged(
    app: Flask, documented: dict[str, Any], tmp_path: Path
) -> None:
    document = documented["documents"][2]
    sha = document["sha256"]
    path = upload_dir(app) / sha[:2] / sha[2:4] / sha
    original = path.read_bytes()
    path.write_bytes(original + b"rot")
    assert "is damaged" in refused(app, "backup", str(tmp_path / "damaged"))
    assert not (tmp_path / "damaged").exists()

    path.unlink()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "is missing" in refused(app, "backup", str(empty))
    assert list(empty.iterdir()) == []


def test_backup_of_postgresql_without_pg_dump_says_so(
    app: Flask, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("pg_dump is for PostgreSQL")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    message = refused(app, "backup", str(tmp_path / "backup"))
    assert "pg_dump is not installed" in message
    assert not (tmp_path / "backup").exists()


def test_backup_of_an_in_memory_database_is_refused(tmp_path: Path, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite only")
    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", "UPLOAD_DIR": str(tmp_path)})
    assert "in-memory SQLite database" in refused(app, "backup", str(tmp_path / "backup"))
    assert not (tmp_path / "backup").exists()


@pytest.fixture()
def backed_up(app: Flask, documented: dict[str, Any], tmp_path: Path, register: Any) -> Path:
    """A backup, then a change (so a wrong restore would show)."""
    backup = tmp_path / "backup"
    ok(app, "backup", str(backup))
    register(title="After the backup")
    return backup


def _edit_manifest(backup: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = backup / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _stored_file(backup: Path) -> Path:
    entry = json.loads((backup / "manifest.json").read_text())["files"][0]
    return backup / entry["path"]


def _database_file(backup: Path) -> Path:
    return backup / json.loads((backup / "manifest.json").read_text())["database"]["path"]


BAD_BACKUPS: list[tuple[str, Callable[[Path], None], str]] = [
    ("a stored file damaged", lambda b: _flip_a_byte(_stored_file(b)), "does not verify"),
    ("a stored file missing", lambda b: _stored_file(b).unlink(), "is missing"),
    ("a stored file cut short", lambda b: _stored_file(b).write_bytes(b"%PDF"), "has 4 bytes"),
    ("the database damaged", lambda b: _flip_a_byte(_database_file(b)), "does not verify"),
    ("no manifest", lambda b: (b / "manifest.json").unlink(), "holds no manifest.json"),
    ("a manifest that is not JSON", lambda b: (b / "manifest.json").write_text("{"), "as JSON"),
    (
        "a manifest pointing outside the backup",
        lambda b: _edit_manifest(b, lambda m: m["files"][0].update(path="../../etc/passwd")),
        "not an ADAM backup manifest",
    ),
    (
        "a newer schema",
        lambda b: _edit_manifest(b, lambda m: m.update(alembic_revision="ffffffffffff")),
        "made by a newer ADAM",
    ),
]


@pytest.mark.parametrize(
    ("damage", "message"), [case[1:] for case in BAD_BACKUPS], ids=[c[0] for c in BAD_BACKUPS]
)
def test_restore_refuses_a_backup_that_does_not_verify(
    app: Flask, backed_up: Path, damage: Callable[[Path], None], message: str
) -> None:
    before, files = rows(app), stored_files(app)
    damage(backed_up)
    assert message in refused(app, "restore", str(backed_up), "--yes")
    assert rows(app) == before
    assert stored_files(app) == files


def test_restore_refuses_a_backup_of_the_other_backend(
    app: Flask, backed_up: Path, backend: str
) -> None:
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[backend]
    database = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[other]
    _edit_manifest(
        backed_up, lambda m: m.update(backend=other, database={**m["database"], "path": database})
    )
    before = rows(app)
    assert f"is of a {other} database" in refused(app, "restore", str(backed_up), "--yes")
    assert rows(app) == before


def test_restore_refuses_a_missing_folder(app: Flask, tmp_path: Path) -> None:
    assert "does not exist" in refused(app, "restore", str(tmp_path / "nowhere"), "--yes")


def test_restore_asks_first_and_a_no_changes_nothing(app: Flask, backed_up: Path) -> None:
    before, files = rows(app), stored_files(app)
    result = cli(app, "restore", str(backed_up), input="n\n")
    assert result.exit_code != 0
    assert "Replace the" in result.output and "Aborted" in result.output
    assert rows(app) == before
    assert stored_files(app) == files


def test_a_backup_of_an_older_schema_is_restored_and_then_upgraded(
    app: Flask, backend: str, tmp_path: Path
) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from adam.cli import alembic_config
    from tests.conftest import _drop_postgres_database, _postgres_database

    script = ScriptDirectory.from_config(alembic_config(app.config["DATABASE_URL"]))
    head = script.get_current_head()
    assert head is not None
    older = script.get_revision(head).down_revision
    assert isinstance(older, str)
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}" if backend == "sqlite" else _postgres_database()
    try:
        command.upgrade(alembic_config(url), older)
        old = create_app(
            {"ENV": "testing", "DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "old-uploads")}
        )
        ok(old, "backup", str(tmp_path / "old"))
        old.extensions["adam.engine"].dispose()
    finally:
        if backend == "postgresql":
            _drop_postgres_database(url)

    output = ok(app, "restore", str(tmp_path / "old"), "--yes")

    assert f"at schema {older}, older than this code's {head}: run `adam db upgrade`" in output
    assert schema_revision(app) == older
    ok(app, "db", "upgrade")
    assert schema_revision(app) == head


def test_restore_into_an_upload_folder_it_cannot_write_leaves_the_database(
    app: Flask, backed_up: Path
) -> None:
    before = rows(app)
    root = upload_dir(app)
    shutil.rmtree(root)
    with unwritable(root):
        message = refused(app, "restore", str(backed_up), "--yes")
    assert "could not be restored" in message and "the database was not touched" in message
    assert rows(app) == before


def test_restore_leaves_what_is_not_a_stored_file_where_it_is(app: Flask, backed_up: Path) -> None:
    """An operator may keep the database or backups in the upload folder: restore sets aside
    only stray stored files, never a file of another shape."""
    beside = upload_dir(app) / "adam.sqlite3"
    beside.write_bytes(b"not a blob")
    kept_backup = upload_dir(app) / "backups" / "manifest.json"
    kept_backup.parent.mkdir()
    kept_backup.write_text("{}")
    result = cli(app, "restore", str(backed_up), "--yes")
    assert result.exit_code == 0, result.output
    assert beside.read_bytes() == b"not a blob"
    assert kept_backup.read_text() == "{}"
