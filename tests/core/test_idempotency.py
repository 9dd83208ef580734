"""Idempotency-Key: a retried creating POST replays the first response and creates nothing twice."""

from sqlalchemy import func, select

from app.extensions import db
from tenants.context import TenantContext, set_tenant
from tenants.models import Client


def _client_count(app, agency_id):
    with app.app_context():
        set_tenant(TenantContext(agency_id=agency_id))
        return db.session.scalar(select(func.count()).select_from(Client))


def test_a_retried_post_replays_the_first_response(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    before = _client_count(app, world.a.agency_id)
    headers = {"Idempotency-Key": "create-harbour-1"}
    first = admin.post("/api/v1/clients", json={"name": "Harbour Fish"}, headers=headers)
    again = admin.post("/api/v1/clients", json={"name": "Harbour Fish"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _client_count(app, world.a.agency_id) == before + 1


def test_the_same_key_with_another_body_is_refused(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    headers = {"Idempotency-Key": "k-2"}
    assert admin.post("/api/v1/clients", json={"name": "One"}, headers=headers).status_code == 201
    reused = admin.post("/api/v1/clients", json={"name": "Two"}, headers=headers)
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_user_and_failures_are_not_kept(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    headers = {"Idempotency-Key": "k-3"}
    assert admin.post("/api/v1/clients", json={"name": ""}, headers=headers).status_code == 422
    assert admin.post("/api/v1/clients", json={"name": "Fixed"}, headers=headers).status_code == 201
    other_admin = as_user(world.b.agency_admin)
    response = other_admin.post("/api/v1/clients", json={"name": "Fixed"}, headers=headers)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
