"""User administration (agency admins, and client admins for their own company) and agency security settings."""

from __future__ import annotations

import uuid

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.accounts import credentials, queries, services
from app.accounts.auth import agency_admin_required, require_roles
from app.accounts.forms import InviteUserForm, RoleForm, SecurityForm
from app.accounts.models import AGENCY_ROLES, CLIENT_ROLES, ROLE_LABELS, ROLES
from app.core import audit
from app.core.errors import AppError
from app.core.pages import apply_form_errors, render_page
from app.core.routes import ViewRoutes
from tenants.lookup import agency_by_id

routes = ViewRoutes()
user_admin_required = require_roles("agency_admin", "client_admin")
STATUSES = ("active", "invited", "deactivated")


def _manageable_roles() -> tuple[str, ...]:
    return ROLES if current_user.is_agency_admin else CLIENT_ROLES


def _clients(status: str = "active") -> list:
    if not current_user.is_agency_admin:
        return []
    return queries.clients_to_choose(status=status)


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@routes.route("/admin/users")
@user_admin_required
def users():
    if current_user.role == "client_admin":  # client admins manage their people on the portal's People page
        return redirect(url_for("people.index"))
    args = request.args
    role = args.get("role") if args.get("role") in _manageable_roles() else None
    status = args.get("status") if args.get("status") in STATUSES else None
    client = None
    if current_user.is_agency_admin:
        client = "none" if args.get("client") == "none" else _as_uuid(args.get("client"))
    q = (args.get("q") or "").strip()[:100] or None
    result = queries.list_users(current_user, q=q, role=role, client_id=client, status=status, cursor=args.get("cursor") or None)
    return render_page(
        "accounts/users.html",
        users=result.items,
        next_cursor=result.next_cursor,
        roles=[(r, ROLE_LABELS[r]) for r in _manageable_roles()],
        statuses=STATUSES,
        clients=_clients("all"),
        filters={"q": q or "", "role": role or "", "status": status or "", "client": str(client or "")},
        filtered=any((q, role, status, client)),
        paged=bool(args.get("cursor")),
    )


def _invite_choices(form: InviteUserForm) -> None:
    form.role.choices = [(r, ROLE_LABELS[r]) for r in _manageable_roles()]
    if current_user.is_agency_admin:
        form.client_id.choices = [("", "— None (agency staff or admin) —")] + [(str(c.id), c.name) for c in _clients()]
    else:
        form.client_id.choices = [(str(current_user.client_id), current_user.client.name)]


@routes.route("/admin/users/invite", methods=["GET", "POST"])
@user_admin_required
def invite_user():
    if current_user.role == "client_admin" and request.method == "GET":
        return redirect(url_for("people.index") + "#invite")
    form = InviteUserForm()
    _invite_choices(form)
    if request.method == "GET":
        preset = request.args.get("client_id", "")
        if current_user.is_agency_admin and preset in {value for value, _ in form.client_id.choices if value}:
            form.client_id.data, form.role.data = preset, "client_member"
        elif not current_user.is_agency_admin:
            form.client_id.data, form.role.data = str(current_user.client_id), "client_member"
        else:
            form.role.data = "staff"
    if not form.validate_on_submit():
        return render_page("accounts/invite_user.html", 422 if form.is_submitted() else 200, form=form)
    if current_user.is_agency_admin:
        # without JavaScript the client list stays visible; a client picked for an agency role is ignored
        client_id = form.client_id.data or None if form.role.data in CLIENT_ROLES else None
    else:
        client_id = current_user.client_id
    try:
        user, _ = services.invite_user(
            email=form.email.data, name=form.name.data, role=form.role.data, client_id=client_id, invited_by=current_user._get_current_object()
        )
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("accounts/invite_user.html", error.status, form=form, error=error.message)
    flash(f"Invitation sent to {user.email}. The link is valid for a limited time; you can resend it here.", "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


def _role_form(user, formdata=None) -> RoleForm:
    form = RoleForm(formdata=formdata) if formdata is not None else RoleForm(formdata=None, role=user.role)
    kind = AGENCY_ROLES if user.is_agency_user else CLIENT_ROLES
    form.role.choices = [(r, ROLE_LABELS[r]) for r in kind if r in _manageable_roles()]
    return form


def _detail_page(user, status: int = 200, role_form=None, error: str | None = None):
    events, more_events = audit.audit_events(target_id=str(user.id), per_page=15)
    return render_page(
        "accounts/user_detail.html",
        status,
        user=user,
        role_form=role_form or _role_form(user),
        events=events,
        more_events=more_events,
        error=error,
        can_manage=current_user.is_agency_admin or user.is_client_user,
    )


@routes.route("/admin/users/<uuid:user_id>")
@user_admin_required
def user_detail(user_id):
    return _detail_page(queries.user_for(current_user, user_id))


@routes.route("/admin/users/<uuid:user_id>/role", methods=["POST"])
@user_admin_required
def change_role(user_id):
    user = queries.user_for(current_user, user_id)
    form = _role_form(user, formdata=request.form)
    if not form.validate_on_submit():
        return _detail_page(user, 422, role_form=form, error="Choose one of the listed roles.")
    old_label = user.role_label
    try:
        services.update_user(user, current_user._get_current_object(), role=form.role.data)
    except AppError as error:
        apply_form_errors(form, error)
        return _detail_page(user, error.status, role_form=form, error=error.message)
    if user.role_label != old_label:
        flash(f"{user.name} is now {user.role_label} (was {old_label}). They will need to sign in again.", "success")
    else:
        flash(f"{user.name} already had that role; nothing changed.", "info")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


def _user_action(user_id, action, message: str):
    user = queries.user_for(current_user, user_id)
    try:
        action(user, current_user._get_current_object())
    except AppError as error:
        return _detail_page(user, error.status, error=error.message)
    flash(message.format(name=user.name, email=user.email), "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@routes.route("/admin/users/<uuid:user_id>/deactivate", methods=["POST"])
@user_admin_required
def deactivate_user(user_id):
    return _user_action(user_id, services.deactivate_user, "{name} has been deactivated: their sessions and API tokens stopped working.")


@routes.route("/admin/users/<uuid:user_id>/reactivate", methods=["POST"])
@user_admin_required
def reactivate_user(user_id):
    return _user_action(user_id, services.reactivate_user, "{name} has been reactivated and can sign in again.")


@routes.route("/admin/users/<uuid:user_id>/resend", methods=["POST"])
@user_admin_required
def resend_invitation(user_id):
    return _user_action(user_id, services.resend_invitation, "A new invitation was sent to {email}. Earlier links no longer work.")


@routes.route("/admin/security", methods=["GET", "POST"])
@agency_admin_required
def security():
    agency = agency_by_id(current_user.agency_id)
    form = SecurityForm() if request.method == "POST" else SecurityForm(require_staff_2fa=agency.require_staff_2fa)
    without_2fa = [user for user in queries.active_staff() if not user.totp_enabled and user.password_hash]
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_page("accounts/security.html", 422, form=form, agency=agency, without_2fa=without_2fa)
        required = bool(form.require_staff_2fa.data)
        if required != agency.require_staff_2fa:
            credentials.set_staff_2fa_requirement(agency, required)
            if required:
                note = "" if current_user.totp_enabled else " Set up your own two-factor authentication now."
                flash("Two-factor authentication is now required for agency staff and admins." + note, "success")
            else:
                flash("Two-factor authentication is now optional for agency staff.", "success")
        else:
            flash("No change: the setting was already saved.", "info")
        return redirect(url_for("accounts.security"))
    return render_page("accounts/security.html", form=form, agency=agency, without_2fa=without_2fa)
