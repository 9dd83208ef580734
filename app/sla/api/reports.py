"""JSON endpoint of the SLA report: compliance, response and resolution times, waiting, weekly trend and breaches."""

from __future__ import annotations

from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.accounts.models import User
from app.catalog.models import ServiceLine
from app.core.api import Blueprint
from app.core.errors import NotFound, ValidationFailed
from app.core.types import utcnow
from app.sla.queries import reports as queries
from app.sla.schemas.reports import SlaReportArgs, SlaReportOut
from app.work.access import visible_tasks
from app.work.models import Queue
from tenants.lookup import get_or_404, note_foreign_id
from tenants.models import Client

blp = Blueprint(
    "sla_reports_api",
    __name__,
    url_prefix="/api/v1/sla",
    description="SLA reports: compliance, response and resolution times, weekly trend and breaches",
)

SCOPE_MODELS = {"client_id": Client, "queue_id": Queue, "service_line_id": ServiceLine, "assignee_id": User}


def _scope(args) -> queries.ReportScope:
    """The scope's ids, each one of this agency's (404 otherwise, as for any foreign id)."""
    values = {}
    for name, model in SCOPE_MODELS.items():
        if args.get(name) is None:
            continue
        row = get_or_404(model, args[name])
        if model is User and not row.is_agency_user:
            note_foreign_id(User, args[name])
            raise NotFound()
        values[name] = row.id
    return queries.ReportScope(**values)


def _range(args):
    try:
        start, end = queries.fill_range(args.get("start"), args.get("end"))
        queries.check_range(start, end)
    except queries.InvalidRange as error:
        raise ValidationFailed(str(error), fields={"to": [str(error)]}) from None
    return start, end


@blp.route("/report", methods=["GET"])
@agency_user_required
@blp.arguments(SlaReportArgs, location="query")
@blp.response(200, SlaReportOut)
def report(args):
    """The SLA report for a range (default: the last four full weeks and this week), narrowed to a client, queue,
    service line or assignee. Staff get the figures of the tasks in their reach; admins of every task."""
    start, end = _range(args)
    scope = _scope(args)
    base = visible_tasks(current_user) if current_user.role == "staff" else None
    return queries.sla_report(scope, start, end, base=base, now=utcnow(), breach_limit=args["breach_limit"])
