"""Security headers on every kind of response, trusted proxies, cookie flags and production settings."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import PASSWORD
from tests.support.web import sign_in

COMMON = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def assert_security_headers(response, *, no_store: bool):
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"  # no inline script, no nonce, no eval
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == "'none'"
    if no_store:
        assert response.headers.get("Cache-Control") == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # development


def test_headers_on_pages_api_static_files_and_errors(app, world, as_user, client):
    signed_in = as_user(world.a.staff)
    cases = [
        (client, "get", "/sign-in", {}, 200, True),
        (signed_in, "get", "/account", {}, 200, True),
        (signed_in, "get", "/work", {}, 200, True),
        (signed_in, "get", "/api/v1/me", {}, 200, True),
        (client, "get", "/api/v1/me", {}, 401, True),
        (client, "get", "/api/v1/openapi.json", {}, 200, True),
        (client, "get", "/static/backline.css", {}, 200, False),
        (client, "get", "/static/backline.js", {}, 200, False),
        (client, "get", "/bootstrap/static/css/bootstrap.min.css", {}, 200, False),
        (signed_in, "get", "/no-such-page", {}, 404, True),
        (signed_in, "get", "/api/v1/tasks/not-a-uuid", {}, 404, True),
        (client, "post", "/api/v1/auth/token", {"json": {"agency": "x"}}, 422, True),
    ]
    for who, method, path, kwargs, status, no_store in cases:
        response = getattr(who, method)(path, **kwargs)
        try:
            assert response.status_code == status, (path, response.status_code)
            assert_security_headers(response, no_store=no_store)
        finally:
            response.close()


def test_headers_on_a_server_error(app, client, monkeypatch):
    from app.core.views import bp

    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, f"{bp.name}.healthz", boom)
    response = client.get("/healthz")

    assert response.status_code == 500
    assert_security_headers(response, no_store=True)


def test_hsts_in_production_only(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "BACKLINE_ENV", "production")

    response = client.get("/sign-in")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(re.search(r"max-age=(\d+)", response.headers["Strict-Transport-Security"]).group(1)) >= 31536000


def test_pages_have_no_inline_script_or_style_attributes(app, world, as_user):
    """The CSP forbids them: every page a signed-in user opens uses files, and hashed <style> only."""
    admin = as_user(world.a.agency_admin)
    for path in ("/", "/account", "/admin/branding", "/work", "/clients", f"/tasks/{world.a.task_id}"):
        response = admin.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), path
        assert not re.search(r"\son[a-z]+\s*=", body), path
        assert not re.search(r"<[^>]+\sstyle\s*=", body), path
        policy = response.headers["Content-Security-Policy"]
        for css in re.findall(r"<style>(.*?)</style>", body, re.S):
            import base64
            import hashlib

            digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy, path


# --- behind a proxy -------------------------------------------------------------------------------


def _fail_from(client, world, forwarded_for: str, n: int):
    return sign_in_with_headers(client, world, {"X-Forwarded-For": forwarded_for}, f"stranger{n}@a.test")


def sign_in_with_headers(client, world, headers, email):
    from tests.support.web import csrf_from

    token = csrf_from(client)
    return client.post(
        "/sign-in", headers=headers, data={"csrf_token": token, "workspace": world.a.slug, "email": email, "password": "wrong password!"}
    )


def test_trusted_proxy_lets_per_ip_limits_see_each_client(app, world, monkeypatch):
    from sqlalchemy import select

    from app.core.audit import AuditEvent
    from tests.support.web import tenant_db

    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "3 per minute")
    proxy = app.test_client()  # every request arrives from the proxy's one address
    for n in range(3):
        assert _fail_from(proxy, world, "203.0.113.5", n).status_code == 401

    assert _fail_from(proxy, world, "203.0.113.5", 9).status_code == 429
    # another client behind the same proxy is counted on its own
    assert _fail_from(proxy, world, "198.51.100.8", 10).status_code == 401
    with tenant_db(app, world.a.agency_id) as session:
        ips = set(session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "auth.sign_in_failed")))
    assert ips == {"203.0.113.5", "198.51.100.8"}


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "3 per minute")
    assert app.config["TRUSTED_PROXIES"] == 0
    client = app.test_client()
    for n in range(3):
        assert _fail_from(client, world, f"203.0.113.{n}", n).status_code == 401

    # claiming yet another address does not escape the limit
    assert _fail_from(client, world, "198.51.100.8", 9).status_code == 429


def test_only_the_trusted_hop_is_believed(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "3 per minute")
    client = app.test_client()
    for n in range(3):
        # the client forges a first hop; the proxy appends the real one
        assert _fail_from(client, world, f"10.0.0.{n}, 203.0.113.5", n).status_code == 401

    assert _fail_from(client, world, "10.0.0.99, 203.0.113.5", 9).status_code == 429


# --- cookies and production settings -------------------------------------------------------------


def test_remember_cookie_is_httponly_and_samesite_lax(world, client):
    response = sign_in(client, world.a.slug, world.a.staff.email, PASSWORD, remember=True)

    header = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("remember_token="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_production_requires_mail_url(monkeypatch):
    from app import config

    monkeypatch.setenv("BACKLINE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("MAIL_URL", raising=False)

    with pytest.raises(RuntimeError, match="MAIL_URL must be set when BACKLINE_ENV=production"):
        config.from_environ()

    monkeypatch.setenv("MAIL_URL", "smtp://mail.example:587?starttls=1")
    settings = config.from_environ()
    assert settings["MAIL_URL"] == "smtp://mail.example:587?starttls=1"
    assert settings["REMEMBER_COOKIE_SECURE"] is True and settings["SESSION_COOKIE_SECURE"] is True
