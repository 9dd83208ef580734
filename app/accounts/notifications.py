"""Account emails (invitations, password resets, failed sign-in alerts), composed here and sent by jobs."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.accounts import throttle
from app.accounts.links import absolute_url
from app.accounts.localtime import as_recipient
from app.accounts.models import Invitation, PasswordReset, User
from app.accounts.services import invitation_url, reset_url
from app.core import mail
from app.core.audit import AuditEvent
from app.core.types import utcnow
from app.extensions import db
from tenants.lookup import agency_by_id, get_in_tenant


def send_invitation_email(invitation_id) -> str:
    """Email an invitation link once; a link that can no longer be used is not sent."""
    invitation = get_in_tenant(Invitation, invitation_id)
    if invitation is None:
        return "missing"
    if invitation.emailed_at or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= utcnow():
        return "skipped"
    user = db.session.scalar(select(User).where(User.id == invitation.user_id))
    agency = agency_by_id(invitation.agency_id)
    inviter = get_in_tenant(User, invitation.invited_by_id) if invitation.invited_by_id else None
    context = {
        "user": user,
        "agency": agency,
        "inviter": inviter,
        "url": invitation_url(invitation),
        "expires_at": invitation.expires_at,
        "company": user.client.name if user.client else agency.name,
    }
    with as_recipient(user):  # the expiry reads on the recipient's clock
        mail.send(
            user.email,
            f"You're invited to {agency.name} on Backline",
            render_template("email/invitation.txt", **context),
            render_template("email/invitation.html", **context),
        )
    invitation.emailed_at = utcnow()
    return "sent"


def send_password_reset_email(reset_id) -> str:
    reset = get_in_tenant(PasswordReset, reset_id)
    if reset is None:
        return "missing"
    if reset.emailed_at or reset.used_at or reset.expires_at <= utcnow():
        return "skipped"
    user = db.session.scalar(select(User).where(User.id == reset.user_id))
    agency = agency_by_id(reset.agency_id)
    context = {"user": user, "agency": agency, "url": reset_url(reset), "expires_at": reset.expires_at}
    with as_recipient(user):
        mail.send(
            user.email,
            f"Reset your {agency.name} password",
            render_template("email/password_reset.txt", **context),
            render_template("email/password_reset.html", **context),
        )
    reset.emailed_at = utcnow()
    return "sent"


def send_sign_in_alert_email(user_id) -> str:
    """Tell a user their account is seeing repeated failed sign-ins (queued at most once per throttle window)."""
    user = get_in_tenant(User, user_id)
    if user is None or not user.is_active:
        return "skipped"
    agency = agency_by_id(user.agency_id)
    since = utcnow() - throttle.window()
    failures = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.actor_email == user.email, AuditEvent.action.in_(throttle.FAILURE_ACTIONS), AuditEvent.at >= since)
            .order_by(AuditEvent.at)
        )
    )
    context = {
        "user": user,
        "agency": agency,
        "failures": max(len(failures), 1),
        "last_ip": failures[-1].ip if failures else None,
        "window_minutes": int(throttle.window().total_seconds() // 60),
        "reset_url": absolute_url(f"/password/forgot?workspace={agency.slug}"),
    }
    with as_recipient(user):
        mail.send(
            user.email,
            f"Failed sign-ins to your {agency.name} account",
            render_template("email/sign_in_alert.txt", **context),
            render_template("email/sign_in_alert.html", **context),
        )
    return "sent"
