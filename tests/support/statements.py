"""Counting the SQL statements a block (typically one request) sends to the database, to catch N+1 queries.

from tests.support.statements import count_statements

with count_statements(app) as counted:
    response = client.get("/work")
assert counted.total <= 12, counted.report()

# the bound must not grow with the data: same count for 3 and for 30 tasks
assert_same_count(lambda: client.get("/work"), grow=lambda: add_tasks(27), app=app)
"""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

_FIRST_WORD = re.compile(r"\s*(\w+)")


@dataclass
class CountedStatements:
    """The statements seen during a `count_statements` block, in order (SQL text as sent to the driver)."""

    statements: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.statements)

    def matching(self, fragment: str) -> list[str]:
        """The statements whose SQL contains `fragment` (case-insensitive), e.g. "set_config" or "FROM tasks"."""
        needle = fragment.lower()
        return [s for s in self.statements if needle in s.lower()]

    def count(self, fragment: str) -> int:
        return len(self.matching(fragment))

    @property
    def kinds(self) -> Counter:
        """How many statements of each kind (SELECT, INSERT, UPDATE, ...)."""
        return Counter((m.group(1).upper() if (m := _FIRST_WORD.match(s)) else "?") for s in self.statements)

    def report(self) -> str:
        """A numbered listing of the statements, for assertion messages."""
        lines = [f"{self.total} statements:"]
        lines += [f"{n:3d}. {' '.join(s.split())[:240]}" for n, s in enumerate(self.statements, 1)]
        return "\n".join(lines)


@contextmanager
def count_statements(app):
    """Count the statements every engine of `app` executes inside the block (an executemany counts once)."""
    from app.extensions import db

    counted = CountedStatements()

    def record(conn, cursor, statement, parameters, context, executemany):
        counted.statements.append(statement)

    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield counted
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def request_count(app, call) -> CountedStatements:
    """Run `call()` (e.g. `lambda: client.get("/work")`) once and return what it executed."""
    with count_statements(app) as counted:
        call()
    return counted


def assert_same_count(app, call, grow) -> CountedStatements:
    """`call()` executes as many statements after `grow()` (adding rows) as before: no per-row queries.

    `call` is run once to warm up caches that are filled once per process, then once before and once after `grow`.
    Returns the second count (for an upper-bound assertion).
    """
    call()
    before = request_count(app, call)
    grow()
    after = request_count(app, call)
    assert after.total == before.total, (
        f"statement count grew with the data: {before.total} -> {after.total}\nbefore: {before.report()}\nafter: {after.report()}"
    )
    return after
