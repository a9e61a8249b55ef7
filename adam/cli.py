"""The ``adam`` command: a FlaskGroup, so every ``flask`` command works too."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from adam import serving
from adam.app import create_app
from adam.auth import service as auth_service
from adam.auth.models import Role
from adam.errors import AdamError, error_text
from adam.session import get_engine, get_settings, new_session

if TYPE_CHECKING:  # alembic loads only for the db commands
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """ADAM: coordination of counter-narcotics technical assistance."""


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.option(
    "--no-reindex",
    is_flag=True,
    help="Leave projects the duplicate matcher has not indexed (a bulk loader indexes them).",
)
@with_appcontext
def db_upgrade(revision: str, no_reindex: bool) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"Database at {revision}.")
    if revision == "head":
        _encrypt_clear_secrets()
    if revision == "head" and not no_reindex:
        from adam.duplicates.service import reindex_missing

        with new_session() as session:
            indexed = reindex_missing(session)
            session.commit()
        if indexed:
            click.echo(f"Duplicate matcher: indexed {indexed} projects stored before it.")


def _encrypt_clear_secrets(app: Flask | None = None) -> int:
    """Seal webhook secrets stored in clear by a release before they were encrypted: the
    migration that made room for them cannot (it knows no key), so upgrade and worker do."""
    from adam.notifications import service as notification_service

    with new_session(app) as session:
        sealed = notification_service.encrypt_secrets(session)
        session.commit()
    if sealed:
        click.echo(f"Webhooks: encrypted {sealed} secrets stored in clear.", err=True)
    return sealed


@db.command("refresh-facts")
@with_appcontext
def db_refresh_facts() -> None:
    """Rewrite project_fact and project_cell_fact (what the statistics and the gap view
    group) from the projects, and say whether they had drifted: after a bulk load that
    bypassed the service, or to check."""
    from sqlalchemy import select

    from adam.projects.facts import rebuild_facts
    from adam.projects.models import project_cell_fact, project_fact

    tables = (project_fact, project_cell_fact)
    with new_session() as session:
        before = [{tuple(row) for row in session.execute(select(t))} for t in tables]
        rebuild_facts(session)
        after = [{tuple(row) for row in session.execute(select(t))} for t in tables]
        session.commit()
    for table, old, new in zip(tables, before, after, strict=True):
        drift = len(old ^ new)
        said = f"{drift} rows differed and were rewritten." if drift else "it matched the projects."
        click.echo(f"{table.name}: {len(new)} rows; {said}")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (e.g. base)."""
    from alembic import command

    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (read and edit it before committing)."""
    from alembic import command

    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True
    )


@main.command("seed")
@click.option("--demo", is_flag=True, help="Also load the illustrative demo projects.")
@with_appcontext
def seed(demo: bool) -> None:
    """Load reference data (countries, themes); safe to repeat.

    With --demo (never in production) also the demo projects and one person of each role.
    """
    from adam.demo.indicators import load_demo_indicators
    from adam.demo.load import DEMO_PASSWORD, demo_accounts, load_demo
    from adam.demo.needs import load_demo_needs
    from adam.demo.pact import load_demo_pact
    from adam.reference.seed import seed_reference_data

    if demo and current_app.config["ENV"] == "production":
        raise click.ClickException(
            "--demo is refused in production (ADAM_ENV=production): it would add accounts "
            "with a published password. Run `adam seed` without --demo."
        )
    with new_session() as session:
        report = seed_reference_data(session)
        click.echo(
            f"Countries: {report.countries_added} added, {report.countries_updated} updated; "
            f"themes: {report.themes_added} added, {report.themes_updated} updated."
        )
        if demo:
            demo_report = load_demo(session, settings=get_settings().matcher)
            if demo_report.skipped:
                click.echo("Demo data: projects exist already, nothing loaded.")
            else:
                click.echo(
                    f"Demo data: {demo_report.organizations} organizations, "
                    f"{demo_report.projects} projects."
                )
            pact = load_demo_pact(session)
            click.echo(
                "Demo Paris Pact: events exist already, nothing loaded."
                if pact.skipped
                else f"Demo Paris Pact: {pact.events} events, {pact.public_recommendations} "
                f"recommended actions from the public record, "
                f"{pact.illustrative_recommendations} illustrative recommendations."
            )
            added_needs = load_demo_needs(session, get_settings().coverage)
            click.echo(
                f"Demo needs: {added_needs} illustrative needs added."
                if added_needs
                else "Demo needs: illustrative needs exist already, nothing loaded."
            )
            figures = load_demo_indicators(session)
            click.echo(f"Demo indicators: {figures} illustrative figures added.")
            accounts = demo_accounts(session)
        session.commit()
    if demo:
        added = sum(account.created for account in accounts)
        click.echo(
            f"Demo accounts: {added} added. Sign in at /sign-in of the address `adam serve` "
            "prints, as"
        )
        for account in accounts:
            click.echo(f"  {account.email:<32} ({account.role.value})")
        click.echo(f"with the password {DEMO_PASSWORD}")


@main.group()
def duplicates() -> None:
    """The duplicate matcher: evaluate it, scan stored projects, rebuild its index."""


@duplicates.command("evaluate")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--threshold", type=float, help="Alert threshold to report (default: configured).")
@click.option("--folds", default=5, show_default=True)
@click.option("--fit", is_flag=True, help="Also print weights fitted on all pairs.")
def duplicates_evaluate(path: str, threshold: float | None, folds: int, fit: bool) -> None:
    """Precision, recall, F1 and the PR curve on labelled IATI pairs in PATH (cross-validated)."""
    from adam.matching.evaluate import main as evaluate

    argv = [path, "--folds", str(folds)]
    if threshold is not None:
        argv += ["--threshold", str(threshold)]
    if fit:
        argv.append("--fit")
    raise SystemExit(evaluate(argv))


@duplicates.command("scan")
@click.option("--country", help="ISO alpha-2: scan one country only.")
@with_appcontext
def duplicates_scan(country: str | None) -> None:
    """Find likely duplicates among stored projects and raise alerts for new pairs."""
    from adam.duplicates.service import scan, scan_total

    with new_session() as session:
        total = scan_total(session, country)
        with click.progressbar(length=total, label="Scanning", file=sys.stderr) as bar:
            report = scan(
                session, settings=get_settings().matcher, country=country, advance=bar.update
            )
        session.commit()
    click.echo(
        f"Scanned {report.projects} project-country entries ({report.indexed} newly indexed), "
        f"scored {report.pairs_scored} pairs, raised {report.alerts_raised} new alerts."
    )


@duplicates.command("reindex")
@with_appcontext
def duplicates_reindex() -> None:
    """Index projects missing from the matcher's index and refresh word statistics."""
    from adam.duplicates.service import refresh_term_stats, reindex_missing

    with new_session() as session:
        indexed = reindex_missing(session)
        counted = refresh_term_stats(session)
        session.commit()
    click.echo(f"Indexed {indexed} projects; word statistics over {counted} projects.")


@main.group("import")
def import_group() -> None:
    """Import projects from other systems' files."""


@import_group.command("iati")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--publisher-org",
    help="Organization code: the donor of activities that name no funding organisation.",
)
@click.option(
    "--default-theme", help="Theme slug for activities whose sectors map to no ADAM theme."
)
@with_appcontext
def import_iati(
    files: tuple[str, ...], publisher_org: str | None, default_theme: str | None
) -> None:
    """Import IATI 2.03 activity FILES (as a coordinator); prints what became of each activity.

    Every file is checked whole first: if one is malformed, nothing is imported.
    """
    from adam.iati import background, report, runner
    from adam.iati import service as import_service

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = background.import_settings(app)
    jobs: list[tuple[int, str, int]] = []
    with new_session() as session:
        actor = import_service.system_actor(session)
        for path in files:
            try:
                job = import_service.create_job(
                    session,
                    actor=actor,
                    filename=Path(path).name,
                    content=Path(path).read_bytes(),
                    settings=settings,
                    publisher_org=publisher_org,
                    default_theme=default_theme,
                    system=True,
                )
            except AdamError as error:
                raise click.ClickException(f"{path}: {report.error_text(error)}") from error
            token = import_service.claim_job(session, job.id, lease_seconds=settings.lease_seconds)
            assert token is not None  # made in this transaction: nobody else can see it
            jobs.append((job.id, token, job.total))
        session.commit()
    waiting = _WaitingJobs(
        app, {job_id: token for job_id, token, _ in jobs}, settings.lease_seconds
    )
    for (job_id, token, total), path in zip(jobs, files, strict=True):
        waiting.start(job_id)
        with click.progressbar(length=total, label=Path(path).name, file=sys.stderr) as bar:

            def progress(done: int, bar: Any = bar) -> None:
                bar.update(done)
                waiting.keep()

            def checking(projects: int, bar: Any = bar, name: str = Path(path).name) -> None:
                # A bulk import has saved its activities: the bar goes on with the duplicates.
                bar.label = f"{name}: duplicates"
                bar.length, bar.pos = projects, 0
                bar.render_progress()
                waiting.keep()

            finished = runner.run_job(
                lambda: new_session(app),
                job_id,
                token=token,
                settings=settings,
                matcher=get_settings(app).matcher,
                progress=progress,
                checking=checking,
            )
        if finished is None:
            raise click.ClickException(f"{path}: import job {job_id} was taken over.")
        click.echo(report.summary_text(finished))
        if finished.status != "done":
            raise click.ClickException(f"{path}: import job {job_id} failed: {finished.error}")


class _WaitingJobs:
    """The jobs ``adam import iati`` claimed and has not run yet, with their leases kept.

    All are claimed in the transaction that creates them, so no worker sees one queued; they
    run one after another, and a lease would run out while the files before it import: a
    worker would then take that job over and the command stop on "taken over". ``keep``
    renews the waiting leases once a third of a lease has gone by since the last renewal.
    """

    def __init__(self, app: Flask, claims: dict[int, str], lease_seconds: float) -> None:
        from adam.iati import service as import_service

        self._service = import_service
        self._app = app
        self._claims = claims
        self._lease_seconds = lease_seconds
        # The lease clock is the import service's, which compares and sets the leases.
        self._renewed_at = import_service.utcnow()

    def start(self, job_id: int) -> None:
        """``job_id`` runs now: its own run renews its lease from here on."""
        del self._claims[job_id]

    def keep(self) -> None:
        now = self._service.utcnow()
        since = (now - self._renewed_at).total_seconds()
        if not self._claims or since < self._lease_seconds / 3:
            return
        with new_session(self._app) as session:
            self._service.renew_leases(session, self._claims, lease_seconds=self._lease_seconds)
            session.commit()
        self._renewed_at = now


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="")
@click.option("--country", help="ISO alpha-2 code: the focal point's country.")
@click.option("--org", "organization", help="Organization code: a donor's or focal point's.")
@click.option(
    "--password",
    envvar="ADAM_NEW_USER_PASSWORD",
    help="Lets the user get tokens with HTTP Basic (or set ADAM_NEW_USER_PASSWORD).",
)
@with_appcontext
def users_create(
    email: str,
    role: str,
    name: str,
    country: str | None,
    organization: str | None,
    password: str | None,
) -> None:
    """Create a user and print an API token for them (shown once)."""
    with new_session() as session:
        try:
            user = auth_service.create_user(
                session,
                email=email,
                role=Role(role),
                name=name,
                password=password,
                country=country,
                organization=organization,
            )
            issued = auth_service.issue_token(session, user, ttl_days=get_settings().token_ttl_days)
        except AdamError as error:
            raise click.ClickException(error_text(error)) from error
        session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}). API token (shown once):")
    click.echo(issued.token)


# How often ``adam worker`` looks whether the matcher's word-count snapshot is stale.
WORD_COUNT_CHECK_SECONDS = 60.0


# Expired Idempotency-Key answers are only dead weight (a lookup skips them): hourly is enough.
@main.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between passes (default: WORKER_POLL_SECONDS).",
)
@with_appcontext
def worker(once: bool, poll_interval: float | None) -> None:
    """Deliver queued notifications (e-mail, webhooks); several workers may run at once."""
    import signal
    import threading

    from adam.notifications import worker as notification_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = get_settings(app).notifications
    interval = poll_interval or get_settings(app).worker_poll_seconds
    stop = threading.Event()
    if not once and threading.current_thread() is threading.main_thread():
        # Finish the delivery in hand, then stop: nothing is left half-recorded.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    if not settings.email_enabled:
        click.echo("SMTP_HOST is not set: e-mail is off, webhooks only.", err=True)

    from adam.gaps.alerts import alert_unassisted
    from adam.iati.background import run_queued as run_imports
    from adam.retention import purge

    def refresh_word_counts() -> None:
        from adam.duplicates.service import refresh_if_stale

        with new_session(app) as session:
            refresh_if_stale(session)

    report = notification_worker.run(
        lambda: new_session(app),
        settings,
        poll_interval=interval,
        once=once,
        stop=stop,
        # The matcher's word counts, once the index has grown by a tenth (see terms.py).
        # IATI import jobs queued, or left by a web process that died (iati/runner.py).
        chores=[
            (WORD_COUNT_CHECK_SECONDS, refresh_word_counts),
            (interval, lambda: run_imports(app)),
            # Chores run before the first pass: secrets left in clear by a release before (or
            # by its web processes, during an upgrade) are sealed before anything is sent.
            (get_settings(app).retention.every_seconds, lambda: _encrypt_clear_secrets(app)),
            # Finished deliveries and import jobs past their retention (adam/retention.py).
            (
                get_settings(app).retention.every_seconds,
                lambda: purge(lambda: new_session(app), get_settings(app).retention),
            ),
            # High-priority needs left without an active project (adam/gaps/alerts.py).
            (
                get_settings(app).gaps.alert_every_seconds,
                lambda: alert_unassisted(lambda: new_session(app), get_settings(app).gaps),
            ),
        ],
    )
    click.echo(
        f"Delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}, "
        f"cancelled {report.cancelled}."
    )


@main.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete finished deliveries and import jobs past their retention now (as adam worker
    does every PURGE_EVERY_SECONDS)."""
    from adam.retention import purge

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(str(purge(lambda: new_session(app), get_settings(app).retention)))


@main.group()
def webhooks() -> None:
    """Webhook subscriptions."""


@webhooks.command("encrypt-secrets")
@click.option(
    "--decrypt",
    is_flag=True,
    help="Write the secrets back in clear instead: only before `adam db downgrade` to a "
    "release that stored them so.",
)
@with_appcontext
def webhooks_encrypt_secrets(decrypt: bool) -> None:
    """Seal every webhook secret under WEBHOOK_SECRET_KEY: those in clear, and those sealed
    under a key of WEBHOOK_SECRET_OLD_KEYS (after a rotation; the old keys can go then)."""
    from adam.notifications import service as notification_service
    from adam.notifications.sealing import SecretUnavailable

    with new_session() as session:
        try:
            if decrypt:
                count = notification_service.decrypt_secrets(session)
            else:
                count = notification_service.encrypt_secrets(session, rekey=True)
        except SecretUnavailable as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(f"Webhooks: {count} secrets {'decrypted' if decrypt else 're-encrypted'}.")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=2, type=int)
@click.option("--threads", default=4, type=int, help="Threads per worker.")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the API and the portal with gunicorn."""
    click.echo(
        f"The portal: http://{host}:{port}/sign-in · the API: http://{host}:{port}/api/v1/docs"
    )
    argv = serving.gunicorn_argv(host, port, workers, threads)
    os.execv(argv[0], argv)


@main.command("backup")
@click.argument("directory", type=click.Path(path_type=Path))
@with_appcontext
def backup(directory: Path) -> None:
    """Back up the database and the uploaded files into DIRECTORY (new or empty), while the
    service runs."""
    from adam.backup.errors import BackupError
    from adam.backup.service import create_backup

    settings = get_settings()
    try:
        made = create_backup(
            database_url=settings.database_url,
            upload_dir=settings.upload_dir,
            directory=directory,
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    size = made.database.size + sum(entry.size for entry in made.files)
    click.echo(
        f"Backed up the {made.backend} database (schema {made.alembic_revision}) and "
        f"{len(made.files)} stored files, {size} bytes in all, to {directory}."
    )


@main.command("restore")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
@with_appcontext
def restore(directory: Path, yes: bool) -> None:
    """Replace the database and the uploaded files with the backup in DIRECTORY.

    The backup is verified first; stop the service and the workers before restoring.
    """
    from adam.backup.errors import BackupError
    from adam.backup.service import open_backup, restore_backup

    settings = get_settings()
    try:
        verified = open_backup(directory, database_url=settings.database_url)
        found = verified.manifest
        if not yes:
            click.confirm(
                f"Replace the {found.backend} database and the files in {settings.upload_dir} "
                f"with the backup of {found.created_at} ({len(found.files)} stored files)?",
                abort=True,
            )
        # The app's pooled connections would outlive the tables they were opened on.
        get_engine().dispose()
        done = restore_backup(
            verified, database_url=settings.database_url, upload_dir=settings.upload_dir
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored the backup of {found.created_at}: the database, and {len(found.files)} "
        f"stored files ({done.files_copied} copied, {done.files_in_place} in place already)."
    )
    if done.set_aside_to is not None:
        click.echo(
            f"Files the backup does not hold, moved to {done.set_aside_to}: {done.set_aside}."
        )
    if verified.needs_upgrade:
        click.echo(
            f"The database is at schema {found.alembic_revision}, older than this code's "
            f"{verified.head}: run `adam db upgrade`."
        )
    click.echo("Restart the service and the workers, so they forget what they had cached.")
