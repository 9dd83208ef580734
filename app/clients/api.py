"""JSON endpoints for clients and the staff who serve them."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_admin_required, signed_in_required
from app.clients import queries, services
from app.clients.schemas import ClientFilterArgs, ClientIn, ClientOut, ClientPageOut, ClientStaffIn, ClientUpdateIn, StaffRefOut
from app.core.api import Blueprint

blp = Blueprint("clients_api", __name__, url_prefix="/api/v1/clients", description="Client companies")


@blp.route("")
class Clients(MethodView):
    @signed_in_required
    @blp.arguments(ClientFilterArgs, location="query")
    @blp.response(200, ClientPageOut)
    def get(self, args):
        """Clients you can see (staff: those you serve; client users: your own), by name."""
        page = queries.list_clients(current_user, **args)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(ClientIn)
    @blp.response(201, ClientOut)
    def post(self, data):
        """Create a client."""
        return services.create_client(data)


@blp.route("/<uuid:client_id>")
class ClientItem(MethodView):
    @signed_in_required
    @blp.response(200, ClientOut)
    def get(self, client_id):
        """One client."""
        return queries.client_for(current_user, client_id)

    @agency_admin_required
    @blp.arguments(ClientUpdateIn)
    @blp.response(200, ClientOut)
    def patch(self, data, client_id):
        """Edit a client."""
        return services.update_client(queries.client_for(current_user, client_id), data)


@blp.route("/<uuid:client_id>/archive", methods=["POST"])
@agency_admin_required
@blp.response(200, ClientOut)
def archive(client_id):
    """Archive a client: it leaves lists and pickers; its records stay."""
    return services.archive_client(queries.client_for(current_user, client_id))


@blp.route("/<uuid:client_id>/restore", methods=["POST"])
@agency_admin_required
@blp.response(200, ClientOut)
def restore(client_id):
    """Restore an archived client."""
    return services.restore_client(queries.client_for(current_user, client_id))


@blp.route("/<uuid:client_id>/staff")
class ClientStaff(MethodView):
    decorators = [agency_admin_required]

    @blp.response(200, StaffRefOut(many=True))
    def get(self, client_id):
        """Staff members who serve this client."""
        return queries.staff_of(queries.client_for(current_user, client_id))

    @blp.arguments(ClientStaffIn)
    @blp.response(200, StaffRefOut(many=True))
    def put(self, data, client_id):
        """Set exactly which staff members serve this client."""
        return services.set_client_staff(queries.client_for(current_user, client_id), data["staff_ids"])
