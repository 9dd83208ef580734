"""The API fuzzed from its own OpenAPI document with every schemathesis check, as an agency admin and as a client user.

No generated request, valid or not, gets a server error or a status the document does not list; invalid requests
are refused; every response matches its declared schema; valid requests are accepted unless they break a rule the
document cannot state (see `_refused_for_a_rule_beyond_the_schema`).
"""

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.web import bearer

schema = schemathesis.pytest.from_fixture("api_schema")

GENERIC_FIELD_MESSAGE = "The request has invalid fields."  # the schema's own validation (webargs and marshmallow)
# Schema-level rules JSON Schema cannot state: an IANA zone name, and "work_date and minutes, or started_at and ended_at".
SCHEMA_RULES_BEYOND_THE_DOCUMENT = {"timezone", "minutes"}


@pytest.fixture
def api_schema(app):
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Text with NUL is refused by a rule of its own (PostgreSQL cannot store it); OpenAPI lets a server ignore query
    # parameters it does not declare, so requests with extra ones are not "invalid".
    api.config.generation.update(allow_x00=False, allow_extra_parameters=False)
    return api


def _refused_for_a_rule_beyond_the_schema(response) -> bool:
    """A 422 for a reason the document cannot express: an id that names nothing you can see, a cursor the API did
    not issue, an email that cannot receive mail, a name already used... (the application's own checks, which
    answer with their own message), or one of SCHEMA_RULES_BEYOND_THE_DOCUMENT."""
    if response.status_code != 422:
        return False
    error = response.json()["error"]
    if error["code"] != "validation_failed":
        return False
    return error["message"] != GENERIC_FIELD_MESSAGE or set(error["fields"]) <= SCHEMA_RULES_BEYOND_THE_DOCUMENT


def valid_data_accepted(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _refused_for_a_rule_beyond_the_schema(response):
            return None
        raise


def _fresh_idempotency_key(case) -> None:
    # A valid key already used with another body is refused (422, documented); generated keys repeat across examples.
    if case.headers and "Idempotency-Key" in case.headers and case.meta is not None and case.meta.generation.mode.is_positive:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case, app, world):
    _fresh_idempotency_key(case)
    for user in (world.a.agency_admin, world.a.client_admin):
        case.call_and_validate(headers=bearer(app, user), excluded_checks=[positive_data_acceptance], additional_checks=[valid_data_accepted])
