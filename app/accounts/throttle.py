"""Sign-in throttles read from the audit log: growing delays per (account, source), a per-account ceiling, second-factor lockout.

Failures are the `auth.sign_in_failed` and `auth.second_factor_failed` security events, which are written
in their own transaction (they outlive the request's rollback), so nothing here lives in a cookie that a
caller could replay, and every web process sees the same counts.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta

from flask import current_app

from app.accounts import queries
from app.core.types import utcnow

FAILURE_ACTIONS = ("auth.sign_in_failed", "auth.second_factor_failed")
ALERT_ACTION = "auth.failure_alert_sent"


def window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_ACCOUNT_WINDOW_MINUTES"])


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _failure_times(
    agency_id: uuid.UUID, email: str, since: datetime, *, ip: str | None = None, actions: tuple[str, ...] = FAILURE_ACTIONS
) -> list[datetime]:
    return queries.security_event_times(agency_id, email, actions, since, ip=ip)


def sign_in_wait(agency_id: uuid.UUID, email: str, ip: str | None) -> int:
    """Seconds this source must wait before trying `email` again; 0 when it may try now.

    Each source (address) gets a few free failures, then a delay that doubles with every further failure,
    so a guesser slows down quickly while the real user, elsewhere, is not held up. A much higher ceiling
    across all sources stops a guesser who spreads over many addresses.
    """
    config = current_app.config
    now = utcnow()
    start = now - window()
    everyone = _failure_times(agency_id, email, start)
    ceiling = config["LOGIN_ACCOUNT_MAX_FAILURES"]
    if len(everyone) >= ceiling:
        return _seconds_until(everyone[-ceiling] + window(), now)
    last_ok = queries.last_sign_in_at(agency_id, email, start, ip)
    mine = _failure_times(agency_id, email, max(start, last_ok) if last_ok else start, ip=ip)
    beyond_free = len(mine) - config["LOGIN_SOURCE_FREE_FAILURES"]
    if beyond_free < 0:
        return 0
    delay = min(config["LOGIN_BACKOFF_SECONDS"] * 2**beyond_free, window().total_seconds())
    ready_at = mine[-1] + timedelta(seconds=delay)
    return _seconds_until(ready_at, now) if ready_at > now else 0


def second_factor_failures(agency_id: uuid.UUID, email: str) -> list[datetime]:
    """Wrong codes for this account in the window since its last completed sign-in (from any browser or the API)."""
    start = utcnow() - window()
    last_ok = queries.last_sign_in_at(agency_id, email, start)
    return _failure_times(agency_id, email, max(start, last_ok) if last_ok else start, actions=("auth.second_factor_failed",))


def second_factor_wait(failures: list[datetime]) -> int:
    """Seconds until the account may try a code again, given its recent wrong codes; 0 when it may."""
    limit = current_app.config["TOTP_MAX_FAILURES"]
    if len(failures) < limit:
        return 0
    return _seconds_until(failures[-limit] + window(), utcnow())


def should_alert(agency_id: uuid.UUID, email: str) -> bool:
    """True when this failure brings the account to the alert threshold and no alert went out this window."""
    start = utcnow() - window()
    failures = len(_failure_times(agency_id, email, start)) + 1  # this failure is written after the request
    if failures < current_app.config["LOGIN_ALERT_FAILURES"]:
        return False
    return not _failure_times(agency_id, email, start, actions=(ALERT_ACTION,))
