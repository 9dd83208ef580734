"""Who is calling: session and bearer-token loading, the tenant context, and role guards."""

from __future__ import annotations

import hashlib
import uuid
from functools import wraps

from flask import current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.core.errors import Forbidden
from app.core.types import utcnow
from app.extensions import csrf, db, login_manager
from tenants.context import TenantContext, set_tenant
from tenants.lookup import agency_by_id

TOKEN_PREFIX = "bl_"


def context_for(user) -> TenantContext:
    return TenantContext(agency_id=user.agency_id, client_id=user.client_id, user_id=user.id, role=user.role)


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError):
        return None


def _active_user(agency_id: uuid.UUID, user_id: uuid.UUID):
    """Load an active user of an active agency, leaving the tenant context set to them (or cleared)."""
    from app.accounts.models import User

    agency = agency_by_id(agency_id)
    if agency is None or agency.is_suspended:
        return None
    set_tenant(TenantContext(agency_id=agency.id))
    user = db.session.scalar(select(User).where(User.agency_id == agency.id, User.id == user_id))
    if user is None or not user.is_active:
        set_tenant(None)
        return None
    set_tenant(context_for(user))
    g.agency = agency
    return user


@login_manager.user_loader
def load_session_user(session_id: str):
    parts = session_id.split(":")
    if len(parts) != 3:
        return None
    agency_id, user_id = _parse_uuid(parts[0]), _parse_uuid(parts[1])
    if agency_id is None or user_id is None:
        return None
    user = _active_user(agency_id, user_id)
    if user is None or str(user.session_version) != parts[2]:
        set_tenant(None)
        return None  # a replayed cookie from before sign-out, password change or deactivation
    g.auth_method = "session"
    return user


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def parse_token(raw: str) -> uuid.UUID | None:
    """Tokens read `bl_<agency id hex>_<secret>`: the agency is known before any tenant row is read."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    agency_hex, _, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not secret:
        return None
    return _parse_uuid(agency_hex)


@login_manager.request_loader
def load_token_user(req):
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    from app.accounts.models import ApiToken

    raw = header[7:].strip()
    agency_id = parse_token(raw)
    if agency_id is None:
        return None
    agency = agency_by_id(agency_id)
    if agency is None or agency.is_suspended:
        return None
    set_tenant(TenantContext(agency_id=agency.id))
    token = db.session.scalar(select(ApiToken).where(ApiToken.agency_id == agency.id, ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        set_tenant(None)
        return None
    user = _active_user(agency.id, token.user_id)
    if user is None:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    g.auth_method = "token"
    g.api_token = token
    return user


def _load_tenant_for_request():
    """Resolve the caller once, before the view: this sets the tenant context for the request."""
    if request.endpoint in (None, "static", "bootstrap.static"):
        set_tenant(None)
        return None
    user = current_user._get_current_object()  # loads (once per request) through the loaders above
    set_tenant(context_for(user) if user.is_authenticated else None)
    if request.path.startswith("/api/") and g.get("auth_method") != "token" and request.method not in ("GET", "HEAD", "OPTIONS"):
        # Cookie-authenticated API writes need the CSRF token like any form post; bearer tokens do not.
        if user.is_authenticated and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
    if user.is_authenticated and user.is_agency_user and not request.path.startswith("/api/"):
        agency = g.get("agency")
        if agency is not None and agency.require_staff_2fa and not user.totp_enabled:
            allowed = {"accounts.two_factor_setup", "accounts.sign_out", "accounts.two_factor_confirm"}
            if request.endpoint not in allowed:
                return redirect(url_for("accounts.two_factor_setup", required=1))
    return None


def rate_limit_key() -> str:
    """API limits count per signed-in user, and per address for anonymous callers."""
    user = current_user._get_current_object()
    if user.is_authenticated:
        return f"user:{user.agency_id}:{user.id}"
    return f"ip:{request.remote_addr}"


def init_app(app) -> None:
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def _unauthorized():
        from app.core.errors import error_response, wants_json

        if wants_json():
            return error_response(
                401, "unauthorized", "Sign in or send a valid bearer token.", headers={"WWW-Authenticate": 'Bearer realm="backline"'}
            )
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))

    app.before_request(_load_tenant_for_request)


# --- guards ----------------------------------------------------------------------------------


def require_roles(*roles: str):
    """A view decorator: signed in, and one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                raise Forbidden("You do not have permission to do that.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


agency_admin_required = require_roles("agency_admin")
agency_user_required = require_roles("agency_admin", "staff")
signed_in_required = require_roles("agency_admin", "staff", "client_admin", "client_member")
