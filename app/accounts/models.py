"""Users of an agency or of one of its clients, their invitations, reset links and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import ClientScoped, TenantModel, tenant_fk
from app.core.types import UTCDateTime, utcnow
from tenants.models import Client

AGENCY_ROLES = ("agency_admin", "staff")
CLIENT_ROLES = ("client_admin", "client_member")
ROLES = AGENCY_ROLES + CLIENT_ROLES
ROLE_LABELS = {
    "agency_admin": "Agency admin",
    "staff": "Staff",
    "client_admin": "Client admin",
    "client_member": "Client member",
}


class User(UserMixin, TenantModel, ClientScoped):
    """A person who signs in. Agency users have no client; client users belong to exactly one."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("agency_id", "email"),
        tenant_fk("client_id", "clients"),
        CheckConstraint(
            "(role IN ('agency_admin', 'staff') AND client_id IS NULL) OR (role IN ('client_admin', 'client_member') AND client_id IS NOT NULL)",
            name="role_matches_client",
        ),
        Index("ix_users_agency_client", "agency_id", "client_id"),
    )
    id_param = "user_id"

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time-step of the last code accepted: a code is good once, never again (no replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The secret being set up, kept here rather than in the readable session cookie.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The person's own IANA zone and Babel locale; NULL inherits (app/accounts/localtime.py resolves them).
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))

    client: Mapped[Client | None] = relationship(
        Client,
        primaryjoin="and_(User.agency_id == Client.agency_id, foreign(User.client_id) == Client.id)",
        viewonly=True,
        lazy="joined",
    )

    # Flask-Login -------------------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.agency_id}:{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None and self.password_hash is not None

    @property
    def agency(self):
        from tenants.lookup import agency_by_id

        return agency_by_id(self.agency_id)

    # Roles -------------------------------------------------------------------------------
    @property
    def is_agency_user(self) -> bool:
        return self.role in AGENCY_ROLES

    @property
    def is_agency_admin(self) -> bool:
        return self.role == "agency_admin"

    @property
    def is_client_user(self) -> bool:
        return self.role in CLIENT_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def status(self) -> str:
        if self.deactivated_at is not None:
            return "deactivated"
        if self.password_hash is None:
            return "invited"
        return "active"

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None


class Invitation(TenantModel, ClientScoped):
    """A single-use, expiring link that lets an invited user set a password."""

    __tablename__ = "invitations"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_invitations_agency_user", "agency_id", "user_id"),
    )
    id_param = "invitation_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(TenantModel, ClientScoped):
    """A single-use, expiring password-reset link."""

    __tablename__ = "password_resets"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        Index("ix_password_resets_agency_user", "agency_id", "user_id"),
    )
    id_param = "password_reset_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(TenantModel, ClientScoped):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        tenant_fk("user_id", "users", ondelete="CASCADE"),
        tenant_fk("client_id", "clients"),
        UniqueConstraint("agency_id", "token_hash"),
        Index("ix_api_tokens_agency_user", "agency_id", "user_id"),
    )
    id_param = "token_id"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
