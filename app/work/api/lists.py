"""JSON endpoints of the work lists: task lists with filters and keyset pages, claim-next, bulk changes,
per-client counts, workload and saved filters."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.clients import queries as client_queries
from app.core.api import Blueprint
from app.core.pagination import keyset_page
from app.work.queries import lists as list_queries
from app.work.queries import queues as queue_queries
from app.work.queries.filters import TaskFilters
from app.work.schemas.lists import (
    BulkIn,
    BulkOut,
    ClaimNextIn,
    ClaimNextOut,
    ClientSummaryArgs,
    ClientSummaryPageOut,
    SavedFilterArgs,
    SavedFilterIn,
    SavedFilterOut,
    TaskListArgs,
    TaskListPageOut,
    WorkloadOut,
)
from app.work.services import bulk, claim, saved_filters
from tenants.models import Client

blp = Blueprint("work_api", __name__, url_prefix="/api/v1", description="Work lists: filters, claim-next, bulk changes, saved filters")


@blp.route("/tasks", methods=["GET"])
@agency_user_required
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, TaskListPageOut)
def list_tasks(args):
    """Tasks you can see, filtered (status defaults to open), most urgent first unless sorted otherwise; keyset pages."""
    limit, cursor = args.pop("limit"), args.pop("cursor")
    page = list_queries.list_tasks(current_user, TaskFilters.from_mapping(args), limit=limit, cursor=cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/tasks/claim-next", methods=["POST"])
@agency_user_required
@blp.arguments(ClaimNextIn, required=False)  # no body: claim from any of your queues
@blp.response(200, ClaimNextOut)
def claim_next(data):
    """Assign yourself the most urgent unassigned open task you may take (optionally from one queue).

    Two people claiming at once never get the same task. `task` is null when nothing is left to claim.
    """
    return {"task": claim.claim_next_task(current_user, data.get("queue_id"))}


@blp.route("/tasks/bulk", methods=["POST"])
@agency_user_required
@blp.arguments(BulkIn)
@blp.response(200, BulkOut)
def bulk_change(data):
    """Assign, change the status or the priority of many tasks; each succeeds or fails on its own."""
    results = bulk.bulk_change(current_user, data["task_ids"], data["action"], data.get("value"))
    succeeded = sum(1 for r in results if r["ok"])
    return {"succeeded": succeeded, "failed": len(results) - succeeded, "results": results}


@blp.route("/work/clients", methods=["GET"])
@agency_user_required
@blp.arguments(ClientSummaryArgs, location="query")
@blp.response(200, ClientSummaryPageOut)
def client_summaries(args):
    """Per client you serve: open, waiting on client, due today and overdue tasks (by client name, keyset pages)."""
    page = _client_page(args)
    counts = list_queries.client_counts(current_user, [c.id for c in page.items], TaskFilters(service_line_id=args.get("service_line_id")))
    empty = {"open": 0, "waiting": 0, "due_today": 0, "overdue": 0}
    items = [{"client_id": c.id, "name": c.name, **counts.get(c.id, empty)} for c in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


def _client_page(args):
    stmt = client_queries.visible_clients(current_user).where(Client.archived_at.is_(None))
    if args.get("q"):
        stmt = stmt.where(Client.name.ilike(f"%{args['q'].strip()}%"))
    return keyset_page(stmt, Client.name, Client.id, limit=args.get("limit"), cursor=args.get("cursor"))


@blp.route("/work/workload", methods=["GET"])
@agency_user_required
@blp.response(200, WorkloadOut(many=True))
def workload():
    """Per staff member: open tasks by priority and minutes logged this week and in the last 7 days."""
    return [
        {
            "user_id": row["user"].id,
            "name": row["user"].name,
            "role": row["user"].role,
            "open": row["open"],
            "by_priority": row["by_priority"],
            "minutes_week": row["minutes_week"],
            "minutes_7_days": row["minutes_7_days"],
        }
        for row in list_queries.workload(current_user)
    ]


@blp.route("/saved-filters")
class SavedFilters(MethodView):
    decorators = [agency_user_required]

    @blp.arguments(SavedFilterArgs, location="query")
    @blp.response(200, SavedFilterOut(many=True))
    def get(self, args):
        """Your saved filters (optionally of one list)."""
        return queue_queries.saved_filters(current_user, args.get("view"))

    @blp.arguments(SavedFilterIn)
    @blp.response(201, SavedFilterOut)
    def post(self, data):
        """Save a list's filters under a name (the same name replaces your earlier filter)."""
        return saved_filters.save_filter(current_user, **data)


@blp.route("/saved-filters/<uuid:saved_filter_id>")
class SavedFilterItem(MethodView):
    decorators = [agency_user_required]

    @blp.response(200, SavedFilterOut)
    def get(self, saved_filter_id):
        """One of your saved filters."""
        return queue_queries.saved_filter_for(current_user, saved_filter_id)

    @blp.response(204)
    def delete(self, saved_filter_id):
        """Delete one of your saved filters."""
        saved_filters.delete_filter(queue_queries.saved_filter_for(current_user, saved_filter_id))
