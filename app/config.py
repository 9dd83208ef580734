"""Settings, read from the environment only."""

import os
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("BACKLINE_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _sqlalchemy_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environ() -> dict:
    """Build the Flask config mapping from environment variables."""
    default_db = f"sqlite:///{INSTANCE_DIR / 'backline.sqlite3'}"
    database_url = _sqlalchemy_url(os.environ.get("DATABASE_URL", default_db))
    migration_url = os.environ.get("MIGRATION_DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL") or None
    secret = os.environ.get("SECRET_KEY")
    production = os.environ.get("BACKLINE_ENV", "development") == "production"
    if not secret:
        if production:
            raise RuntimeError("SECRET_KEY must be set when BACKLINE_ENV=production")
        secret = "dev-only-secret-key-change-me"
    mail_url = os.environ.get("MAIL_URL") or None
    if production and not mail_url:
        # Without it, emails (with their sign-in links) would be written to disk and logged in full.
        raise RuntimeError("MAIL_URL must be set when BACKLINE_ENV=production (smtp://user:pass@host:port?starttls=1 or smtps://...)")
    if production and not redis_url:
        # Without Redis, jobs would run inside each web process and rate limits would count per process
        # (two gunicorn workers allow twice the sign-in attempts): production shares both through Redis.
        raise RuntimeError("REDIS_URL must be set when BACKLINE_ENV=production")
    return {
        "SECRET_KEY": secret,
        "BACKLINE_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": _sqlalchemy_url(migration_url) if migration_url else None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "MAIL_URL": mail_url,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Backline <no-reply@backline.localhost>"),
        "MAIL_DIR": str(INSTANCE_DIR / "mail"),
        "UPLOAD_DIR": str(INSTANCE_DIR / "uploads"),
        "MAX_ATTACHMENT_BYTES": int(os.environ.get("MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024))),
        "STORAGE_BACKEND": os.environ.get("STORAGE_BACKEND") or None,
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "WTF_CSRF_ENABLED": _bool("WTF_CSRF_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down must not refuse every request: limits fall back to per-process memory with a logged warning,
        # and any other storage failure is logged and the request let through (fail open).
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2} if redis_url else {},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "LOGIN_IP_LIMIT": os.environ.get("LOGIN_IP_LIMIT", "30 per 15 minutes"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        "LOGIN_ACCOUNT_MAX_FAILURES": int(os.environ.get("LOGIN_ACCOUNT_MAX_FAILURES", "50")),
        "LOGIN_ACCOUNT_WINDOW_MINUTES": int(os.environ.get("LOGIN_ACCOUNT_WINDOW_MINUTES", "15")),
        "LOGIN_SOURCE_FREE_FAILURES": int(os.environ.get("LOGIN_SOURCE_FREE_FAILURES", "3")),
        "LOGIN_BACKOFF_SECONDS": int(os.environ.get("LOGIN_BACKOFF_SECONDS", "2")),
        "LOGIN_ALERT_FAILURES": int(os.environ.get("LOGIN_ALERT_FAILURES", "5")),
        "TOTP_MAX_FAILURES": int(os.environ.get("TOTP_MAX_FAILURES", "5")),
        "LINK_STATE_MINUTES": int(os.environ.get("LINK_STATE_MINUTES", "30")),
        "INVITATION_TTL_HOURS": int(os.environ.get("INVITATION_TTL_HOURS", "72")),
        "PASSWORD_RESET_TTL_MINUTES": int(os.environ.get("PASSWORD_RESET_TTL_MINUTES", "60")),
        "JOBS_IN_PROCESS": redis_url is None,
        # How long a notification email's sender may take before a retry may claim it (a killed worker's claim lapses).
        "EMAIL_CLAIM_LEASE_SECONDS": int(os.environ.get("EMAIL_CLAIM_LEASE_SECONDS", "30")),
        "RUN_PERIODIC_THREAD": _bool("RUN_PERIODIC_THREAD", False),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE"),
        "API_TITLE": "Backline API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": None,
        "OPENAPI_REDOC_PATH": None,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    }
