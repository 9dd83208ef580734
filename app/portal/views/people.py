"""The portal's People page: a client admin invites, re-invites, deactivates and reactivates their company's users and chooses its client admins."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Length

from app.accounts import queries, services
from app.accounts.models import CLIENT_ROLES, ROLE_LABELS
from app.core.errors import AppError, Forbidden, ValidationFailed
from app.core.pages import apply_form_errors, render_page

bp = Blueprint("people", __name__, url_prefix="/portal/people")


class InvitePersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the person's name."), Length(max=200)], render_kw={"autocomplete": "off"})
    email = EmailField(
        "Email", validators=[DataRequired("Enter their email address."), Length(max=254)], render_kw={"autocomplete": "off", "spellcheck": "false"}
    )
    client_admin = BooleanField("Client admin", description="Client admins can also invite and manage your company's people.")


@bp.before_request
def _client_admins_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role != "client_admin":
        raise Forbidden("Only your company's client admins manage its people.")
    return None


def _page(status_code: int = 200, *, form: InvitePersonForm | None = None, error: str | None = None):
    result = queries.list_users(current_user, cursor=request.args.get("cursor") or None)
    return render_page(
        "portal/people.html",
        status_code,
        people=result.items,
        next_cursor=result.next_cursor,
        paged=bool(request.args.get("cursor")),
        form=form or InvitePersonForm(formdata=None),
        error=error,
        role_labels=ROLE_LABELS,
    )


def _me():
    return current_user._get_current_object()


@bp.route("")
def index():
    return _page()


@bp.route("/invite", methods=["POST"])
def invite():
    form = InvitePersonForm()
    if not form.validate_on_submit():
        return _page(422, form=form, error="Please correct the highlighted fields.")
    try:
        user, _ = services.invite_user(
            email=form.email.data,
            name=form.name.data,
            role="client_admin" if form.client_admin.data else "client_member",
            client_id=current_user.client_id,
            invited_by=_me(),
        )
    except AppError as error:
        apply_form_errors(form, error)
        return _page(error.status, form=form, error=error.message)
    flash(f"Invitation sent to {user.email}. If it doesn't arrive, you can resend it below.", "success")
    return redirect(url_for("people.index"))


def _act(user_id, action, message: str):
    """Run one account service on one of the company's users (404 for anyone else's), then back to the list."""
    user = queries.user_for(current_user, user_id)
    was_me = user.id == current_user.id
    try:
        action(user)
    except AppError as error:
        return _page(error.status, error=error.message)
    flash(message.format(name=user.name, email=user.email), "success")
    if was_me and user.deactivated_at is not None:
        return redirect(url_for("accounts.sign_in"))
    if was_me:  # stepped down: this browser stays signed in (with the new role), other sessions end
        login_user(user)
        return redirect(url_for("portal.home"))
    return redirect(url_for("people.index"))


@bp.route("/<uuid:user_id>/resend", methods=["POST"])
def resend(user_id):
    return _act(user_id, lambda user: services.resend_invitation(user, _me()), "A new invitation was sent to {email}. Earlier links no longer work.")


@bp.route("/<uuid:user_id>/deactivate", methods=["POST"])
def deactivate(user_id):
    return _act(user_id, lambda user: services.deactivate_user(user, _me()), "{name} can no longer sign in. Their requests and messages are kept.")


@bp.route("/<uuid:user_id>/reactivate", methods=["POST"])
def reactivate(user_id):
    return _act(user_id, lambda user: services.reactivate_user(user, _me()), "{name} can sign in again.")


@bp.route("/<uuid:user_id>/role", methods=["POST"])
def change_role(user_id):
    role = request.form.get("role")

    def change(user):
        if role not in CLIENT_ROLES:
            raise ValidationFailed("Choose client admin or member.", fields={"role": ["Must be client_admin or client_member."]})
        services.update_user(user, _me(), role=role)

    return _act(user_id, change, "{name} is now " + ROLE_LABELS.get(role, "").lower() + ".")
