"""Client company pages for agency users: list, detail, create, edit, archive and staff assignment."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts import queries as account_queries
from app.accounts.auth import agency_admin_required
from app.clients import queries, services
from app.core.errors import AppError, Forbidden
from app.core.pages import apply_form_errors, render_page

bp = Blueprint("clients", __name__)
TABS = ("active", "archived", "all")


@cache
def timezone_choices() -> list[tuple[str, str]]:
    from zoneinfo import available_timezones

    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return [("UTC", "UTC")] + [(z, z.replace("_", " ")) for z in zones]


class ClientForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("A client needs a name."), Length(max=200)], description="How your team refers to the company."
    )
    legal_name = StringField("Legal name", validators=[Optional(), Length(max=200)], description="As registered, for invoices and filings.")
    contact_email = EmailField("Contact email", validators=[Optional(), Length(max=254)])  # the service validates it
    timezone = SelectField("Time zone", default="UTC", description="Used for the client's deadlines and reports.")
    submit = SubmitField("Save client")


def _client_form(client=None) -> ClientForm:
    form = ClientForm(obj=client)
    form.timezone.choices = timezone_choices()
    if client is not None and client.timezone not in {value for value, _ in form.timezone.choices}:
        form.timezone.choices = [(client.timezone, client.timezone)] + form.timezone.choices
    return form


@bp.before_request
def _agency_users_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_agency_user:
        raise Forbidden("Client company pages are for agency staff.")
    return None


@bp.route("/clients")
def index():
    args = request.args
    status = args.get("status") if args.get("status") in TABS else "active"
    q = (args.get("q") or "").strip()[:100] or None
    result = queries.list_clients(current_user, q=q, status=status, cursor=args.get("cursor") or None)
    return render_page(
        "clients/index.html",
        clients=result.items,
        next_cursor=result.next_cursor,
        status=status,
        q=q or "",
        user_counts=queries.client_user_counts(),
        staff_counts=queries.staff_counts(),
        tabs=TABS,
        paged=bool(args.get("cursor")),
    )


@bp.route("/clients/new", methods=["GET", "POST"])
@agency_admin_required
def new():
    form = _client_form()
    if not form.validate_on_submit():
        return render_page("clients/form.html", 422 if form.is_submitted() else 200, form=form, client=None)
    try:
        client = services.create_client(_form_values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("clients/form.html", error.status, form=form, client=None, error=error.message)
    flash(f"Client “{client.name}” created. Next: assign the staff who serve it and invite its users.", "success")
    return redirect(url_for("clients.detail", client_id=client.id))


def _form_values(form: ClientForm) -> dict:
    return {key: getattr(form, key).data or "" for key in services.EDITABLE}


@bp.route("/clients/<uuid:client_id>")
def detail(client_id):
    client = queries.client_for(current_user, client_id)
    return render_page("clients/detail.html", client=client, users=queries.users_of(client), staff=queries.staff_of(client))


@bp.route("/clients/<uuid:client_id>/edit", methods=["GET", "POST"])
@agency_admin_required
def edit(client_id):
    client = queries.client_for(current_user, client_id)
    form = _client_form(client)
    if not form.validate_on_submit():
        return render_page("clients/form.html", 422 if form.is_submitted() else 200, form=form, client=client)
    try:
        services.update_client(client, _form_values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("clients/form.html", error.status, form=form, client=client, error=error.message)
    flash(f"Client “{client.name}” saved.", "success")
    return redirect(url_for("clients.detail", client_id=client.id))


@bp.route("/clients/<uuid:client_id>/archive", methods=["POST"])
@agency_admin_required
def archive(client_id):
    client = services.archive_client(queries.client_for(current_user, client_id))
    flash(f"“{client.name}” is archived. Its users keep their accounts; restore it at any time.", "success")
    return redirect(url_for("clients.detail", client_id=client.id))


@bp.route("/clients/<uuid:client_id>/restore", methods=["POST"])
@agency_admin_required
def restore(client_id):
    client = services.restore_client(queries.client_for(current_user, client_id))
    flash(f"“{client.name}” is active again.", "success")
    return redirect(url_for("clients.detail", client_id=client.id))


@bp.route("/clients/<uuid:client_id>/staff", methods=["GET", "POST"])
@agency_admin_required
def staff(client_id):
    client = queries.client_for(current_user, client_id)
    candidates = account_queries.active_staff()
    if request.method == "POST":
        chosen = request.form.getlist("staff_ids")
        try:
            assigned = services.set_client_staff(client, chosen)
        except AppError as error:
            return render_page("clients/staff.html", error.status, client=client, candidates=candidates, selected=set(chosen), error=error.message)
        names = ", ".join(user.name for user in assigned) or "nobody"
        flash(f"Staff serving “{client.name}”: {names}.", "success")
        return redirect(url_for("clients.detail", client_id=client.id))
    selected = {str(user.id) for user in queries.staff_of(client)}
    return render_page("clients/staff.html", client=client, candidates=candidates, selected=selected)
