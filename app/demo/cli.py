"""Developer commands: `flask demo seed` and `flask dev` (migrate, seed, serve with jobs)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed_command():
    """Create the demo agencies, staff, clients and client users (safe to run again)."""
    from app.demo import seed as demo

    summary = demo.seed()
    for line in summary:
        click.echo(line)


@click.command("dev")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-seed", is_flag=True, help="Do not create the demo data.")
@with_appcontext
def dev_command(host, port, no_seed):
    """Upgrade the database, seed the demo, and serve the app with its jobs on one machine."""
    from flask_migrate import upgrade

    from app.core import jobs
    from app.demo import seed as demo

    app = current_app._get_current_object()
    upgrade()
    if not no_seed:
        for line in demo.seed():
            click.echo(line)
    if app.config["JOBS_IN_PROCESS"]:
        jobs.start_periodic_thread(app)
        click.echo("Jobs run in this process (no REDIS_URL); periodic jobs on a background thread.")
    click.echo(f"Backline is at http://{host}:{port}/  (sign-ins are listed in README.md)")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)
