"""Queue pages: the list of queues, and for agency admins creating, editing, archiving them and choosing their staff."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts import queries as account_queries
from app.accounts.auth import agency_admin_required
from app.catalog.models import ServiceLine
from app.core.errors import AppError, Forbidden
from app.core.pages import apply_form_errors, render_page
from app.extensions import db
from app.work.queries import queues as queries
from app.work.services import queues as services
from tenants.lookup import get_in_tenant

bp = Blueprint("queues", __name__)
TABS = ("active", "archived", "all")


@bp.before_request
def _agency_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_agency_user:
        raise Forbidden("Queues are for agency staff.")
    return None


class QueueForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("A queue needs a name."), Length(max=100)],
        description="Usually one queue per service line, e.g. “Bookkeeping”.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    service_line_id = SelectField("Service line", validators=[Optional()], description="Optional: the service this queue works.")
    submit = SubmitField("Save queue")


def _form(queue=None) -> QueueForm:
    form = QueueForm(obj=queue)
    lines = db.session.scalars(select(ServiceLine).where(ServiceLine.archived_at.is_(None)).order_by(ServiceLine.position, ServiceLine.name))
    form.service_line_id.choices = [("", "— none —")] + [(str(line.id), line.name) for line in lines]
    if queue is not None and request.method == "GET":
        form.service_line_id.data = str(queue.service_line_id) if queue.service_line_id else ""
    return form


def _values(form: QueueForm) -> dict:
    return {"name": form.name.data or "", "description": form.description.data or "", "service_line_id": form.service_line_id.data or None}


@bp.route("/queues")
def index():
    status = request.args.get("status") if request.args.get("status") in TABS else "active"
    rows = queries.list_queues(current_user, status=status)
    return render_page(
        "work/lists/queues.html",
        queues=rows,
        status=status,
        tabs=TABS,
        member_counts=queries.member_counts(),
        open_counts=queries.open_counts(current_user, [q.id for q in rows]),
    )


@bp.route("/queues/new", methods=["GET", "POST"])
@agency_admin_required
def new():
    form = _form()
    if not form.validate_on_submit():
        return render_page("work/lists/queue_form.html", 422 if form.is_submitted() else 200, form=form, queue=None)
    try:
        queue = services.create_queue(_values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("work/lists/queue_form.html", error.status, form=form, queue=None, error=error.message)
    flash(f"Queue “{queue.name}” created. Next: choose the staff who work it.", "success")
    return redirect(url_for("queues.members", queue_id=queue.id), 303)


@bp.route("/queues/<uuid:queue_id>")
def detail(queue_id):
    queue = queries.queue_for(current_user, queue_id)
    return render_page(
        "work/lists/queue_detail.html",
        queue=queue,
        members=queries.members_of(queue),
        counts=queries.open_counts(current_user, [queue.id]).get(queue.id, {"open": 0, "unassigned": 0}),
        service_line=get_in_tenant(ServiceLine, queue.service_line_id) if queue.service_line_id else None,
    )


@bp.route("/queues/<uuid:queue_id>/edit", methods=["GET", "POST"])
@agency_admin_required
def edit(queue_id):
    queue = queries.queue_for(current_user, queue_id)
    form = _form(queue)
    if not form.validate_on_submit():
        return render_page("work/lists/queue_form.html", 422 if form.is_submitted() else 200, form=form, queue=queue)
    try:
        services.update_queue(queue, _values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("work/lists/queue_form.html", error.status, form=form, queue=queue, error=error.message)
    flash(f"Queue “{queue.name}” saved.", "success")
    return redirect(url_for("queues.detail", queue_id=queue.id), 303)


@bp.route("/queues/<uuid:queue_id>/members", methods=["GET", "POST"])
@agency_admin_required
def members(queue_id):
    queue = queries.queue_for(current_user, queue_id)
    candidates = account_queries.active_staff()
    if request.method == "POST":
        chosen = request.form.getlist("staff_ids")
        try:
            chosen_users = services.set_members(queue, chosen)
        except AppError as error:
            return render_page(
                "work/lists/queue_members.html", error.status, queue=queue, candidates=candidates, selected=set(chosen), error=error.message
            )
        names = ", ".join(user.name for user in chosen_users) or "nobody"
        flash(f"Staff working “{queue.name}”: {names}.", "success")
        return redirect(url_for("queues.detail", queue_id=queue.id), 303)
    selected = {str(user.id) for user in queries.members_of(queue)}
    return render_page("work/lists/queue_members.html", queue=queue, candidates=candidates, selected=selected)


@bp.route("/queues/<uuid:queue_id>/archive", methods=["POST"])
@agency_admin_required
def archive(queue_id):
    queue = services.archive_queue(queries.queue_for(current_user, queue_id))
    flash(f"“{queue.name}” is archived. Its tasks stay; restore it at any time.", "success")
    return redirect(url_for("queues.detail", queue_id=queue.id), 303)


@bp.route("/queues/<uuid:queue_id>/restore", methods=["POST"])
@agency_admin_required
def restore(queue_id):
    queue = services.restore_queue(queries.queue_for(current_user, queue_id))
    flash(f"“{queue.name}” is active again.", "success")
    return redirect(url_for("queues.detail", queue_id=queue.id), 303)
