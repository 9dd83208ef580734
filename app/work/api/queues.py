"""JSON endpoints for queues: list, create, edit, archive and restore, and their member staff."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_admin_required, agency_user_required
from app.core.api import Blueprint
from app.core.pagination import keyset_page
from app.work.models import Queue
from app.work.queries import queues as queries
from app.work.schemas.queues import QueueArgs, QueueIn, QueueMemberOut, QueueMembersIn, QueueOut, QueuePageOut, QueueUpdateIn
from app.work.services import queues as services

blp = Blueprint("queues_api", __name__, url_prefix="/api/v1/queues", description="Queues of work and their member staff")


@blp.route("")
class Queues(MethodView):
    @agency_user_required
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, QueuePageOut)
    def get(self, args):
        """Queues you can see (staff: those you work), by name."""
        stmt = queries.visible_queues(current_user, status=args["status"]).order_by(None)
        page = keyset_page(stmt, Queue.name, Queue.id, limit=args["limit"], cursor=args["cursor"])
        return {"items": page.items, "next_cursor": page.next_cursor}

    @agency_admin_required
    @blp.arguments(QueueIn)
    @blp.response(201, QueueOut)
    def post(self, data):
        """Create a queue."""
        return services.create_queue(data)


@blp.route("/<uuid:queue_id>")
class QueueItem(MethodView):
    @agency_user_required
    @blp.response(200, QueueOut)
    def get(self, queue_id):
        """One queue."""
        return queries.queue_for(current_user, queue_id)

    @agency_admin_required
    @blp.arguments(QueueUpdateIn)
    @blp.response(200, QueueOut)
    def patch(self, data, queue_id):
        """Edit a queue."""
        return services.update_queue(queries.queue_for(current_user, queue_id), data)


@blp.route("/<uuid:queue_id>/archive", methods=["POST"])
@agency_admin_required
@blp.response(200, QueueOut)
def archive(queue_id):
    """Archive a queue: it leaves pickers and lists; its tasks stay."""
    return services.archive_queue(queries.queue_for(current_user, queue_id))


@blp.route("/<uuid:queue_id>/restore", methods=["POST"])
@agency_admin_required
@blp.response(200, QueueOut)
def restore(queue_id):
    """Restore an archived queue."""
    return services.restore_queue(queries.queue_for(current_user, queue_id))


@blp.route("/<uuid:queue_id>/members")
class QueueMembers(MethodView):
    @agency_user_required
    @blp.response(200, QueueMemberOut(many=True))
    def get(self, queue_id):
        """Staff who work this queue."""
        return queries.members_of(queries.queue_for(current_user, queue_id))

    @agency_admin_required
    @blp.arguments(QueueMembersIn)
    @blp.response(200, QueueMemberOut(many=True))
    def put(self, data, queue_id):
        """Set exactly which staff work this queue."""
        return services.set_members(queries.queue_for(current_user, queue_id), data["staff_ids"])
