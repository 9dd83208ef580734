"""Production hashes passwords with argon2id's recommended parameters; the test suite's cheap ones never reach it."""

from argon2 import PasswordHasher, extract_parameters, profiles

from app.accounts import passwords

PRODUCTION_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"  # RFC 9106's second recommendation, argon2-cffi's default


def _parameters(hasher: PasswordHasher) -> tuple:
    return hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len


def test_production_and_development_hash_with_the_recommended_parameters():
    recommended = profiles.RFC_9106_LOW_MEMORY
    for environ in ({"BACKLINE_ENV": "production"}, {}, {"BACKLINE_ENV": "production", passwords.TEST_COST_VARIABLE: "cheap"}):
        hasher = passwords.hasher_for(environ)
        assert _parameters(hasher) == (
            recommended.type,
            recommended.time_cost,
            recommended.memory_cost,
            recommended.parallelism,
            recommended.hash_len,
            recommended.salt_len,
        ), environ
    production_hash = passwords.hasher_for({"BACKLINE_ENV": "production", passwords.TEST_COST_VARIABLE: "cheap"}).hash("x" * 10)
    assert production_hash.startswith(PRODUCTION_PREFIX)
    assert extract_parameters(production_hash) == recommended


def test_the_cheap_test_hashes_are_rehashed_by_production_and_still_verify():
    cheap = passwords.hasher_for({passwords.TEST_COST_VARIABLE: "cheap"})
    production = passwords.hasher_for({})
    cheap_hash = cheap.hash("correct horse battery")
    assert extract_parameters(cheap_hash) == profiles.CHEAPEST
    assert production.check_needs_rehash(cheap_hash)
    assert production.verify(cheap_hash, "correct horse battery")
    production_hash = production.hash("correct horse battery")
    assert cheap.verify(production_hash, "correct horse battery")  # parameters come from the hash being checked
    assert not production.check_needs_rehash(production_hash)
