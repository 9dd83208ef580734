"""Every worked case of tests/data/sla-vectors.json (DESIGN section 7) through app.sla.calendar."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from app.sla.calendar import BusinessCalendar

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "data" / "sla-vectors.json").read_text())
_CALENDARS: dict[str, BusinessCalendar] = {}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _case_id(index: int, case: dict) -> str:
    amount = f"{case['minutes']}min" if "minutes" in case else f"to-{case['end']}"
    return f"{index:03d}-{case['kind']}-{case['calendar_name']}-{case['start']}-{amount}"


def _calendar(case: dict) -> BusinessCalendar:
    key = json.dumps(case["calendar"], sort_keys=True)
    if key not in _CALENDARS:
        _CALENDARS[key] = BusinessCalendar.from_spec(case["calendar"])
    return _CALENDARS[key]


def test_vector_file_covers_every_kind():
    assert len(VECTORS) >= 200
    assert {case["kind"] for case in VECTORS} == {"add", "between", "due"}


@pytest.mark.parametrize("case", VECTORS, ids=[_case_id(i, case) for i, case in enumerate(VECTORS)])
def test_vector(case):
    calendar = _calendar(case)
    # A fresh calendar (empty caches) must give the same answer as the shared one.
    fresh = BusinessCalendar.from_spec(case["calendar"])
    start = _instant(case["start"])
    for cal in (calendar, fresh):
        if case["kind"] == "add":
            assert cal.add_business_minutes(start, case["minutes"]) == _instant(case["expected"])
        elif case["kind"] == "between":
            assert cal.business_minutes_between(start, _instant(case["end"])) == case["expected"]
        else:
            pauses = [(_instant(a), _instant(b)) for a, b in case["pauses"]]
            assert cal.due_at(start, case["minutes"], pauses) == _instant(case["expected"])
