"""Concurrent duplicates on PostgreSQL: one Idempotency-Key replays the first response; one client name gets 201 then 409."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.clients import services as client_services
from app.work.models import Task
from app.work.services import tasks as task_services
from tenants.models import Client
from tests.conftest import ON_POSTGRES
from tests.support.web import tenant_db

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="real concurrency needs PostgreSQL (SQLite serialises writers)")


def _together(clients, send):
    """Run `send(test_client)` for each signed-in client in its own thread, released at once (own app context, own connection)."""
    barrier, results = threading.Barrier(len(clients)), []

    def work(client):
        barrier.wait()
        response = send(client)
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _slowed(monkeypatch, module, name):
    """Hold each request a moment after `name` so that every twin is inside its transaction at once (the race, every time)."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(module, name, slow)


@pytest.mark.parametrize("trial", range(4))
def test_one_idempotency_key_sent_four_times_at_once_creates_one_task(app, world, as_user, trial, monkeypatch):
    _slowed(monkeypatch, task_services, "create_task")
    clients = [as_user(world.a.agency_admin) for _ in range(4)]  # browser sessions: no token row to queue behind
    headers = {"Idempotency-Key": f"burst-{trial}"}
    body = {"client_id": str(world.a.client_id), "task_type_id": str(world.a.task_type_id), "title": f"Burst {trial}"}
    results = _together(clients, lambda client: client.post("/api/v1/tasks", json=body, headers=headers))
    assert [status for status, _ in results] == [201] * 4, results
    assert len({payload["id"] for _, payload in results}) == 1
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(Task).where(Task.title == f"Burst {trial}")) == 1


@pytest.mark.parametrize("trial", range(4))
def test_two_clients_with_one_name_at_once_give_201_and_409(app, world, as_user, trial, monkeypatch):
    _slowed(monkeypatch, client_services, "_ensure_unique_name")
    clients = [as_user(world.a.agency_admin) for _ in range(2)]
    name = f"Same Name {trial}"
    results = _together(clients, lambda client: client.post("/api/v1/clients", json={"name": name}))
    assert sorted(status for status, _ in results) == [201, 409], results
    conflict = next(payload for status, payload in results if status == 409)
    assert set(conflict["error"]) == {"code", "message", "fields"} and conflict["error"]["code"] == "conflict"
    with tenant_db(app, world.a.agency_id) as session:
        assert session.scalar(select(func.count()).select_from(Client).where(Client.name == name)) == 1
