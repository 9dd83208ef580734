"""Helpers for driving pages and the API in tests: tenant sessions, CSRF tokens, sign-in, tokens, error shape."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager

from flask import session as flask_session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from app.accounts import credentials
from app.accounts.models import User
from app.extensions import db
from tenants.context import TenantContext, tenant_scope

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def tenant_db(app, agency_id):
    """The database session under one agency's context, committed at the end of the block."""
    with app.app_context():
        with tenant_scope(TenantContext(agency_id=agency_id)):
            yield db.session
            db.session.commit()


def load_user(session, ref) -> User:
    return session.scalar(select(User).where(User.id == ref.id))


def bearer(app, ref) -> dict:
    """A personal API token for `ref`, made by the service, as request headers."""
    with tenant_db(app, ref.agency_id) as session:
        _, raw = credentials.create_api_token(load_user(session, ref), "test token")
    return {"Authorization": f"Bearer {raw}"}


def csrf_from(client, path: str = "/sign-in") -> str:
    """GET `path` and return the CSRF token from its form."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, "the form has no csrf_token input"
    return html.unescape(match.group(1))


def csrf_for(app, client) -> str:
    """Put a Flask-WTF CSRF secret into the client's session and return the matching token."""
    with app.test_request_context():
        token = generate_csrf()
        raw = flask_session["csrf_token"]
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return token


def sign_in(client, workspace, email, password, remember=False, next_url=None):
    """Post the sign-in form, with the token from the sign-in page."""
    form = {"csrf_token": csrf_from(client), "workspace": workspace, "email": email, "password": password}
    if remember:
        form["remember"] = "y"
    if next_url is not None:
        form["next"] = next_url
    return client.post("/sign-in", data=form)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Check the API's one JSON error shape (and status and code); returns the error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code:
        assert error["code"] == code
    return error
