"""Argon2id password hashing and the password policy."""

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# The test suite sets this to "cheap" so that thousands of sign-ins do not each cost a production-strength hash.
TEST_COST_VARIABLE = "BACKLINE_TEST_PASSWORD_HASHING"


def hasher_for(environ) -> PasswordHasher:
    """argon2id with the library's current recommended parameters; the cheapest ones only when a test run asks
    and never when BACKLINE_ENV=production (hashes made cheaply are rehashed at the next sign-in with real ones)."""
    cheap = environ.get(TEST_COST_VARIABLE, "").strip().lower() == "cheap"
    if cheap and environ.get("BACKLINE_ENV", "development") != "production":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


_hasher = hasher_for(os.environ)
MIN_LENGTH = 10
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an account without a hash still costs one verification (no timing oracle)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def policy_errors(password: str) -> list[str]:
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"Use at least {MIN_LENGTH} characters.")
    if password.strip() != password or not password.strip():
        errors.append("Do not start or end with spaces.")
    return errors
