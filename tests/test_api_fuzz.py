"""The API fuzzed from its own OpenAPI document with every schemathesis check, as an agency admin and as a client user.

No generated request, valid or not, gets a server error or a status the document does not list; valid requests are
accepted and invalid ones refused; every response matches its declared schema.
"""
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.support.web import bearer

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _fresh_idempotency_key(case) -> None:
    # A valid key already used with another body is refused (422, documented); generated keys repeat across examples.
    if case.headers and "Idempotency-Key" in case.headers and case.meta is not None and case.meta.generation.mode.is_positive:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case, app, world):
    _fresh_idempotency_key(case)
    for user in (world.a.agency_admin, world.a.client_admin):
        case.call_and_validate(headers=bearer(app, user))
