"""Account writes: sign-in, sign-out, invitations, password resets, roles and deactivation."""

from __future__ import annotations

import hmac
from datetime import timedelta

import pyotp
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g
from flask_login import login_user, logout_user
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts import links, passwords, throttle
from app.accounts.auth import context_for
from app.accounts.models import AGENCY_ROLES, CLIENT_ROLES, ROLES, ApiToken, Invitation, PasswordReset, User
from app.core import audit, jobs
from app.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from tenants import security
from tenants.context import TenantContext, as_agency, set_tenant
from tenants.lookup import agency_by_slug, get_in_tenant
from tenants.models import Client

SIGN_IN_FAILED = "Those details do not match an active account in that workspace."


class SignInRefused(AppError):
    status = 401
    code = "invalid_credentials"


class SignInThrottled(AppError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class SecondFactorRequired(AppError):
    status = 401
    code = "otp_required"


def normalise_email(email: str, field: str = "email") -> str:
    try:
        return validate_email(
            (email or "").strip(), check_deliverability=False, test_environment=bool(current_app.config.get("TESTING"))
        ).normalized.lower()
    except EmailNotValidError as error:
        raise ValidationFailed("The email address is not valid.", fields={field: [str(error)]}) from None


# --- sign-in ---------------------------------------------------------------------------------


def wait_text(seconds: int) -> str:
    """`125` -> "2 minutes 5 seconds": exact, so people (and scripts) can wait just long enough."""
    minutes, rest = divmod(int(seconds), 60)
    parts = [f"{minutes} minute{'' if minutes == 1 else 's'}"] if minutes else []
    if rest or not parts:
        parts.append(f"{rest} second{'' if rest == 1 else 's'}")
    return " ".join(parts)


def _wait_message(seconds: int) -> str:
    return f"Too many failed sign-ins. Wait {wait_text(seconds)} and try again."


def _record_failure(agency_id, action: str, email: str, user: User | None, *, alert_owner: bool, **details) -> None:
    """A failed attempt, kept past the rollback; the account's owner is emailed once per window of many."""
    alert = None
    if alert_owner and user is not None and user.is_active and throttle.should_alert(agency_id, email):
        alert = ("worker.jobs.mail.send_sign_in_alert", {"user_id": str(user.id)})
    security.record_security_event(agency_id, action, email=email, client_id=user.client_id if user else None, **details)
    if alert:
        security.record_security_event(
            agency_id, throttle.ALERT_ACTION, email=email, then_enqueue=alert, client_id=user.client_id, target_type="users", target_id=user.id
        )


def check_credentials(workspace: str, email: str, password: str) -> User:
    """The user these credentials name, or SignInRefused with one message for every cause.

    Failures are throttled per (workspace, email) and source whether or not the account exists, so the
    throttle tells nothing either; see app.accounts.throttle.
    """
    agency = agency_by_slug(workspace)
    email_key = (email or "").strip().lower()
    if agency is None:
        passwords.verify_password(None, password or "")
        raise SignInRefused(SIGN_IN_FAILED)
    set_tenant(TenantContext(agency_id=agency.id))
    wait = throttle.sign_in_wait(agency.id, email_key, audit.request_ip())
    if wait:
        security.record_security_event(agency.id, "auth.sign_in_throttled", email=email_key)
        raise SignInThrottled(_wait_message(wait), retry_after=wait)
    user = db.session.scalar(select(User).where(User.email == email_key))
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active or agency.is_suspended:
        reason = "suspended" if agency.is_suspended else ("unknown" if user is None else ("inactive" if not user.is_active else "password"))
        _record_failure(agency.id, "auth.sign_in_failed", email_key, user, alert_owner=reason == "password", reason=reason)
        raise SignInRefused(SIGN_IN_FAILED)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def totp_step(secret: str, code: str | None) -> int | None:
    """The time-step (now, or one either side for clock drift) whose code is `code`; None when none is."""
    code = (code or "").strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def claim_totp_step(user: User, step: int) -> bool:
    """Mark `step` used for `user`; False when it (or a later one) was already used: each code works once.

    One conditional UPDATE, so two requests racing with the same code cannot both win.
    """
    claimed = (
        db.session.execute(
            update(User)
            .where(User.agency_id == user.agency_id, User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if claimed:
        set_committed_value(user, "totp_last_step", step)
    return claimed


def check_second_factor(user: User, otp: str | None) -> None:
    """Check a one-time code; wrong codes are counted per account on the server (pages and API alike)."""
    if not user.totp_enabled:
        return
    failures = throttle.second_factor_failures(user.agency_id, user.email)
    wait = throttle.second_factor_wait(failures)
    if wait:
        security.record_security_event(user.agency_id, "auth.second_factor_throttled", email=user.email, client_id=user.client_id)
        raise SignInThrottled(f"Too many wrong codes for this account. Wait {wait_text(wait)} and try again.", retry_after=wait)
    if not otp:
        raise SecondFactorRequired("Enter the six-digit code from your authenticator app.")
    step = totp_step(user.totp_secret, otp)
    if step is not None and claim_totp_step(user, step):
        return
    reused = step is not None
    _record_failure(user.agency_id, "auth.second_factor_failed", user.email, user, alert_owner=True, reason="reused" if reused else "wrong")
    if len(failures) + 1 >= current_app.config["TOTP_MAX_FAILURES"]:
        raise SignInThrottled("Too many wrong codes. Sign in again in a few minutes.", retry_after=max(1, int(throttle.window().total_seconds())))
    if reused:
        raise SignInRefused("That code was already used. Wait for the next code from your authenticator app.", code="invalid_otp")
    raise SignInRefused("That code is not valid. Check your authenticator app's clock and try again.", code="invalid_otp")


def start_session(user: User, remember: bool = False) -> None:
    """Sign `user` in on this browser."""
    set_tenant(context_for(user))
    user.last_login_at = utcnow()
    login_user(user, remember=remember)
    audit.record("auth.signed_in", user, actor_id=user.id, actor_email=user.email, method="password")


def end_session(user: User) -> None:
    """Sign out everywhere: bumping the session version refuses every cookie issued before."""
    user.session_version += 1
    audit.record("auth.signed_out", user)
    logout_user()


# --- invitations and resets -------------------------------------------------------------------


def invitation_url(invitation: Invitation) -> str:
    token = links.make_token("invite", invitation.agency_id, invitation.id)
    return links.absolute_url(f"/invitations/{token}")


def reset_url(reset: PasswordReset) -> str:
    token = links.make_token("reset", reset.agency_id, reset.id)
    return links.absolute_url(f"/password/reset/{token}")


def _validate_role(role: str, client_id) -> None:
    if role not in ROLES:
        raise ValidationFailed("Unknown role.", fields={"role": [f"Must be one of: {', '.join(ROLES)}."]})
    if role in CLIENT_ROLES and client_id is None:
        raise ValidationFailed("Client users need a client.", fields={"client_id": ["Required for client roles."]})
    if role in AGENCY_ROLES and client_id is not None:
        raise ValidationFailed("Agency staff do not belong to a client.", fields={"client_id": ["Leave empty for agency roles."]})


def _check_may_manage(actor: User | None, role: str, client_id) -> None:
    """Agency admins manage everyone; client admins manage their own company's client users."""
    if actor is None or actor.is_agency_admin:
        return
    if actor.role == "client_admin" and role in CLIENT_ROLES and client_id == actor.client_id:
        return
    raise Forbidden("You do not have permission to manage that user.")


def _active_client(client_id) -> Client:
    client = get_in_tenant(Client, client_id)
    if client is None or client.is_archived:
        raise ValidationFailed("Choose an active client.", fields={"client_id": ["Unknown or archived client."]})
    return client


def _new_invitation(user: User, invited_by: User | None) -> Invitation:
    now = utcnow()
    for old in db.session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    ):
        old.revoked_at = now
    invitation = Invitation(
        user_id=user.id,
        client_id=user.client_id,
        invited_by_id=invited_by.id if invited_by else None,
        expires_at=now + timedelta(hours=current_app.config["INVITATION_TTL_HOURS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def invite_user(*, email: str, name: str, role: str, client_id=None, invited_by: User | None, send_email: bool = True):
    """Create an invited user and an invitation link; the email goes out after commit."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Enter the person's name.", fields={"name": ["Required."]})
    client_uuid = _active_client(client_id).id if client_id else None
    _validate_role(role, client_uuid)
    _check_may_manage(invited_by, role, client_uuid)
    # Emails are unique across the agency: look beyond a client admin's own company (staff, other clients), and
    # answer the same whoever holds it, so the reply reveals nothing about who else is in the workspace.
    with as_agency():
        taken = db.session.scalar(select(User.id).where(User.email == email))
    if taken:
        raise Conflict("Someone in this workspace already uses that email.", fields={"email": ["Already in use."]})
    user = User(email=email, name=name[:200], role=role, client_id=client_uuid)
    db.session.add(user)
    db.session.flush()
    invitation = _new_invitation(user, invited_by)
    audit.record("user.invited", user, role=role, email=email, client_id=client_uuid)
    if send_email:
        jobs.enqueue("worker.jobs.mail.send_invitation", agency_id=user.agency_id, invitation_id=invitation.id)
    return user, invitation


def resend_invitation(user: User, invited_by: User) -> Invitation:
    _check_may_manage(invited_by, user.role, user.client_id)
    if user.status != "invited":
        raise Conflict("This person has already accepted their invitation.")
    invitation = _new_invitation(user, invited_by)
    audit.record("user.invitation_resent", user)
    jobs.enqueue("worker.jobs.mail.send_invitation", agency_id=user.agency_id, invitation_id=invitation.id)
    return invitation


def _token_row(kind: str, token: str, model):
    """Resolve a signed link to its row, setting the tenant context to the row's agency."""
    from tenants.lookup import agency_by_id

    parsed = links.read_token(kind, token)
    if parsed is None:
        raise NotFound("This link is not valid.")
    agency_id, row_id = parsed
    agency = agency_by_id(agency_id)
    if agency is None or agency.is_suspended:
        raise NotFound("This link is not valid.")
    set_tenant(TenantContext(agency_id=agency.id))
    row = db.session.scalar(select(model).where(model.id == row_id))
    if row is None:
        raise NotFound("This link is not valid.")
    return agency, row


def pending_invitation(token: str) -> tuple[Invitation, User]:
    """The invitation a link names, if it can still be used."""
    _, invitation = _token_row("invite", token, Invitation)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= utcnow():
        raise AppError("This invitation has expired or was already used. Ask your admin for a new one.", status=410, code="link_expired")
    user = db.session.scalar(select(User).where(User.id == invitation.user_id))
    if user is None or user.deactivated_at is not None:
        raise NotFound("This link is not valid.")
    return invitation, user


def accept_invitation(token: str, password: str, name: str | None = None) -> User:
    invitation, user = pending_invitation(token)
    problems = passwords.policy_errors(password or "")
    if problems:
        raise ValidationFailed("Choose a stronger password.", fields={"password": problems})
    user.password_hash = passwords.hash_password(password)
    if name and name.strip():
        user.name = name.strip()[:200]
    user.session_version += 1
    invitation.accepted_at = utcnow()
    set_tenant(context_for(user))
    audit.record("user.invitation_accepted", user, actor_id=user.id, actor_email=user.email)
    return user


def request_password_reset(workspace: str, email: str) -> None:
    """Send a reset link if the account exists; the caller always shows the same answer."""
    agency = agency_by_slug(workspace)
    if agency is None or agency.is_suspended:
        return
    set_tenant(TenantContext(agency_id=agency.id))
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.is_active:
        return
    reset = PasswordReset(
        user_id=user.id,
        client_id=user.client_id,
        expires_at=utcnow() + timedelta(minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"]),
    )
    db.session.add(reset)
    db.session.flush()
    audit.record("auth.password_reset_requested", user, actor_id=user.id, actor_email=user.email, client_id=user.client_id)
    jobs.enqueue("worker.jobs.mail.send_password_reset", agency_id=agency.id, reset_id=reset.id)


def pending_reset(token: str) -> tuple[PasswordReset, User]:
    _, reset = _token_row("reset", token, PasswordReset)
    if reset.used_at or reset.expires_at <= utcnow():
        raise AppError("This reset link has expired or was already used. Ask for a new one.", status=410, code="link_expired")
    user = db.session.scalar(select(User).where(User.id == reset.user_id))
    if user is None or not user.is_active:
        raise NotFound("This link is not valid.")
    return reset, user


def reset_password(token: str, password: str) -> User:
    reset, user = pending_reset(token)
    problems = passwords.policy_errors(password or "")
    if problems:
        raise ValidationFailed("Choose a stronger password.", fields={"password": problems})
    now = utcnow()
    for other in db.session.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))):
        other.used_at = now
    user.password_hash = passwords.hash_password(password)
    user.session_version += 1
    set_tenant(context_for(user))
    # Whoever had the old password may have made tokens with it: a reset ends every way in.
    revoked = revoke_all_api_tokens(user, now)
    audit.record("auth.password_reset", user, actor_id=user.id, actor_email=user.email, api_tokens_revoked=revoked)
    return user


def revoke_all_api_tokens(user: User, now=None) -> int:
    """Revoke every live API token of `user`; returns how many were live."""
    now = now or utcnow()
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))))
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def change_password(user: User, current_password: str, new_password: str, revoke_tokens: bool = False) -> int:
    """Change the password and sign out every other session; this browser stays signed in.

    API tokens keep working unless `revoke_tokens`; returns how many tokens were revoked.
    """
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise ValidationFailed("Your current password is not right.", fields={"current_password": ["Incorrect."]})
    problems = passwords.policy_errors(new_password or "")
    if problems:
        raise ValidationFailed("Choose a stronger password.", fields={"new_password": problems})
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    revoked = revoke_all_api_tokens(user) if revoke_tokens else 0
    audit.record("auth.password_changed", user, api_tokens_revoked=revoked)
    if g.get("auth_method") == "session":
        login_user(user)
    return revoked


# --- users -------------------------------------------------------------------------------------


def update_user(user: User, actor: User, *, name: str | None = None, role: str | None = None) -> User:
    _check_may_manage(actor, user.role, user.client_id)
    if name is not None:
        if not name.strip():
            raise ValidationFailed("Enter the person's name.", fields={"name": ["Required."]})
        user.name = name.strip()[:200]
    if role is not None and role != user.role:
        _validate_role(role, user.client_id)
        _check_may_manage(actor, role, user.client_id)
        if user.id == actor.id and not actor.role == "client_admin":
            raise Forbidden("You cannot change your own role.")
        _keep_one_admin(user, losing=user.role == "agency_admin")
        _keep_one_client_admin(user, actor, losing=user.role == "client_admin")
        audit.record("user.role_changed", user, old=user.role, new=role)
        user.role = role
        user.session_version += 1
    return user


def _keep_one_admin(user: User, losing: bool) -> None:
    if not losing:
        return
    admins = db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "agency_admin", User.deactivated_at.is_(None), User.id != user.id)
    )
    if not admins:
        raise Conflict("An agency needs at least one active admin.")


def _keep_one_client_admin(user: User, actor: User, losing: bool) -> None:
    """A client admin may step down or leave, but never leave their company without an active client admin."""
    if not losing or actor.role != "client_admin":
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.client_id == user.client_id,
            User.role == "client_admin",
            User.id != user.id,
            User.deactivated_at.is_(None),
            User.password_hash.is_not(None),
        )
    )
    if not others:
        raise ValidationFailed(
            "Your company needs at least one active client admin. Make someone else a client admin first.",
            fields={"role": ["You are the last active client admin."]},
        )


def deactivate_user(user: User, actor: User) -> User:
    """Deactivate: every session and token of the user stops working at once.

    Client admins may deactivate themselves (someone leaving) while another active client admin remains.
    """
    _check_may_manage(actor, user.role, user.client_id)
    if user.deactivated_at is not None:
        return user
    _keep_one_client_admin(user, actor, losing=user.role == "client_admin")
    if user.id == actor.id and actor.role != "client_admin":
        raise Forbidden("You cannot deactivate yourself.")
    _keep_one_admin(user, losing=user.role == "agency_admin")
    now = utcnow()
    user.deactivated_at = now
    user.session_version += 1
    revoke_all_api_tokens(user, now)
    audit.record("user.deactivated", user)
    return user


def reactivate_user(user: User, actor: User) -> User:
    _check_may_manage(actor, user.role, user.client_id)
    if user.deactivated_at is None:
        return user
    user.deactivated_at = None
    user.session_version += 1
    audit.record("user.reactivated", user)
    return user
