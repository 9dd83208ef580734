"""The application factory: configuration, extensions, tenancy, blueprints, errors and CLI."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from app import config as config_module
from app.extensions import api, csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR))
    app.config.from_mapping(config_module.from_environ())
    if config:
        app.config.update(config)
    register_logging(app)
    register_extensions(app)
    register_models()
    register_tenancy(app)
    register_blueprints(app)
    register_suppliers(app)
    register_followers(app)
    register_errors(app)
    register_http_security(app)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register_extensions(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    db.init_app(app)
    if uri.startswith("sqlite"):
        from app.core import sqlite

        sqlite.install(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    from flask_bootstrap import Bootstrap5

    Bootstrap5(app)
    from app.core import jobs, uow

    jobs.init_app(app)
    uow.init_app(app)


def register_models() -> None:
    """Import every capability's models, so the metadata (and Alembic) sees all tables."""
    import app.accounts.models  # noqa: F401
    import app.catalog.models  # noqa: F401
    import app.clients.models  # noqa: F401
    import app.core.audit  # noqa: F401
    import app.core.idempotency  # noqa: F401
    import app.core.outbox  # noqa: F401
    import app.notifications.models  # noqa: F401
    import app.sla.models  # noqa: F401
    import app.work.models  # noqa: F401


def register_tenancy(app: Flask) -> None:
    import tenants
    from app.accounts import auth

    tenants.init_app(app)
    auth.init_app(app)
    register_localtime(app)


def register_localtime(app: Flask) -> None:
    """Flask-Babel and the display filters, asking the accounts package whose zone and locale to use."""
    from app.accounts.localtime import current_viewer, tenant_zone
    from app.core import localtime

    localtime.init_app(app, current_viewer)
    app.add_template_global(lambda: tenant_zone().key, "agency_zone_name")


def register_blueprints(app: Flask) -> None:
    from app.accounts.api import blp as accounts_api
    from app.accounts.auth import rate_limit_key
    from app.accounts.views import account, admin, branding, signin
    from app.accounts.views.blueprint import bp as accounts_views
    from app.catalog.api import blp as catalog_api
    from app.catalog.views import bp as catalog_views
    from app.clients.api import blp as clients_api
    from app.clients.views import bp as clients_views
    from app.core import apidocs, idempotency, pages
    from app.core.routes import attach_routes
    from app.core.views import bp as core_views
    from app.dashboard.views import bp as dashboard_views
    from app.notifications.api import blp as notifications_api
    from app.notifications.views.notifications import bp as notifications_views
    from app.notifications.views.unsubscribe import bp as unsubscribe_views
    from app.portal.api.approvals import blp as portal_approvals_api
    from app.portal.api.requests import blp as portal_api
    from app.portal.views import approvals as portal_approvals
    from app.portal.views.people import bp as people_views
    from app.portal.views.requests import bp as portal_views
    from app.sla.api.reports import blp as sla_reports_api
    from app.sla.api.settings import blp as sla_settings_api
    from app.sla.views import reports as sla_reports
    from app.sla.views import settings as sla_settings
    from app.sla.views.blueprint import bp as sla_views
    from app.work.api.approvals import blp as task_approvals_api
    from app.work.api.documents import blp as documents_api
    from app.work.api.lists import blp as work_api
    from app.work.api.queues import blp as queues_api
    from app.work.api.schedules import blp as schedules_api
    from app.work.api.tasks import blp as tasks_api
    from app.work.api.time import blp as time_api
    from app.work.views import task_approvals, task_documents, task_parts, tasks
    from app.work.views.lists import bp as work_views
    from app.work.views.queues import bp as queue_views
    from app.work.views.schedules import bp as schedule_views
    from app.work.views.task_blueprint import bp as task_views
    from app.work.views.time import bp as time_views

    pages.init_app(app)
    # Blueprints whose pages are spread over modules: each module declares its routes, added here in this order.
    attach_routes(accounts_views, account.routes, admin.routes, branding.routes, signin.routes)
    attach_routes(task_views, task_approvals.routes, task_documents.routes, task_parts.routes, tasks.routes)
    attach_routes(sla_views, sla_reports.routes, sla_settings.routes)
    attach_routes(portal_views, portal_approvals.routes)
    for blueprint in (
        core_views,
        dashboard_views,
        accounts_views,
        clients_views,
        notifications_views,
        catalog_views,
        task_views,
        time_views,
        schedule_views,
        work_views,
        queue_views,
        sla_views,
        portal_views,
        people_views,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(unsubscribe_views)
    csrf.exempt(unsubscribe_views)  # mail clients POST the one-click link with no session: the signed token is the credential
    # One budget per caller across the whole API (a shared scope), not one per endpoint.
    api_limit = limiter.shared_limit(lambda: app.config["API_RATE_LIMIT"], scope="api", key_func=rate_limit_key, override_defaults=False)
    for blueprint in (
        accounts_api,
        clients_api,
        notifications_api,
        catalog_api,
        tasks_api,
        documents_api,
        task_approvals_api,
        time_api,
        schedules_api,
        work_api,
        queues_api,
        sla_reports_api,
        sla_settings_api,
        portal_api,
        portal_approvals_api,
    ):
        api_limit(blueprint)
        csrf.exempt(blueprint)  # bearer tokens need no CSRF; cookie-authenticated writes are checked in auth
        api.register_blueprint(blueprint)
    apidocs.init_app(app)
    idempotency.init_app(app)


def register_suppliers(app: Flask) -> None:
    """Capabilities that answer a lower one's questions it may not import them for (work supplies the catalog's queues)."""
    from app.catalog import queues as catalog_queues
    from app.work.catalog_queues import WorkQueueDirectory

    catalog_queues.supply(app, WorkQueueDirectory())


def register_followers(app: Flask) -> None:
    """Capabilities that follow another's changes through its signals (the SLA clocks follow the tasks)."""
    from app import sla

    sla.init_app(app)


def register_errors(app: Flask) -> None:
    from app.core import errors

    errors.init_app(app)


def register_http_security(app: Flask) -> None:
    from app.core import http_security

    http_security.init_app(app)


def register_cli(app: Flask) -> None:
    from app.agencies.cli import tenants_cli
    from app.demo.cli import demo_cli, dev_command

    app.cli.add_command(tenants_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(dev_command)
