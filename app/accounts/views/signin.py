"""Signing in (with the second factor), signing out, and the pages behind emailed links."""

from __future__ import annotations

import time
import uuid

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts import links, services
from app.accounts.auth import signed_in_required
from app.accounts.forms import AcceptInvitationForm, ForgotPasswordForm, ResetPasswordForm, SecondFactorForm, SignInForm
from app.accounts.models import User
from app.accounts.services import SignInRefused, SignInThrottled
from app.accounts.views.blueprint import remember_workspace, workspace_hint
from app.core.errors import AppError, ValidationFailed
from app.core.pages import apply_form_errors, render_page, safe_next
from app.core.routes import ViewRoutes
from app.extensions import db, limiter
from tenants.context import TenantContext, set_tenant
from tenants.lookup import agency_by_id

routes = ViewRoutes()
PENDING_KEYS = ("2fa_user", "2fa_remember", "2fa_next", "2fa_started")
PENDING_TTL_SECONDS = 10 * 60


def _login_limit():
    return limiter.limit(lambda: current_app.config["LOGIN_IP_LIMIT"], methods=["POST"], deduct_when=lambda response: response.status_code >= 400)


def _after_sign_in(user: User, target: str | None) -> str:
    """Where a freshly signed-in user goes: 2FA setup when their agency demands it, else `next` or home."""
    agency = agency_by_id(user.agency_id)
    if user.is_agency_user and agency is not None and agency.require_staff_2fa and not user.totp_enabled:
        flash(f"{agency.name} requires two-factor authentication. Set it up to continue.", "warning")
        return url_for("accounts.two_factor_setup", required=1)
    return target or url_for("dashboard.home")


@routes.route("/sign-in", methods=["GET", "POST"])
@_login_limit()
def sign_in():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("dashboard.home"))
    form = SignInForm()
    if request.method == "GET":
        form.workspace.data = workspace_hint()
        form.next.data = safe_next(request.args.get("next")) or ""
    if not form.validate_on_submit():
        return render_page("accounts/sign_in.html", 422 if form.is_submitted() else 200, form=form)
    try:
        user = services.check_credentials(form.workspace.data, form.email.data, form.password.data)
    except (SignInRefused, SignInThrottled) as error:
        return _with_retry_after(render_page("accounts/sign_in.html", error.status, form=form, error=error.message), error)
    agency = agency_by_id(user.agency_id)
    target = safe_next(form.next.data)
    if user.totp_enabled:
        _clear_pending()
        # Wrong codes are counted per account on the server (app.accounts.throttle), never in this cookie.
        session.update(
            {
                "2fa_user": user.get_id(),
                "2fa_remember": bool(form.remember.data),
                "2fa_next": target,
                "2fa_started": int(time.time()),
            }
        )
        return remember_workspace(redirect(url_for("accounts.sign_in_verify")), agency.slug)
    services.start_session(user, remember=bool(form.remember.data))
    return remember_workspace(redirect(_after_sign_in(user, target)), agency.slug)


def _with_retry_after(response, error):
    if getattr(error, "headers", None):
        response.headers.update(error.headers)
    return response


def _clear_pending() -> None:
    for key in PENDING_KEYS:
        session.pop(key, None)


def _pending_user() -> User | None:
    """The user who passed the password step in this browser, if that step is recent and still valid."""
    pending = session.get("2fa_user")
    started = session.get("2fa_started") or 0
    if not pending or time.time() - started > PENDING_TTL_SECONDS:
        return None
    parts = str(pending).split(":")
    if len(parts) != 3:
        return None
    try:
        agency_id, user_id = uuid.UUID(parts[0]), uuid.UUID(parts[1])
    except ValueError:
        return None
    agency = agency_by_id(agency_id)
    if agency is None or agency.is_suspended:
        return None
    set_tenant(TenantContext(agency_id=agency.id))
    user = db.session.scalar(select(User).where(User.agency_id == agency.id, User.id == user_id))
    if user is None or not user.is_active or not user.totp_enabled or str(user.session_version) != parts[2]:
        set_tenant(None)
        return None
    return user


@routes.route("/sign-in/verify", methods=["GET", "POST"])
@_login_limit()
def sign_in_verify():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    user = _pending_user()
    if user is None:
        _clear_pending()
        flash("Your sign-in expired. Enter your details again.", "info")
        return redirect(url_for("accounts.sign_in"))
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return render_page("accounts/sign_in_verify.html", 422 if form.is_submitted() else 200, form=form, user=user)
    try:
        services.check_second_factor(user, form.code.data)
    except SignInThrottled as error:
        _clear_pending()
        flash("Too many wrong codes. Sign in again.", "danger")
        return _with_retry_after(render_page("accounts/sign_in_verify.html", 429, form=form, user=user, error=error.message, expired=True), error)
    except AppError as error:
        return render_page("accounts/sign_in_verify.html", error.status, form=form, user=user, error=error.message)
    remember, target = bool(session.get("2fa_remember")), safe_next(session.get("2fa_next"))
    _clear_pending()
    services.start_session(user, remember=remember)
    return redirect(_after_sign_in(user, target))


@routes.route("/sign-out", methods=["POST"])
@signed_in_required
def sign_out():
    services.end_session(current_user._get_current_object())
    flash("You have signed out.", "success")
    return redirect(url_for("accounts.sign_in"))


@routes.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_IP_LIMIT"], methods=["POST"])
def password_forgot():
    form = ForgotPasswordForm()
    if request.method == "GET":
        form.workspace.data = workspace_hint()
    if not form.validate_on_submit():
        return render_page("accounts/password_forgot.html", 422 if form.is_submitted() else 200, form=form)
    services.request_password_reset(form.workspace.data, form.email.data)
    return render_page("accounts/password_forgot_sent.html", 200, email=form.email.data)


@routes.route("/password/reset/<token>", methods=["GET"])
def password_reset(token):
    """The emailed link: exchanged for a short-lived state cookie, then a token-free address."""
    try:
        services.pending_reset(token)
    except AppError as error:
        return render_page("accounts/link_invalid.html", error.status, status=error.status, message=error.message, kind="reset")
    return links.keep_link_state(redirect(url_for("accounts.password_reset_form")), "reset", token)


def _link_gone(kind: str):
    """The token-free page without a live state: the link was used, is old, or was never opened here."""
    if kind == "reset":
        message, page_kind = "This reset link has expired or was already used. Open the link in your email again.", "reset"
    else:
        message, page_kind = "This invitation has expired or was already used. Open the link in your email again.", "invitation"
    return links.forget_link_state(render_page("accounts/link_invalid.html", 410, status=410, message=message, kind=page_kind), kind)


@routes.route("/password/reset", methods=["GET", "POST"])
def password_reset_form():
    token = links.link_state("reset")
    if token is None:
        return _link_gone("reset")
    try:
        _, user = services.pending_reset(token)
    except AppError as error:
        return links.forget_link_state(
            render_page("accounts/link_invalid.html", error.status, status=error.status, message=error.message, kind="reset"), "reset"
        )
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ValidationFailed as error:
            apply_form_errors(form, error)
            return render_page("accounts/password_reset.html", error.status, form=form, user=user, error=error.message)
        agency = agency_by_id(user.agency_id)
        flash(
            "Your password has been changed, other devices were signed out and your API tokens were revoked. Sign in with the new password.",
            "success",
        )
        response = remember_workspace(redirect(url_for("accounts.sign_in", workspace=agency.slug)), agency.slug)
        return links.forget_link_state(response, "reset")
    return render_page("accounts/password_reset.html", 422 if form.is_submitted() else 200, form=form, user=user)


@routes.route("/invitations/<token>", methods=["GET"])
def accept_invitation(token):
    """The emailed link: exchanged for a short-lived state cookie, then a token-free address."""
    try:
        services.pending_invitation(token)
    except AppError as error:
        return render_page("accounts/link_invalid.html", error.status, status=error.status, message=error.message, kind="invitation")
    return links.keep_link_state(redirect(url_for("accounts.accept_invitation_form")), "invite", token)


@routes.route("/invitations/accept", methods=["GET", "POST"])
def accept_invitation_form():
    token = links.link_state("invite")
    if token is None:
        return _link_gone("invite")
    try:
        _, user = services.pending_invitation(token)
    except AppError as error:
        return links.forget_link_state(
            render_page("accounts/link_invalid.html", error.status, status=error.status, message=error.message, kind="invitation"), "invite"
        )
    agency = agency_by_id(user.agency_id)
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = user.name
    context = {"form": form, "user": user, "agency": agency}
    if not form.validate_on_submit():
        return render_page("accounts/accept_invitation.html", 422 if form.is_submitted() else 200, **context)
    try:
        user = services.accept_invitation(token, form.password.data, form.name.data)
    except ValidationFailed as error:
        apply_form_errors(form, error)
        return render_page("accounts/accept_invitation.html", error.status, error=error.message, **context)
    services.start_session(user)
    flash(f"Welcome to {agency.name}, {user.name}. Your account is ready.", "success")
    response = remember_workspace(redirect(_after_sign_in(user, None)), agency.slug)
    return links.forget_link_state(response, "invite")
