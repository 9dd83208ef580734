"""The signed-in user's own account page: profile, password, two-factor and personal API tokens."""

from __future__ import annotations

import re

import qrcode
import qrcode.image.svg
from flask import flash, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.accounts import credentials, localtime, queries, services
from app.accounts.auth import signed_in_required
from app.accounts.forms import ApiTokenForm, ChangePasswordForm, DisableTwoFactorForm, EnableTwoFactorForm, LocalTimeForm
from app.core import localtime as core_localtime
from app.core.errors import Forbidden, ValidationFailed
from app.core.pages import apply_form_errors, render_page
from app.core.routes import ViewRoutes
from app.core.types import utcnow
from tenants.lookup import agency_by_id

routes = ViewRoutes()


def local_time_form(user, formdata=None) -> LocalTimeForm:
    """The zone and format choices, "Default" first, naming what the user inherits without a choice of their own."""
    inherited = localtime.inherited_viewer(user)
    if formdata is None:
        form = LocalTimeForm(formdata=None, timezone=user.timezone or "", locale=user.locale or "")
    else:
        form = LocalTimeForm()
    source = "your company's" if user.is_client_user else "the agency's"
    form.timezone.choices = [("", f"Default: {inherited.zone.replace('_', ' ')} ({source})")] + core_localtime.zone_choices()
    form.locale.choices = [
        ("", f"Default: {core_localtime.LOCALES.get(inherited.locale, inherited.locale)} (the agency's)")
    ] + core_localtime.locale_choices()
    return form


def _account_page(
    status: int = 200, *, password_form=None, token_form=None, disable_form=None, new_token=None, error: str | None = None, local_form=None
):
    user = current_user._get_current_object()
    return render_page(
        "accounts/account.html",
        status,
        user=user,
        agency=agency_by_id(user.agency_id),
        tokens=queries.tokens_of(user),
        password_form=password_form or ChangePasswordForm(formdata=None),
        token_form=token_form or ApiTokenForm(formdata=None),
        disable_form=disable_form or DisableTwoFactorForm(formdata=None),
        new_token=new_token,
        error=error,
        local_form=local_form or local_time_form(user),
        viewer=localtime.viewer_of(user),
        now=utcnow(),
    )


@routes.route("/account")
@signed_in_required
def account():
    return _account_page()


@routes.route("/account/password", methods=["POST"])
@signed_in_required
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(422, password_form=form)
    try:
        revoked = services.change_password(
            current_user._get_current_object(), form.current_password.data, form.new_password.data, revoke_tokens=bool(form.revoke_tokens.data)
        )
    except ValidationFailed as error:
        apply_form_errors(form, error)
        return _account_page(error.status, password_form=form)
    if form.revoke_tokens.data:
        flash(
            f"Your password has been changed. Any other devices were signed out and your API tokens were revoked "
            f"({revoked} token{'' if revoked == 1 else 's'}).",
            "success",
        )
    else:
        flash("Your password has been changed. Any other devices were signed out. Your API tokens still work.", "success")
    return redirect(url_for("accounts.account"))


@routes.route("/account/local-time", methods=["POST"])
@signed_in_required
def change_local_time():
    user = current_user._get_current_object()
    form = local_time_form(user, formdata=True)
    if not form.validate_on_submit():
        return _account_page(422, local_form=form)
    try:
        changed = localtime.update_user_locality(user, {"timezone": form.timezone.data, "locale": form.locale.data})
    except ValidationFailed as error:
        apply_form_errors(form, error)
        return _account_page(error.status, local_form=form)
    flash("Your time zone and format are saved." if changed else "No change: these were already your settings.", "success" if changed else "info")
    return redirect(url_for("accounts.account") + "#local-time")


@routes.route("/account/tokens", methods=["POST"])
@signed_in_required
def create_token():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _account_page(422, token_form=form)
    try:
        token, raw = credentials.create_api_token(current_user._get_current_object(), form.name.data)
    except ValidationFailed as error:
        apply_form_errors(form, error)
        return _account_page(error.status, token_form=form)
    # The raw token exists only in this response: it is never stored and cannot be shown again.
    response = _account_page(201, new_token={"token": token, "raw": raw})
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.route("/account/tokens/<uuid:token_id>/revoke", methods=["POST"])
@signed_in_required
def revoke_token(token_id):
    token = queries.token_for(current_user, token_id)
    credentials.revoke_api_token(token, current_user._get_current_object())
    flash(f"Token “{token.name}” has been revoked. Programs using it can no longer sign in.", "success")
    return redirect(url_for("accounts.account") + "#tokens")


# --- two-factor ----------------------------------------------------------------------------------


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code (rendered here, so the secret never leaves the server)."""
    svg = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2).to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="qr-code" role="img" aria-label="QR code for your authenticator app"', svg)
    return Markup(svg)


def _setup_page(secret: str, form, status: int = 200, error: str | None = None):
    user = current_user._get_current_object()
    agency = agency_by_id(user.agency_id)
    uri = credentials.totp_uri(user, secret, issuer=agency.name)
    required = request.args.get("required") == "1" or (agency.require_staff_2fa and user.is_agency_user)
    return render_page(
        "accounts/two_factor_setup.html", status, form=form, secret=secret, uri=uri, qr=qr_svg(uri), required=required, agency=agency, error=error
    )


@routes.route("/account/two-factor", methods=["GET"])
@signed_in_required
def two_factor_setup():
    if current_user.totp_enabled:
        flash("Two-factor authentication is already on for your account.", "info")
        return redirect(url_for("accounts.account") + "#two-factor")
    # Kept on the user row (never in the readable session cookie), and reused on reload so a code already
    # scanned keeps working.
    secret = credentials.pending_totp_secret(current_user._get_current_object())
    return _setup_page(secret, EnableTwoFactorForm(formdata=None))


@routes.route("/account/two-factor", methods=["POST"])
@signed_in_required
def two_factor_confirm():
    if current_user.totp_enabled:
        flash("Two-factor authentication is already on for your account.", "info")
        return redirect(url_for("accounts.account") + "#two-factor")
    form = EnableTwoFactorForm()
    user = current_user._get_current_object()
    secret = user.totp_pending_secret
    if not secret:
        flash("The setup expired. Scan this new code and enter the six digits it shows.", "warning")
        return redirect(url_for("accounts.two_factor_setup", **request.args))
    if not form.validate_on_submit():
        return _setup_page(secret, form, 422)
    try:
        credentials.enable_totp(user, form.code.data)
    except ValidationFailed as error:
        apply_form_errors(form, error)
        return _setup_page(secret, form, error.status)
    flash("Two-factor authentication is on. You will be asked for a code each time you sign in.", "success")
    return redirect(url_for("accounts.account") + "#two-factor")


@routes.route("/account/two-factor/disable", methods=["POST"])
@signed_in_required
def two_factor_disable():
    form = DisableTwoFactorForm()
    if not form.validate_on_submit():
        return _account_page(422, disable_form=form)
    agency = agency_by_id(current_user.agency_id)
    try:
        credentials.disable_totp(current_user._get_current_object(), form.password.data, agency_requires=agency.require_staff_2fa)
    except ValidationFailed as error:
        apply_form_errors(form, error)
        return _account_page(error.status, disable_form=form)
    except Forbidden as error:
        return _account_page(error.status, disable_form=form, error=error.message)
    flash("Two-factor authentication is off. Other devices were signed out.", "success")
    return redirect(url_for("accounts.account") + "#two-factor")
