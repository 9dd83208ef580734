"""Every operation of the OpenAPI document, called with bearer tokens and other tenants' ids: no 2xx."""

import io
import re

import pytest

from tests.support.factories import PASSWORD
from tests.tenants.test_isolation_matrix import ROLES, _foreign_row, _models_by_param, _sample, _snapshot


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method.upper(), operation


def _token(client, agency_slug, email) -> str:
    response = client.post("/api/v1/auth/token", json={"agency": agency_slug, "email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


@pytest.mark.parametrize("role", ROLES)
def test_openapi_operations_with_foreign_ids_never_succeed(app, world, owner_engine, role):
    client = app.test_client()
    me = getattr(world.a, role)
    headers = {"Authorization": f"Bearer {_token(client, world.a.slug, me.email)}"}
    spec = client.get("/api/v1/openapi.json").get_json()
    models = _models_by_param()
    before = _snapshot(owner_engine)
    calls = 0
    for path, method, operation in _operations(spec):
        params = re.findall(r"{([^}]+)}", path)
        if not params:
            continue
        targets = [(world.b.agency_id, None)]
        if me.client_id is not None:
            targets.append((world.a.agency_id, me.client_id))
        for agency_id, exclude_client in targets:
            ids = {name: _foreign_row(owner_engine, models[name], agency_id, exclude_client) for name in params}
            if None in ids.values():
                continue
            url = path.format(**ids)
            content = (operation.get("requestBody") or {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if "multipart/form-data" in content:
                response = client.open(url, method=method, headers=headers, data={"file": (io.BytesIO(b"probe"), "probe.txt")})
            else:
                response = client.open(url, method=method, headers=headers, json=_sample(schema, spec) if schema else None)
            assert not 200 <= response.status_code < 300, f"{role} {method} {url} -> {response.status_code}"
            assert response.status_code in (403, 404), f"{role} {method} {url} -> {response.status_code}"
            calls += 1
    assert calls >= 10
    assert _snapshot(owner_engine) == before
