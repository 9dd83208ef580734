"""SLA fixtures: an office-hours policy applied to agency A's work, and a clock to travel with."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import time_machine

from app.sla import services
from tests.support.web import tenant_db

# Monday 23 November 2026, 09:00 UTC: the office opens.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TARGETS = {
    "urgent": {"first_response": 30, "resolution": 120},
    "high": {"first_response": 30, "resolution": 120},
    "normal": {"first_response": 60, "resolution": 240},
    "low": {"resolution": 960},
}


@pytest.fixture
def office(app, world):
    """Agency A: a UTC calendar open Mon-Fri 09:00-17:00 and a policy (targets above, at risk at 75%) as its default."""
    with tenant_db(app, world.a.agency_id):
        calendar = services.create_calendar(
            {"name": "Office", "timezone": "UTC", "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
        )
        policy = services.create_policy({"name": "Office SLA", "calendar_id": calendar.id, "targets": TARGETS, "at_risk_percent": 75})
        services.set_rule(policy)
        return SimpleNamespace(calendar_id=calendar.id, policy_id=policy.id)


@pytest.fixture
def clock():
    """Time stands still at Monday 09:00 until the test moves it (`clock.move_to(...)`, `clock.shift(...)`)."""
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        yield traveller
