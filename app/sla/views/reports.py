"""SLA report pages for agency users: the overview and one client, queue, service or staff member, each with a CSV export."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from flask import Response, render_template, request, url_for
from flask_login import current_user

from app.accounts.auth import agency_user_required
from app.accounts.localtime import tenant_zone
from app.accounts.models import User
from app.catalog.models import ServiceLine
from app.core import dates, localtime
from app.core.errors import NotFound
from app.core.routes import ViewRoutes
from app.core.types import utcnow
from app.sla.queries import reports as queries
from app.sla.queries.reports import DIMENSION_LABELS, DIMENSIONS, InvalidRange, ReportScope, SlaReport
from app.work.access import visible_tasks
from app.work.models import Queue
from tenants.lookup import get_or_404, note_foreign_id
from tenants.models import Client

routes = ViewRoutes()
PAGE_BREACHES = 50
# dimension -> (page endpoint, URL id parameter, ReportScope field)
SUBJECTS = {
    "client": ("sla.client_report", "client_id", "client_id"),
    "queue": ("sla.queue_report", "queue_id", "queue_id"),
    "service_line": ("sla.service_report", "service_line_id", "service_line_id"),
    "assignee": ("sla.staff_report", "user_id", "assignee_id"),
}


# --- the range ----------------------------------------------------------------------------------

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(args, name: str, errors: list) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if DAY.fullmatch(raw):
            day = date.fromisoformat(raw)
            if dates.in_range(day):
                return day
            errors.append(f"Dates must fall between {dates.EARLIEST.isoformat()} and {dates.LATEST.isoformat()}.")
            return None
    except ValueError:
        pass
    errors.append(f"“{raw[:40]}” is not a date: use YYYY-MM-DD.")
    return None


def report_range(args, today: date | None = None) -> tuple[date, date, list[str]]:
    """The range asked for in ?from=&to= (a missing end filled in), or the default one with messages saying why."""
    default_start, default_end = queries.default_range(today)
    errors: list[str] = []
    start, end = _day(args, "from", errors), _day(args, "to", errors)
    if errors:
        return default_start, default_end, [*errors, "Showing the default range instead."]
    try:
        start, end = queries.fill_range(start, end, today)
        queries.check_range(start, end)
    except InvalidRange as error:
        return default_start, default_end, [str(error), "Showing the default range instead."]
    return start, end, []


def _base():
    """Admins report on every task; staff on the tasks in their reach."""
    return visible_tasks(current_user) if current_user.role == "staff" else None


# --- the trend chart (server-rendered SVG) ----------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    label: str
    show_label: bool
    week: queries.Week
    met_y: float
    met_h: float
    breached_y: float
    breached_h: float
    pending_y: float
    pending_h: float


CHART = {"width": 720, "height": 200, "top": 16, "bottom": 28, "left": 32}


def trend_bars(weeks) -> dict:
    width, height, top, bottom, left = (CHART[k] for k in ("width", "height", "top", "bottom", "left"))
    plot = height - top - bottom
    peak = max([w.resolution.due for w in weeks] + [1])
    slot = (width - left) / max(len(weeks), 1)
    every = max(1, round(len(weeks) / 12))
    bar_width = min(slot * 0.7, 48)
    bars = []
    for index, week in enumerate(weeks):
        figures, base = week.resolution, top + plot
        heights = [round(plot * n / peak, 1) for n in (figures.met, figures.breached, figures.pending)]
        ys = [round(base - sum(heights[: i + 1]), 1) for i in range(3)]
        bars.append(
            Bar(
                x=round(left + index * slot + (slot - bar_width) / 2, 1),
                label=localtime.format_day(week.start, "MMMd"),
                show_label=index % every == 0,
                week=week,
                met_y=ys[0],
                met_h=heights[0],
                breached_y=ys[1],
                breached_h=heights[1],
                pending_y=ys[2],
                pending_h=heights[2],
            )
        )
    return {"bars": bars, "bar_width": round(bar_width, 1), "peak": peak, "base": top + plot, "top": top, **CHART}


# --- CSV ----------------------------------------------------------------------------------------


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in spreadsheets


def csv_text(report: SlaReport) -> str:
    """Weekly resolution figures (with a total), a blank line, then every breach in the range, newest first."""
    zone = tenant_zone()  # instants on the agency's clock, with their offset, like the report's days
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["week", "week_start", "week_end", "due", "met", "breached", "pending", "compliance_percent"])
    for week in report.weeks:
        f = week.resolution
        writer.writerow([_cell(v) for v in (week.label, week.start, week.end, f.due, f.met, f.breached, f.pending, f.compliance)])
    f = report.figures.resolution
    writer.writerow([_cell(v) for v in ("total", report.start, report.end, f.due, f.met, f.breached, f.pending, f.compliance)])
    writer.writerow([])
    writer.writerow(["breached_at", "metric", "reference", "title", "client", "queue", "assignee", "due_at"])
    for b in report.breaches:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    localtime.iso_local(b.occurred_at, zone),
                    b.metric,
                    b.reference,
                    b.title,
                    b.client_name,
                    b.queue_name,
                    b.assignee_name,
                    localtime.iso_local(b.due_at, zone),
                )
            ]
        )
    return buffer.getvalue()


def _csv_response(report: SlaReport, name: str) -> Response:
    filename = f"sla-report-{name}-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return Response(
        csv_text(report), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    )


# --- pages --------------------------------------------------------------------------------------


def _render(*, title: str, subtitle: str, scope: ReportScope, export: bool, csv_endpoint: str, csv_args: dict, csv_name: str, overview: bool = False):
    start, end, range_errors = report_range(request.args)
    base = _base()
    now = utcnow()
    report = queries.sla_report(scope, start, end, base=base, now=now, breach_limit=None if export else PAGE_BREACHES)
    if export:
        return _csv_response(report, csv_name)
    range_args = {"from": start.isoformat(), "to": end.isoformat()}
    tables = []
    if overview and report.has_data:
        rows = queries.breakdowns(DIMENSIONS, start, end, base)
        tables = [(dimension, DIMENSION_LABELS[dimension], rows[dimension]) for dimension in DIMENSIONS]

    def subject_url(dimension: str, key) -> str | None:
        if key is None:
            return None
        endpoint, param, _ = SUBJECTS[dimension]
        return url_for(endpoint, **{param: key}, **range_args)

    return render_template(
        "sla/report.html",
        title=title,
        subtitle=subtitle,
        report=report,
        start=start,
        end=end,
        range_errors=range_errors,
        chart=trend_bars(report.weeks),
        tables=tables,
        overview=overview,
        subject_url=subject_url,
        csv_url=url_for(csv_endpoint, **csv_args, **range_args),
        reach_note=current_user.role == "staff",
        today=localtime.today(now, tenant_zone()),
    )


@routes.route("/sla/reports")
@routes.route("/sla/reports.csv", endpoint="reports_csv", defaults={"export": True})
@agency_user_required
def reports(export=False):
    return _render(
        title="SLA reports",
        subtitle="Compliance, response and resolution times, and breaches across the agency",
        scope=ReportScope(),
        export=export,
        csv_endpoint="sla.reports_csv",
        csv_args={},
        csv_name="agency",
        overview=True,
    )


@routes.route("/sla/reports/clients/<uuid:client_id>")
@routes.route("/sla/reports/clients/<uuid:client_id>/report.csv", endpoint="client_report_csv", defaults={"export": True})
@agency_user_required
def client_report(client_id, export=False):
    client = get_or_404(Client, client_id)
    return _render(
        title=f"SLA: {client.name}",
        subtitle="Client",
        scope=ReportScope(client_id=client.id),
        export=export,
        csv_endpoint="sla.client_report_csv",
        csv_args={"client_id": client.id},
        csv_name="client",
    )


@routes.route("/sla/reports/queues/<uuid:queue_id>")
@routes.route("/sla/reports/queues/<uuid:queue_id>/report.csv", endpoint="queue_report_csv", defaults={"export": True})
@agency_user_required
def queue_report(queue_id, export=False):
    queue = get_or_404(Queue, queue_id)
    return _render(
        title=f"SLA: {queue.name}",
        subtitle="Queue",
        scope=ReportScope(queue_id=queue.id),
        export=export,
        csv_endpoint="sla.queue_report_csv",
        csv_args={"queue_id": queue.id},
        csv_name="queue",
    )


@routes.route("/sla/reports/services/<uuid:service_line_id>")
@routes.route("/sla/reports/services/<uuid:service_line_id>/report.csv", endpoint="service_report_csv", defaults={"export": True})
@agency_user_required
def service_report(service_line_id, export=False):
    line = get_or_404(ServiceLine, service_line_id)
    return _render(
        title=f"SLA: {line.name}",
        subtitle="Service",
        scope=ReportScope(service_line_id=line.id),
        export=export,
        csv_endpoint="sla.service_report_csv",
        csv_args={"service_line_id": line.id},
        csv_name="service",
    )


def agency_user_or_404(user_id) -> User:
    """An agency admin or staff member of this agency; client users' ids answer 404 like unknown ones."""
    person = get_or_404(User, user_id)
    if not person.is_agency_user:
        note_foreign_id(User, user_id)
        raise NotFound()
    return person


@routes.route("/sla/reports/staff/<uuid:user_id>")
@routes.route("/sla/reports/staff/<uuid:user_id>/report.csv", endpoint="staff_report_csv", defaults={"export": True})
@agency_user_required
def staff_report(user_id, export=False):
    person = agency_user_or_404(user_id)
    return _render(
        title=f"SLA: {person.name}",
        subtitle="Tasks assigned to this staff member",
        scope=ReportScope(assignee_id=person.id),
        export=export,
        csv_endpoint="sla.staff_report_csv",
        csv_args={"user_id": person.id},
        csv_name="staff",
    )
