"""Security headers on every response, hashed inline stylesheets for the CSP, and trusted proxies."""

from __future__ import annotations

import base64
import hashlib

from flask import current_app, g, request
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

STATIC_ENDPOINTS = {"static", "bootstrap.static"}


def inline_style(css: str) -> Markup:
    """A <style> element the CSP allows by its hash (the agency's colours are per agency, not per file).

    A hash rather than a nonce keeps pages byte-identical between requests (no random value in them).
    """
    css = str(css)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    g.setdefault("csp_style_hashes", set()).add(f"'sha256-{digest}'")
    return Markup("<style>") + Markup(css) + Markup("</style>")


def content_security_policy() -> str:
    # No inline script at all; styles from this origin plus the <style> elements made by inline_style.
    # Bootstrap's data: SVG icons need img-src data:.
    styles = " ".join(sorted(g.get("csp_style_hashes", ())))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' {styles}".strip(),
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy()
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if current_app.config.get("BACKLINE_ENV") == "production":
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"  # bearer-authenticated data never sits in a shared cache
    elif request.endpoint not in STATIC_ENDPOINTS and "Cache-Control" not in headers:
        # Pages are per user (and carry CSRF tokens); the few public, versioned ones set their own.
        headers["Cache-Control"] = "no-store"
    return response


class TrustedProxies:
    """Werkzeug's ProxyFix with the count read from TRUSTED_PROXIES on each request (0: headers ignored).

    Only the last `n` X-Forwarded-For / X-Forwarded-Proto hops are believed, so per-IP limits and audit
    addresses see the client behind the load balancer, and a client cannot claim another address.
    """

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        hops = int(self.app.config.get("TRUSTED_PROXIES") or 0)
        if hops > 0:
            return ProxyFix(self.wsgi_app, x_for=hops, x_proto=hops)(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_app(app) -> None:
    app.wsgi_app = TrustedProxies(app, app.wsgi_app)
    app.after_request(add_security_headers)
    app.jinja_env.globals["inline_style"] = inline_style
