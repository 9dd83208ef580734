"""Due-date speed: 100,000 SLA due dates on a realistic Europe/London calendar, timed cold (fresh calendar, empty caches).

    .venv/bin/python bench/sla.py                      # target: under 2 seconds
    .venv/bin/python bench/sla.py --count 500000 --seed 7

Starts are random instants over a year, targets up to two business weeks (10 days of 8 business hours),
one due date in five has a waiting-on-client pause; the calendar has a lunch break, English bank holidays
and office closure days.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.sla.calendar import BusinessCalendar  # noqa: E402

TARGET_SECONDS = 2.0
SPEC = {
    "timezone": "Europe/London",
    "hours": {day: [["09:00", "12:30"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-12-24", "2026-12-29", "2026-12-30", "2026-12-31", "2027-08-02"],
    "country": "GB",
    "subdivision": "ENG",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    year_start = datetime(2026, 1, 1, tzinfo=UTC)
    cases = []
    for _ in range(args.count):
        start = year_start + timedelta(seconds=rng.randrange(365 * 86_400))
        minutes = rng.randint(1, 10 * 8 * 60)
        pauses = []
        if rng.random() < 0.2:
            pause_start = start + timedelta(minutes=rng.randrange(3 * 1440))
            pauses.append((pause_start, pause_start + timedelta(minutes=rng.randrange(1, 5 * 1440))))
        cases.append((start, minutes, pauses))

    began = time.perf_counter()
    calendar = BusinessCalendar.from_spec(SPEC)
    due = [calendar.due_at(start, minutes, pauses) for start, minutes, pauses in cases]
    elapsed = time.perf_counter() - began

    assert len(due) == args.count and all(d >= s for d, (s, _, _) in zip(due, cases, strict=True))
    rate = args.count / elapsed
    verdict = "ok" if elapsed < TARGET_SECONDS * args.count / 100_000 else "SLOW"
    print(
        f"{args.count:,} due dates in {elapsed:.3f} s ({rate:,.0f} per second, {elapsed / args.count * 1e6:.1f} µs each) "
        f"- target under {TARGET_SECONDS:.0f} s per 100,000: {verdict}"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
