"""PostgreSQL: ``pg_dump -Fc`` of one exported snapshot; restore with ``pg_restore`` and
``psql`` in a single transaction.

The backup opens a REPEATABLE READ transaction, exports its snapshot and reads the schema
revision and the blobs in it; ``pg_dump --snapshot`` then dumps that same snapshot, so the
list of files and the dump agree exactly, whatever commits meanwhile.

The restore drops the ``public`` schema and loads the dump into a new one, all inside one
transaction: any failure leaves the database as it was, and tables that a newer migration
added do not survive the restore of an older backup.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from adam.backup.errors import BackupError
from adam.backup.snapshot import BLOBS_SQL, REVISION_SQL, Snapshot
from adam.db import make_engine

# A transaction of the running service holding a table makes the restore wait this long
# for it, then give up without having changed anything.
LOCK_WAIT_SECONDS = 10
PREAMBLE = (
    f"SET lock_timeout = '{LOCK_WAIT_SECONDS}s'; "
    "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed (not found on PATH): install the PostgreSQL client "
            "programs, of the server's major version or newer."
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it, and an environment carrying the password (never argv,
    which other users of the machine can read)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _first_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if "ERROR" in line or "error" in line:
            return line
    return lines[0] if lines else "no message"


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", "replace")


def dump(url: str, target: Path) -> Snapshot:
    """Dump the database at ``url`` into the new file ``target`` (custom format).

    :raises BackupError: pg_dump missing or failing, or the database unreachable.
    """
    pg_dump = _program("pg_dump")
    dsn, env = _libpq(url)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                exported = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
                snapshot = _read_snapshot(connection)
                done = subprocess.run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={exported}",
                        f"--file={target}",
                        f"--dbname={dsn}",
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise BackupError(f"pg_dump failed: {_first_error(done.stderr)}")
    except sa.exc.DBAPIError as error:
        raise BackupError(f"The database cannot be read: {_first_error(str(error.orig))}") from None
    finally:
        engine.dispose()
    return snapshot


def _read_snapshot(connection: sa.Connection) -> Snapshot:
    def exists(table: str) -> bool:
        return connection.scalar(sa.text(f"SELECT to_regclass('public.{table}')")) is not None

    revision = connection.scalar(sa.text(REVISION_SQL)) if exists("alembic_version") else None
    if revision is None:
        raise BackupError("The database has no schema revision: run `adam db upgrade` first.")
    blobs = (
        frozenset(connection.scalars(sa.text(BLOBS_SQL)))
        if exists("project_document")
        else frozenset()
    )
    return Snapshot(revision=str(revision), blobs=blobs)


def load(url: str, source: Path) -> None:
    """Replace the ``public`` schema of the database at ``url`` with the dump ``source``.

    :raises BackupError: a program missing or failing, or the database in use for longer
        than ``LOCK_WAIT_SECONDS`` (nothing was changed).
    """
    pg_restore, psql = _program("pg_restore"), _program("psql")
    dsn, env = _libpq(url)
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        # pg_restore turns the dump into SQL, which psql runs inside the transaction opened
        # here. COMMIT is sent only once pg_restore has finished well: a dump that fails
        # half-way must not leave its first half committed over a dropped schema.
        loader = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", f"--dbname={dsn}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        script = subprocess.Popen(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--file=-",
                str(source),
            ],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=env,
        )
        assert loader.stdin is not None and script.stdout is not None
        try:
            loader.stdin.write(f"BEGIN;\n{PREAMBLE}\n".encode())
            shutil.copyfileobj(script.stdout, loader.stdin)
            dumped = script.wait() == 0
            loader.stdin.write(b"COMMIT;\n" if dumped else b"ROLLBACK;\n")
            loader.stdin.close()
        except BrokenPipeError:  # psql stopped at an error; its message says which
            pass
        finally:
            script.stdout.close()
            if script.poll() is None:
                script.kill()
            script.wait()
            if not loader.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    loader.stdin.close()
            loader.wait()
        if loader.returncode != 0:
            message = _first_error(_read(psql_errors))
            if "lock timeout" in message:
                raise BackupError(
                    f"The database stayed in use for {LOCK_WAIT_SECONDS} s; stop the service "
                    "and the workers, then restore again (nothing was changed)."
                )
            raise BackupError(f"psql failed: {message} (nothing was changed).")
        if script.returncode != 0:
            raise BackupError(
                f"pg_restore failed: {_first_error(_read(restore_errors))} (nothing was changed)."
            )
