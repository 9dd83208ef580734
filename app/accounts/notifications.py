"""Account emails (invitations and password resets), composed here and sent by jobs."""
from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.accounts.localtime import as_recipient
from app.accounts.models import Invitation, PasswordReset, User
from app.accounts.services import invitation_url, reset_url
from app.core import mail
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
        "user": user, "agency": agency, "inviter": inviter, "url": invitation_url(invitation),
        "expires_at": invitation.expires_at, "company": user.client.name if user.client else agency.name,
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
