"""The API fuzzed from its own OpenAPI document: no generated request, valid or not, gets a server error."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.support.web import bearer

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case, app, world):
    for user in (world.a.agency_admin, world.a.client_admin):
        response = case.call(headers=bearer(app, user))
        assert response.status_code < 500, (user.role, case.method, case.formatted_path, response.status_code, response.text[:300])
