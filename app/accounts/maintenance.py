"""Periodic account upkeep: removing links that expired long ago."""

from datetime import timedelta

from sqlalchemy import delete

from app.accounts.models import PasswordReset
from app.core.types import utcnow
from app.extensions import db

KEEP_EXPIRED_FOR = timedelta(days=7)


def purge_expired_links() -> int:
    """Delete password-reset rows that expired more than a week ago (the audit log keeps the history)."""
    result = db.session.execute(delete(PasswordReset).where(PasswordReset.expires_at < utcnow() - KEEP_EXPIRED_FOR))
    return result.rowcount or 0
