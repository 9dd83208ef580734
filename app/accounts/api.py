"""JSON endpoints for tokens, the caller, and users."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_login import current_user

from app.accounts import credentials, localtime, queries, services
from app.accounts.auth import require_roles, signed_in_required
from app.accounts.schemas import (
    ApiTokenIn,
    ApiTokenOut,
    MeOut,
    MeUpdateIn,
    NewApiTokenOut,
    TokenRequestIn,
    UserFilterArgs,
    UserInviteIn,
    UserOut,
    UserPageOut,
    UserUpdateIn,
)
from app.core.api import Blueprint
from app.core.errors import ErrorResponse
from app.extensions import limiter

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1", description="Sign-in tokens, the caller, and users")
user_admin_required = require_roles("agency_admin", "client_admin")


def _page(page) -> dict:
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/auth/token", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_IP_LIMIT"], methods=["POST"], deduct_when=lambda response: response.status_code >= 400)
@blp.arguments(TokenRequestIn)
@blp.response(201, NewApiTokenOut)
@blp.alt_response(401, schema=ErrorResponse, description="Wrong credentials, or a second factor is required")
@blp.alt_response(429, schema=ErrorResponse, description="Too many failed attempts")
@blp.doc(security=[])
def issue_token(data):
    """Exchange workspace, email, password (and a TOTP code when enabled) for a bearer token."""
    token, raw = credentials.issue_token_for_credentials(data["agency"], data["email"], data["password"], data.get("otp"), data.get("name"))
    token.token = raw  # shown in this response only; never stored
    return token


@blp.route("/me")
class Me(MethodView):
    decorators = [signed_in_required]

    @blp.response(200, MeOut)
    def get(self):
        """The signed-in user and their agency."""
        return current_user

    @blp.arguments(MeUpdateIn)
    @blp.response(200, MeOut)
    def patch(self, data):
        """Change the caller's own time zone and locale (null inherits the client's or agency's)."""
        localtime.update_user_locality(current_user._get_current_object(), data)
        return current_user


@blp.route("/tokens")
class Tokens(MethodView):
    decorators = [signed_in_required]

    @blp.response(200, ApiTokenOut(many=True))
    def get(self):
        """Your own API tokens (never the secrets)."""
        return queries.tokens_of(current_user)

    @blp.arguments(ApiTokenIn)
    @blp.response(201, NewApiTokenOut)
    def post(self, data):
        """Create a personal API token; the response holds it once."""
        token, raw = credentials.create_api_token(current_user, data["name"])
        token.token = raw  # shown in this response only; never stored
        return token


@blp.route("/tokens/<uuid:token_id>", methods=["DELETE"])
@signed_in_required
@blp.response(204)
def revoke_token(token_id):
    """Revoke one of your tokens."""
    credentials.revoke_api_token(queries.token_for(current_user, token_id), current_user)


@blp.route("/users")
class Users(MethodView):
    decorators = [user_admin_required]

    @blp.arguments(UserFilterArgs, location="query")
    @blp.response(200, UserPageOut)
    def get(self, args):
        """Users you manage, by email, with filters and keyset pagination."""
        return _page(queries.list_users(current_user, **args))

    @blp.arguments(UserInviteIn)
    @blp.response(201, UserOut)
    def post(self, data):
        """Invite a user: they get an email with a single-use link to set their password."""
        user, _ = services.invite_user(invited_by=current_user, **data)
        return user


@blp.route("/users/<uuid:user_id>")
class UserItem(MethodView):
    decorators = [user_admin_required]

    @blp.response(200, UserOut)
    def get(self, user_id):
        """One user."""
        return queries.user_for(current_user, user_id)

    @blp.arguments(UserUpdateIn)
    @blp.response(200, UserOut)
    def patch(self, data, user_id):
        """Change a user's name or role."""
        user = queries.user_for(current_user, user_id)
        return services.update_user(user, current_user, **data)


@blp.route("/users/<uuid:user_id>/deactivate", methods=["POST"])
@user_admin_required
@blp.response(200, UserOut)
def deactivate_user(user_id):
    """Deactivate a user: their sessions and tokens stop working at once."""
    return services.deactivate_user(queries.user_for(current_user, user_id), current_user)


@blp.route("/users/<uuid:user_id>/reactivate", methods=["POST"])
@user_admin_required
@blp.response(200, UserOut)
def reactivate_user(user_id):
    """Reactivate a deactivated user."""
    return services.reactivate_user(queries.user_for(current_user, user_id), current_user)
