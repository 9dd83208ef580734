"""A third party's view of the API: the OpenAPI document validates, and a client generated from it works.

The document is read from the live server, validated with openapi-spec-validator, and turned into a Python package by
openapi-python-client (into a temporary directory, once per run). The scenario then goes through that generated
package only: every response must have a documented status, parse into its declared model, and match its declared
schema (errors included).
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import time_machine
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from tests.support.factories import PASSWORD
from tests.support.live import serve

PACKAGE = "backline_api_client"
# Documents asked for are due "today or later": the scenario runs on a fixed day.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def live_url(app):
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def document(live_url) -> dict:
    response = httpx.get(f"{live_url}/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def generated(document, tmp_path_factory):
    """The package openapi-python-client generates from the served document, imported from a temporary directory."""
    work = tmp_path_factory.mktemp("generated-client")
    spec_path = work / "openapi.json"
    spec_path.write_text(json.dumps(document))
    config = work / "config.json"
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(spec_path),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(work / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


class Checked:
    """Calls generated operations and checks each response against the document."""

    def __init__(self, document: dict, generated):
        self.document = document
        self.generated = generated
        self.operations = {
            op["operationId"]: op
            for item in document["paths"].values()
            for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")
        }

    def call(self, operation, client, expect: int, **kwargs):
        response = operation.sync_detailed(client=client, **kwargs)
        assert response.status_code == expect, (operation.__name__, response.status_code, response.content[:500])
        op_id = _operation_id(operation)
        declared = self.operations[op_id]["responses"][str(expect)]
        if "content" in declared:
            schema = declared["content"]["application/json"]["schema"]
            body = json.loads(response.content)
            OAS30Validator({**schema, "components": self.document["components"]}).validate(body)
            assert response.parsed is not None, op_id
            if expect >= 400:
                assert isinstance(response.parsed, self.generated.models.ErrorResponse), op_id
                assert response.parsed.error.code and response.parsed.error.message
        return response.parsed


def _operation_id(module) -> str:
    words = module.__name__.rsplit(".", 1)[1].split("_")
    return words[0] + "".join(word.title() for word in words[1:])


def test_the_served_document_is_valid_openapi(document, live_url):
    validate_spec(document)
    assert httpx.get(f"{live_url}/api/v1/openapi.json").json() == document  # the same document every time
    ids = [
        op.get("operationId")
        for item in document["paths"].values()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert all(ids) and len(ids) == len(set(ids))
    assert "Error" not in document["components"]["schemas"]
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []
    upload = document["paths"]["/api/v1/tasks/{task_id}/attachments"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    resolved = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert resolved["properties"]["file"] == {"type": "string", "format": "binary", "description": "The file."}
    assert not [p for p in upload.get("parameters", []) if p["in"] == "formData"]


def test_every_property_has_a_type_and_outputs_say_what_is_always_sent(document):
    untyped = []

    def walk(node, where):
        for key, prop in (node.get("properties") or {}).items():
            if not any(k in prop for k in ("type", "$ref", "allOf", "oneOf", "anyOf")):
                untyped.append(f"{where}.{key}")
            walk(prop, f"{where}.{key}")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{where}[]")

    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        walk(schema, name)
    assert untyped == []
    for name in ("TaskDetailOut", "TaskSlaOut", "PortalRequestOut", "ErrorResponse", "ErrorBody"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    assert schemas["TaskDetailOut"]["properties"]["allowed_transitions"] == {
        "type": "array",
        "items": {"type": "string"},
        "readOnly": True,
        "description": "Statuses this task may move to next.",
    }


def test_errors_creating_posts_and_bodies_are_declared(document):
    paths = document["paths"]
    create = paths["/api/v1/tasks"]["post"]
    assert {p["name"] for p in create["parameters"] if p["in"] == "header"} == {"Idempotency-Key"}
    assert set(create["responses"]) >= {"201", "400", "401", "403", "413", "422", "429"}
    for status, response in create["responses"].items():
        if status >= "400":
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    assert paths["/api/v1/queues/{queue_id}"]["patch"]["requestBody"]["required"] is True
    assert "404" in paths["/api/v1/tasks/{task_id}"]["get"]["responses"]
    cursor = next(p for p in paths["/api/v1/clients"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["type"] == "string"


def test_a_generated_client_drives_the_work_and_the_portal(app, world, live_url, document, generated):
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    ops = {
        name: importlib.import_module(f"{PACKAGE}.api.{module}")
        for name, module in {
            "token": "accounts_api.create_auth_token",
            "list_tasks": "work_api.list_tasks",
            "get_task": "tasks_api.get_task",
            "create_task": "tasks_api.create_task",
            "create_task_type": "catalog_api.create_task_type",
            "upload": "tasks_api.create_task_attachment",
            "comment": "tasks_api.create_task_comment",
            "transition": "tasks_api.create_task_transition",
            "ask_documents": "documents_api.create_task_document_request",
            "portal_request": "portal_api.create_portal_request",
            "portal_documents": "portal_api.list_portal_request_documents",
            "portal_upload": "portal_api.create_portal_request_document",
            "portal_get": "portal_api.get_portal_request",
        }.items()
    }
    check = Checked(document, generated)
    anonymous = generated.Client(base_url=live_url, raise_on_unexpected_status=True)

    with time_machine.travel(NOW, tick=True):
        # A wrong password is a documented 401 in the error shape; the right one gives a token.
        check.call(ops["token"], anonymous, 401, body=models.TokenRequestIn(agency=world.a.slug, email=world.a.agency_admin.email, password="not it"))
        issued = check.call(
            ops["token"],
            anonymous,
            201,
            body=models.TokenRequestIn(agency=world.a.slug, email=world.a.agency_admin.email, password=PASSWORD, name="generated client"),
        )
        admin = generated.AuthenticatedClient(base_url=live_url, token=issued.token, raise_on_unexpected_status=True)

        listed = check.call(ops["list_tasks"], admin, 200, limit=10)
        assert listed.items
        first = check.call(ops["get_task"], admin, 200, task_id=listed.items[0].id)
        assert first.id == listed.items[0].id and first.reference == listed.items[0].reference
        missing = check.call(ops["get_task"], admin, 404, task_id=uuid.uuid4())
        assert missing.error.code == "not_found"

        task_type = check.call(
            ops["create_task_type"],
            admin,
            201,
            body=models.TaskTypeIn.from_dict(
                {
                    "service_line_id": str(world.a.service_line_id),
                    "name": "Payroll run",
                    "custom_fields": [{"key": "headcount", "label": "Headcount", "type": "number", "required": True}],
                }
            ),
        )
        invalid = check.call(
            ops["create_task"],
            admin,
            422,
            body=models.TaskCreateIn.from_dict(
                {
                    "client_id": str(world.a.client_id),
                    "task_type_id": str(task_type.id),
                    "title": "No headcount",
                    "custom_values": {"headcount": "many"},
                }
            ),
        )
        assert invalid.error.code == "validation_failed" and invalid.error.fields.additional_properties
        task = check.call(
            ops["create_task"],
            admin,
            201,
            idempotency_key=uuid.uuid4().hex,
            body=models.TaskCreateIn.from_dict(
                {
                    "client_id": str(world.a.client_id),
                    "task_type_id": str(task_type.id),
                    "title": "December payroll",
                    "custom_values": {"headcount": 12},
                }
            ),
        )
        assert task.custom_values.additional_properties == {"headcount": 12}

        upload = models.TaskAttachmentUploadIn(
            file=types.File(payload=io.BytesIO(b"a,b\n1,2\n"), file_name="hours.csv", mime_type="text/csv"), client_visible=True
        )
        attachment = check.call(ops["upload"], admin, 201, task_id=task.id, body=upload)
        assert (attachment.filename, attachment.size_bytes, attachment.client_visible) == ("hours.csv", 8, True)
        comment = check.call(ops["comment"], admin, 201, task_id=task.id, body=models.TaskCommentIn(body="Hours attached.", client_visible=True))
        assert comment.body == "Hours attached."
        moved = check.call(ops["transition"], admin, 200, task_id=task.id, body=models.TaskTransitionIn.from_dict({"status": "in_progress"}))
        assert moved.status == "in_progress"
        refused = check.call(ops["transition"], admin, 409, task_id=task.id, body=models.TaskTransitionIn.from_dict({"status": "new"}))
        assert refused.error.code == "conflict"

        # A client user asks for work, the agency asks for a document, the client sends it.
        issued = check.call(
            ops["token"], anonymous, 201, body=models.TokenRequestIn(agency=world.a.slug, email=world.a.client_admin.email, password=PASSWORD)
        )
        client_user = generated.AuthenticatedClient(base_url=live_url, token=issued.token, raise_on_unexpected_status=True)
        request = check.call(
            ops["portal_request"],
            client_user,
            201,
            body=models.PortalRequestIn.from_dict({"task_type_id": str(world.a.task_type_id), "title": "New starter paperwork"}),
        )
        assert request.can_cancel is True and request.status == "new"
        asked = check.call(
            ops["ask_documents"],
            admin,
            201,
            task_id=request.id,
            body=models.DocumentRequestIn.from_dict(
                {"title": "Starter documents", "due_on": date(2026, 12, 8).isoformat(), "items": [{"name": "Signed contract"}]}
            ),
        )
        documents = check.call(ops["portal_documents"], client_user, 200, task_id=request.id)
        item_id = documents[0].items[0].id
        assert documents[0].id == asked.id
        sent = check.call(
            ops["portal_upload"],
            client_user,
            201,
            task_id=request.id,
            document_item_id=item_id,
            body=models.PortalDocumentUploadFiles(
                file=types.File(payload=io.BytesIO(b"%PDF-1.4 signed"), file_name="contract.pdf", mime_type="application/pdf")
            ),
        )
        assert sent.id == item_id
        check.call(ops["portal_get"], client_user, 200, task_id=request.id)
        check.call(ops["portal_get"], client_user, 404, task_id=uuid.uuid4())
