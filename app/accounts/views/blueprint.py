"""The accounts page blueprint and the small helpers its view modules share."""

from __future__ import annotations

from flask import Blueprint, current_app, request

bp = Blueprint("accounts", __name__)

WORKSPACE_COOKIE = "backline_workspace"


def remember_workspace(response, slug: str):
    response.set_cookie(
        WORKSPACE_COOKIE,
        slug,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def workspace_hint() -> str:
    """The workspace to prefill: ?workspace=, the subdomain of SERVER_NAME, or the remembered cookie."""
    explicit = (request.args.get("workspace") or "").strip().lower()
    if explicit:
        return explicit[:63]
    server_name = (current_app.config.get("SERVER_NAME") or "").split(":")[0].lower()
    host = request.host.split(":")[0].lower()
    if server_name and host.endswith("." + server_name):
        subdomain = host[: -len(server_name) - 1]
        if subdomain and "." not in subdomain and subdomain != "www":
            return subdomain[:63]
    return (request.cookies.get(WORKSPACE_COOKIE) or "").strip().lower()[:63]
