"""factory_boy factories for tenant rows; each takes the agency (and client) it belongs to."""
from __future__ import annotations

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.accounts.models import ApiToken, Invitation, PasswordReset, User
from app.accounts.passwords import hash_password
from app.clients.models import ClientStaff
from app.core.types import utcnow
from app.extensions import db
from tenants.models import Agency, Client

PASSWORD = "correct horse battery"
_PASSWORD_HASH = None


def password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class AgencyFactory(Base):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class ClientFactory(Base):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} Ltd")
    timezone = "Europe/London"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "staff"
    password_hash = factory.LazyFunction(password_hash)


class ClientStaffFactory(Base):
    class Meta:
        model = ClientStaff


class InvitationFactory(Base):
    class Meta:
        model = Invitation

    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=3))


class PasswordResetFactory(Base):
    class Meta:
        model = PasswordReset

    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=1))


class ApiTokenFactory(Base):
    class Meta:
        model = ApiToken

    name = "test token"
    prefix = "abcdef"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
