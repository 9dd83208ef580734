"""Column types shared by every model, and the application's clock."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC instant on every database (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_as_of: ContextVar[datetime | None] = ContextVar("backline_as_of", default=None)


def utcnow() -> datetime:
    """Now, in UTC; inside `as_of(...)`, that instant instead."""
    return _as_of.get() or datetime.now(UTC)


@contextmanager
def as_of(instant: datetime):
    """Run a block as if it were `instant`: recorded history (the demo's) gets true timestamps and clocks."""
    if instant.tzinfo is None:
        raise ValueError("as_of needs an aware instant")
    token = _as_of.set(instant.astimezone(UTC))
    try:
        yield instant
    finally:
        _as_of.reset(token)
