"""JSON endpoints for the service catalog: service lines, task types and each client's services."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_admin_required, agency_user_required
from app.catalog import queries, services
from app.catalog.schemas import (
    ClientServicesIn,
    ServiceLineFilterArgs,
    ServiceLineIn,
    ServiceLineOut,
    ServiceLinePageOut,
    ServiceLineUpdateIn,
    TaskTypeFilterArgs,
    TaskTypeIn,
    TaskTypeOut,
    TaskTypePageOut,
    TaskTypeUpdateIn,
)
from app.clients.queries import client_for
from app.core.api import Blueprint

blp = Blueprint("catalog_api", __name__, url_prefix="/api/v1", description="Service catalog: service lines, task types, client services")


# --- service lines ---------------------------------------------------------------------------


@blp.route("/service-lines")
class ServiceLines(MethodView):
    @agency_user_required
    @blp.arguments(ServiceLineFilterArgs, location="query")
    @blp.response(200, ServiceLinePageOut)
    def get(self, args):
        """Service lines in display order (status: active, archived or all)."""
        page = queries.list_service_lines(**args)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(ServiceLineIn)
    @blp.response(201, ServiceLineOut)
    def post(self, data):
        """Create a service line; its code (2-8 letters) prefixes task numbers."""
        return services.create_service_line(data)


@blp.route("/service-lines/<uuid:service_line_id>")
class ServiceLineItem(MethodView):
    @agency_user_required
    @blp.response(200, ServiceLineOut)
    def get(self, service_line_id):
        """One service line."""
        return queries.service_line_for(service_line_id)

    @agency_admin_required
    @blp.arguments(ServiceLineUpdateIn)
    @blp.response(200, ServiceLineOut)
    def patch(self, data, service_line_id):
        """Edit a service line."""
        return services.update_service_line(queries.service_line_for(service_line_id), data)


@blp.route("/service-lines/<uuid:service_line_id>/archive", methods=["POST"])
@agency_admin_required
@blp.response(200, ServiceLineOut)
def archive_service_line(service_line_id):
    """Archive a service line and its active task types."""
    return services.archive_service_line(queries.service_line_for(service_line_id))


@blp.route("/service-lines/<uuid:service_line_id>/restore", methods=["POST"])
@agency_admin_required
@blp.response(200, ServiceLineOut)
def restore_service_line(service_line_id):
    """Restore a service line and the task types archived with it."""
    return services.restore_service_line(queries.service_line_for(service_line_id))


# --- task types ------------------------------------------------------------------------------


@blp.route("/task-types")
class TaskTypes(MethodView):
    @agency_user_required
    @blp.arguments(TaskTypeFilterArgs, location="query")
    @blp.response(200, TaskTypePageOut)
    def get(self, args):
        """Task types by name; filter by service line, search by name, include archived ones."""
        status = "all" if args.pop("include_archived") else args.pop("status")
        args.pop("status", None)
        page = queries.list_task_types(status=status, **args)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(TaskTypeIn)
    @blp.response(201, TaskTypeOut)
    def post(self, data):
        """Create a task type with its defaults, checklist template and custom fields."""
        return services.create_task_type(data)


@blp.route("/task-types/<uuid:task_type_id>")
class TaskTypeItem(MethodView):
    @agency_user_required
    @blp.response(200, TaskTypeOut)
    def get(self, task_type_id):
        """One task type."""
        return queries.task_type_for(task_type_id)

    @agency_admin_required
    @blp.arguments(TaskTypeUpdateIn)
    @blp.response(200, TaskTypeOut)
    def patch(self, data, task_type_id):
        """Edit a task type; lists given replace the old ones."""
        return services.update_task_type(queries.task_type_for(task_type_id), data)


@blp.route("/task-types/<uuid:task_type_id>/archive", methods=["POST"])
@agency_admin_required
@blp.response(200, TaskTypeOut)
def archive_task_type(task_type_id):
    """Archive a task type: no new tasks of it; existing tasks keep it."""
    return services.archive_task_type(queries.task_type_for(task_type_id))


@blp.route("/task-types/<uuid:task_type_id>/restore", methods=["POST"])
@agency_admin_required
@blp.response(200, TaskTypeOut)
def restore_task_type(task_type_id):
    """Restore an archived task type (its service line must be active)."""
    return services.restore_task_type(queries.task_type_for(task_type_id))


# --- client services -------------------------------------------------------------------------


@blp.route("/clients/<uuid:client_id>/services")
class ClientServices(MethodView):
    @agency_user_required
    @blp.response(200, ServiceLineOut(many=True))
    def get(self, client_id):
        """The service lines this client has."""
        return queries.services_of(client_for(current_user, client_id))

    @agency_admin_required
    @blp.arguments(ClientServicesIn)
    @blp.response(200, ServiceLineOut(many=True))
    def put(self, data, client_id):
        """Set exactly which service lines this client has."""
        return services.set_client_services(client_for(current_user, client_id), data["service_line_ids"])
