"""The tenancy kernel: context, resolution, scoping, row-level security and provisioning."""
from tenants.context import TenantContext, current_tenant, set_tenant, tenant_scope
from tenants.models import Agency, Client, ClientScoped, TenantModel, tenant_fk


def init_app(app):
    """Install the ORM scoping events and the tenant CLI."""
    from tenants import cli, scoping

    scoping.install()
    app.cli.add_command(cli.tenants_cli)


__all__ = [
    "Agency", "Client", "ClientScoped", "TenantContext", "TenantModel", "current_tenant",
    "init_app", "set_tenant", "tenant_fk", "tenant_scope",
]
