"""JSON endpoints for time tracking: entries, timers on tasks and totals. Agency-internal: client users get 403."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.core.api import Blueprint
from app.work.access import task_for
from app.work.queries import time as time_queries
from app.work.schemas.time import (
    TimeEntryFilterArgs,
    TimeEntryIn,
    TimeEntryOut,
    TimeEntryPageOut,
    TimeEntryUpdateIn,
    TotalsArgs,
    TotalsOut,
)
from app.work.services import time as time_services

blp = Blueprint("time_api", __name__, url_prefix="/api/v1", description="Time entries and timers (agency staff only)")


@blp.route("/time-entries")
class TimeEntries(MethodView):
    decorators = [agency_user_required]

    @blp.arguments(TimeEntryFilterArgs, location="query")
    @blp.response(200, TimeEntryPageOut)
    def get(self, args):
        """Time entries, newest first (staff: their own; admins: everyone's), filtered by user, task, client and dates."""
        page = time_queries.list_entries(current_user, **args)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @blp.arguments(TimeEntryIn)
    @blp.response(201, TimeEntryOut)
    def post(self, data):
        """Log time on a task: `work_date` and `minutes`, or `started_at` and `ended_at` (Idempotency-Key honoured)."""
        task = task_for(current_user, data.pop("task_id"))
        return time_services.create_entry(current_user, task, data)


@blp.route("/time-entries/totals")
@agency_user_required
@blp.arguments(TotalsArgs, location="query")
@blp.response(200, TotalsOut)
def totals(args):
    """Finished minutes per task, client or user over a period (staff: their own time)."""
    group = args.pop("group")
    items = time_queries.totals(current_user, group, **args)
    return {
        "group": group,
        "date_from": args.get("date_from"),
        "date_to": args.get("date_to"),
        "items": items,
        "minutes": sum(i["minutes"] for i in items),
        "billable_minutes": sum(i["billable_minutes"] for i in items),
    }


@blp.route("/time-entries/<uuid:time_entry_id>")
class TimeEntryItem(MethodView):
    decorators = [agency_user_required]

    @blp.response(200, TimeEntryOut)
    def get(self, time_entry_id):
        """One time entry."""
        return time_queries.entry_for(current_user, time_entry_id)

    @blp.arguments(TimeEntryUpdateIn)
    @blp.response(200, TimeEntryOut)
    def patch(self, data, time_entry_id):
        """Edit your own unbilled entry (admins: any unbilled entry)."""
        return time_services.update_entry(current_user, time_queries.entry_for(current_user, time_entry_id), data)

    @blp.response(204)
    def delete(self, time_entry_id):
        """Delete your own unbilled entry (admins: any unbilled entry)."""
        time_services.delete_entry(current_user, time_queries.entry_for(current_user, time_entry_id))


@blp.route("/tasks/<uuid:task_id>/timer/start", methods=["POST"])
@agency_user_required
@blp.response(201, TimeEntryOut)
def start_timer(task_id):
    """Start your timer on this task; a timer of yours running on another task stops first."""
    return time_services.start_timer(current_user, task_for(current_user, task_id))


@blp.route("/tasks/<uuid:task_id>/timer/stop", methods=["POST"])
@agency_user_required
@blp.response(200, TimeEntryOut)
def stop_timer(task_id):
    """Stop your timer on this task (409 when it is not running)."""
    return time_services.stop_timer(current_user, task_for(current_user, task_id))
