"""JSON endpoints for recurring schedules: list, create, edit, delete, pause, resume and preview."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.core.api import Blueprint
from app.work.queries import schedules as schedule_queries
from app.work.schemas.schedules import (
    PreviewOut,
    ScheduleFilterArgs,
    ScheduleIn,
    ScheduleOut,
    SchedulePageOut,
    ScheduleUpdateIn,
)
from app.work.services import recurrence as schedule_services

blp = Blueprint("schedules_api", __name__, url_prefix="/api/v1/schedules", description="Recurring work")


def _schedule(schedule_id):
    return schedule_queries.schedule_for(current_user, schedule_id)


@blp.route("")
class Schedules(MethodView):
    decorators = [agency_user_required]

    @blp.arguments(ScheduleFilterArgs, location="query")
    @blp.response(200, SchedulePageOut)
    def get(self, args):
        """Schedules you can see (staff: of the clients they serve), by title."""
        page = schedule_queries.list_schedules(current_user, **args)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @blp.arguments(ScheduleIn)
    @blp.response(201, ScheduleOut)
    def post(self, data):
        """Create a schedule for a client and task type (Idempotency-Key honoured)."""
        return schedule_services.create_schedule(current_user, data)


@blp.route("/<uuid:schedule_id>")
class ScheduleItem(MethodView):
    decorators = [agency_user_required]

    @blp.response(200, ScheduleOut)
    def get(self, schedule_id):
        """One schedule."""
        return _schedule(schedule_id)

    @blp.arguments(ScheduleUpdateIn)
    @blp.response(200, ScheduleOut)
    def patch(self, data, schedule_id):
        """Edit a schedule; tasks it already created are not changed."""
        return schedule_services.update_schedule(current_user, _schedule(schedule_id), data)

    @blp.response(204)
    def delete(self, schedule_id):
        """Delete a schedule; the tasks it created stay."""
        schedule_services.delete_schedule(current_user, _schedule(schedule_id))


@blp.route("/<uuid:schedule_id>/pause", methods=["POST"])
@agency_user_required
@blp.response(200, ScheduleOut)
def pause(schedule_id):
    """Pause: no tasks are created while paused."""
    return schedule_services.pause_schedule(current_user, _schedule(schedule_id))


@blp.route("/<uuid:schedule_id>/resume", methods=["POST"])
@agency_user_required
@blp.response(200, ScheduleOut)
def resume(schedule_id):
    """Resume: dates that fell during the pause are skipped (the start moves to today)."""
    return schedule_services.resume_schedule(current_user, _schedule(schedule_id))


@blp.route("/<uuid:schedule_id>/preview")
@agency_user_required
@blp.response(200, PreviewOut)
def preview(schedule_id):
    """The next 12 occurrences: date, due instant, creation instant, and the task when it exists."""
    schedule = _schedule(schedule_id)
    return {"schedule_id": schedule.id, "timezone": schedule.timezone, "items": schedule_services.preview(schedule)}
