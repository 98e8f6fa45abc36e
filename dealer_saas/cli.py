"""Flask CLI commands: demo data, the one-command demo, platform admin creation."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from . import tenancy
from .dbsetup import setup_database
from .extensions import db

__all__ = ["init_app", "setup_database"]


def _print_logins() -> None:
    from .demo import DEMO_PASSWORD, demo_logins

    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, description in demo_logins():
        click.echo(f"  {username:<18} {description}")


def init_app(app: Flask) -> None:
    # Imported here, not at module import: the benchmark package is only needed by the CLI
    # (and it imports nothing of this module).
    from .bench import bench

    app.cli.add_command(bench)

    @app.cli.command("demo-data")
    def demo_data() -> None:
        """Create the demo dealer groups, stores, staff and customers (idempotent)."""
        from . import demo

        demo.run()
        db.session.commit()
        click.echo("Demo data is in place.")
        _print_logins()

    @app.cli.command("demo")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    @click.option(
        "--scheduler/--no-scheduler",
        default=True,
        show_default=True,
        help="Run the periodic jobs (call-backs, surveys, reminders, alerts ...) in this process.",
    )
    def demo_command(host: str, port: int, scheduler: bool) -> None:
        """Set up the database, load demo data and serve the app: the newcomer's command."""
        from . import demo
        from .jobs.embedded import start_scheduler_thread
        from .jobs.queue import is_embedded

        setup_database()
        demo.run()
        db.session.commit()
        db.session.remove()
        _print_logins()
        app = current_app._get_current_object()
        where = "in this process" if is_embedded(app) else "on the RQ workers (REDIS_URL)"
        if scheduler:
            start_scheduler_thread(app)
            jobs = f"Periodic jobs are enqueued every minute and run {where}."
        else:
            jobs = "No scheduler here (--no-scheduler): run `flask --app wsgi scheduler` for the periodic jobs."
        click.echo(f"\nOpen http://{host}:{port}/ in a browser. {jobs}\n")
        # app.run() is a no-op inside the flask command, so serve with werkzeug directly.
        from werkzeug.serving import run_simple

        run_simple(host, port, app, use_reloader=False, threaded=True)

    @app.cli.command("setup-db")
    def setup_db() -> None:
        """Create or upgrade the schema (same as `flask db upgrade` once migrations exist)."""
        setup_database()
        click.echo("Database is up to date.")

    @app.cli.command("rotate-encryption-key")
    @click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1))
    @click.option(
        "--legacy-secret-key",
        is_flag=True,
        help="Also decrypt with the key older versions derived from SECRET_KEY (when FIELD_ENCRYPTION_KEY was unset).",
    )
    def rotate_encryption_key(batch_size: int, legacy_secret_key: bool) -> None:
        """Re-encrypt every encrypted column value under the newest FIELD_ENCRYPTION_KEY key
        (the first one). Idempotent; run it after putting a new key first, before removing old ones."""
        from . import crypto

        extra = (crypto.legacy_key_from_secret(current_app.config["SECRET_KEY"]),) if legacy_secret_key else ()
        with tenancy.system():
            report = crypto.rotate(db.session, db.metadata, batch_size=batch_size, extra_keys=extra)
        failed = 0
        for name, stats in report.items():
            click.echo(f"{name}: {stats['rotated']} re-encrypted, {stats['current']} already under the newest key")
            if stats["failed"]:
                failed += len(stats["failed"])
                shown = ", ".join(str(i) for i in stats["failed"][:20])
                click.echo(f"  {len(stats['failed'])} cannot be decrypted with any key (ids {shown})", err=True)
        if failed:
            raise click.ClickException(f"{failed} value(s) could not be decrypted; they were left unchanged")

    @app.cli.command("create-platform-admin")
    @click.argument("username")
    @click.password_option()
    def create_platform_admin(username: str, password: str) -> None:
        """Create a platform admin (production set-up)."""
        from .auth.services import check_password_rules, hash_password
        from .permissions import ensure_builtin_roles
        from .tenancy import User

        check_password_rules(password)
        ensure_builtin_roles()
        if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise click.ClickException(f"user {username} exists")
        db.session.add(
            User(username=username, name=username, password_hash=hash_password(password), is_platform_admin=True)
        )
        db.session.commit()
        click.echo(f"Platform admin {username} created.")
