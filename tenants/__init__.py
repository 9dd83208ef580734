"""The tenancy kernel: context, resolution, scoping, row-level security and provisioning."""


def init_app(app):
    """Install the ORM scoping events, the security-event writer and the tenant CLI."""
    from app.core import uow
    from tenants import cli, scoping, security

    scoping.install()
    uow.on_unit_end(security.write_pending_events)
    app.cli.add_command(cli.tenants_cli)
