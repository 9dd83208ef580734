"""Every route in the URL map, for every role: other tenants' ids answer 403/404 and change nothing.

Routes are read from the URL map and ids from each model's `id_param`, so a new route is covered
without editing this file (a route whose id parameter names no model fails here until it does).
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from sqlalchemy import text

from app.core.models import TenantModel
from app.extensions import db

SKIP_ENDPOINTS = {"static", "bootstrap.static"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = ("agency_admin", "staff", "client_admin", "client_member")


def _models_by_param() -> dict:
    models = {}
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, TenantModel) and getattr(cls, "id_param", None):
            models[cls.id_param] = cls
    return models


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        uuid_params = [name for name, conv in rule._converters.items() if type(conv).__name__ == "UUIDConverter"]
        for method in METHODS:
            if method in rule.methods:
                yield rule, method, uuid_params


def _snapshot(owner_engine) -> str:
    """A digest of every row of every table except the audit log (which records the probes)."""
    digest = hashlib.sha256()
    with owner_engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name == "audit_events":
                continue
            order = ", ".join(c.name for c in table.primary_key.columns)
            for row in conn.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}")):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _foreign_row(owner_engine, model, agency_id, exclude_client=None):
    """A row of `model` in `agency_id` (optionally not of client `exclude_client`)."""
    table = model.__table__
    sql = f"SELECT id FROM {table.name} WHERE agency_id = :a"
    params = {"a": agency_id if owner_engine.dialect.name == "postgresql" else agency_id.hex}
    if exclude_client is not None:
        column = "id" if table.name == "clients" else ("client_id" if "client_id" in table.c else None)
        if column is None:
            return None
        sql += f" AND ({column} IS NULL OR {column} != :c)"
        params["c"] = exclude_client if owner_engine.dialect.name == "postgresql" else exclude_client.hex
    with owner_engine.connect() as conn:
        value = conn.execute(text(sql + " ORDER BY id LIMIT 1"), params).scalar()
    if value is None:
        return None
    import uuid

    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _url(rule, values: dict) -> str:
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[^>:]+:)?{name}>", str(value), url)
    return url


def _sample(schema: dict, spec: dict):
    """A value that satisfies `schema`, so a request reaches the object lookup rather than validation."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: _sample(schema["properties"][name], spec) for name in schema.get("required", [])}
    if kind == "array":
        return [_sample(schema["items"], spec)] * schema.get("minItems", 0)
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "uuid":
        return "00000000-0000-7000-8000-000000000000"
    if schema.get("format") == "date":
        return "2099-01-01"
    if schema.get("format") == "date-time":
        return "2099-01-01T00:00:00+00:00"
    return "probe@example.com" if schema.get("format") == "email" else "Probe"


def _api_body(app, rule, method) -> dict:
    from app.extensions import api

    spec = api.spec.to_dict()
    path = re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", rule.rule)
    operation = spec["paths"].get(path, {}).get(method.lower(), {})
    content = (operation.get("requestBody") or {}).get("content", {})
    if "multipart/form-data" in content:
        return None  # an upload
    schema = content.get("application/json", {}).get("schema")
    return _sample(schema, spec) if schema else {}


def _request(client, method, url, rule=None):
    if url.startswith("/api/"):
        body = _api_body(client.application, rule, method) if rule else {}
        if body is None:
            return client.open(url, method=method, data={"file": (io.BytesIO(b"probe"), "probe.txt")})
        return client.open(url, method=method, json=body)
    return client.open(url, method=method, data={})


def test_every_uuid_parameter_names_a_model(app):
    models = _models_by_param()
    unknown = {(rule.rule, p) for rule, _, params in _routes(app) for p in params if p not in models}
    assert not unknown, f"add `id_param` to the model these route parameters name: {sorted(unknown)}"


def test_matrix_covers_routes(app):
    routes = list(_routes(app))
    with_ids = [r for r in routes if r[2]]
    assert len(routes) >= 40 and len(with_ids) >= 15, (len(routes), len(with_ids))


@pytest.mark.parametrize("role", ROLES)
def test_foreign_ids_answer_404_or_403_and_change_nothing(app, world, as_user, owner_engine, role):
    models = _models_by_param()
    me = getattr(world.a, role)
    client = as_user(me)
    before = _snapshot(owner_engine)
    checked = 0
    for rule, method, params in _routes(app):
        if not params:
            continue
        variants = [("other agency", world.b.agency_id, None)]
        if me.client_id is not None:
            variants.append(("other client", world.a.agency_id, me.client_id))
        for label, agency_id, exclude_client in variants:
            values = {}
            for name in params:
                row = _foreign_row(owner_engine, models[name], agency_id, exclude_client)
                if row is None:
                    break
                values[name] = row
            else:
                url = _url(rule, values)
                response = _request(client, method, url, rule)
                assert response.status_code in (403, 404), f"{role} {method} {url} ({label}) -> {response.status_code}"
                checked += 1
    assert checked >= 15
    assert _snapshot(owner_engine) == before


@pytest.mark.parametrize("role", ROLES)
def test_routes_without_ids_never_show_another_tenant(app, world, as_user, owner_engine, role):
    me = getattr(world.a, role)
    client = as_user(me)
    before_b = _snapshot_of_agency(owner_engine, world.b.agency_id)
    markers = [
        world.b.name,
        world.b.client_name,
        world.b.other_client_name,
        world.b.agency_admin.email,
        world.b.staff.email,
        str(world.b.client_id),
        str(world.b.agency_admin.id),
    ]
    if me.client_id is not None:
        markers += [world.a.other_client_name, world.a.other_client_admin.email, str(world.a.other_client_id)]
    for rule, method, params in _routes(app):
        if params or rule.arguments:
            continue
        if method != "GET" and rule.rule.startswith(("/sign-out", "/password", "/sign-in")):
            continue
        response = _request(client, method, rule.rule, rule)
        assert response.status_code < 500, f"{role} {method} {rule.rule} -> {response.status_code}"
        body = response.get_data(as_text=True)
        leaked = [m for m in markers if m in body]
        assert not leaked, f"{role} {method} {rule.rule} shows {leaked}"
    assert _snapshot_of_agency(owner_engine, world.b.agency_id) == before_b


def _snapshot_of_agency(owner_engine, agency_id) -> str:
    digest = hashlib.sha256()
    value = agency_id if owner_engine.dialect.name == "postgresql" else agency_id.hex
    with owner_engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in ("audit_events", "agencies"):
                continue
            order = ", ".join(c.name for c in table.primary_key.columns)
            for row in conn.execute(text(f"SELECT * FROM {table.name} WHERE agency_id = :a ORDER BY {order}"), {"a": value}):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
