"""Second factors (TOTP) and personal API tokens: enabling, disabling, issuing and revoking."""

from __future__ import annotations

import secrets

import pyotp
from flask import g
from flask_login import login_user

from app.accounts import passwords
from app.accounts.auth import TOKEN_PREFIX, context_for, hash_token
from app.accounts.models import ApiToken, User
from app.accounts.services import check_credentials, check_second_factor, totp_step
from app.core import audit
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.types import utcnow
from app.extensions import db
from tenants.context import set_tenant

# --- two-factor --------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def pending_totp_secret(user: User) -> str:
    """The secret being set up for `user`, made on first use and kept server-side until confirmed."""
    if not user.totp_pending_secret:
        user.totp_pending_secret = new_totp_secret()
    return user.totp_pending_secret


def enable_totp(user: User, code: str) -> None:
    """Turn on the pending secret once `code` proves the authenticator holds it; that code is then spent."""
    secret = user.totp_pending_secret
    step = totp_step(secret, code) if secret else None
    if step is None:
        raise ValidationFailed(
            "That code does not match. Scan the code again and enter the current six digits.", fields={"code": ["Incorrect code."]}
        )
    user.totp_secret = secret
    user.totp_pending_secret = None
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    audit.record("auth.two_factor_enabled", user)


def disable_totp(user: User, password: str, agency_requires: bool) -> None:
    if agency_requires and user.is_agency_user:
        raise Forbidden("Your agency requires two-factor authentication for staff.")
    if not passwords.verify_password(user.password_hash, password or ""):
        raise ValidationFailed("Your password is not right.", fields={"password": ["Incorrect."]})
    user.totp_secret = None
    user.totp_enabled_at = None
    user.session_version += 1
    audit.record("auth.two_factor_disabled", user)
    if g.get("auth_method") == "session":
        login_user(user)


def set_staff_2fa_requirement(agency, required: bool) -> None:
    agency.require_staff_2fa = bool(required)
    audit.record("agency.staff_2fa_required" if required else "agency.staff_2fa_optional", target_type="agencies", target_id=agency.id)


# --- API tokens --------------------------------------------------------------------------------


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; the raw token is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Name the token so you can recognise it later.", fields={"name": ["Required."]})
    raw = f"{TOKEN_PREFIX}{user.agency_id.hex}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user_id=user.id, client_id=user.client_id, name=name[:100], prefix=raw[-6:], token_hash=hash_token(raw))
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", token, name=token.name)
    return token, raw


def revoke_api_token(token: ApiToken, actor: User) -> ApiToken:
    if token.user_id != actor.id and not actor.is_agency_admin:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoked", token, name=token.name)
    return token


def issue_token_for_credentials(workspace: str, email: str, password: str, otp: str | None, name: str | None) -> tuple[ApiToken, str]:
    """POST /api/v1/auth/token: check the credentials (and code) and return a new token."""
    user = check_credentials(workspace, email, password)
    check_second_factor(user, otp)
    from tenants.lookup import agency_by_id

    agency = agency_by_id(user.agency_id)
    if agency.require_staff_2fa and user.is_agency_user and not user.totp_enabled:
        raise Forbidden("Your agency requires two-factor authentication. Set it up in the web app first.", code="two_factor_setup_required")
    set_tenant(context_for(user))
    user.last_login_at = utcnow()
    audit.record("auth.signed_in", user, actor_id=user.id, actor_email=user.email, method="api_token")
    return create_api_token(user, name or "API token")
