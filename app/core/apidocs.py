"""The OpenAPI document third-party tools read, and a browsable page of it rendered on the server (no third-party assets).

flask-smorest describes each operation from its schemas; `contract` then adds what holds for every operation: a
stable operationId, the bearer requirement (or `security: []`), the one error shape for each status that can
happen, the Idempotency-Key header on creating POSTs, and `required` on output schemas (their fields are always sent).
"""

from __future__ import annotations

import re

from flask import Blueprint, render_template

from app.core.api import PARTIAL_OUTPUTS
from app.core.errors import ErrorResponse
from app.core.idempotency import KEY_PATTERN
from app.extensions import api

bp = Blueprint("apidocs", __name__)

PREFIX = "/api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")
ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
ERRORS = {
    "400": "The request could not be read: malformed JSON, or a bad Idempotency-Key.",
    "401": "No valid bearer token (or wrong credentials).",
    "403": "Your role may not do this.",
    "404": "No such record, or it is not yours to see.",
    "409": "The record's state does not allow this now (the message says why).",
    "413": "The body (or upload) is too large.",
    "422": "Invalid input; `fields` names each field and why.",
    "429": "Too many requests; wait and retry.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID): a retry with the same key and request replays the first response "
    "(header Idempotent-Replayed: true) for 24 hours; the same key with another request gets 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
}
# A POST to one of these final path segments acts on the record before it; the operationId says what it does.
ACTIONS = {
    "archive": "archive",
    "restore": "restore",
    "deactivate": "deactivate",
    "reactivate": "reactivate",
    "assign": "assign",
    "cancel": "cancel",
    "accept": "accept",
    "reject": "reject",
    "withdraw": "withdraw",
    "pause": "pause",
    "resume": "resume",
    "read": "markRead",
    "read-all": "markAllRead",
    "start": "start",
    "stop": "stop",
    "decision": "decide",
    "claim-next": "claimNext",
    "bulk": "bulkUpdate",
}


def _camel(segment: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", segment))


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def operation_id(method: str, path: str) -> str:
    """listTasks, getTask, createTask, updateTask, deleteTask, archiveClient, startTaskTimer... from method and path."""
    segments = path.removeprefix(PREFIX).strip("/").split("/")
    last = segments[-1]
    is_item = last.startswith("{")
    action = ACTIONS.get(last) if method == "post" and not is_item else None
    literals = segments[:-1] if action else segments
    nouns = []
    for index, segment in enumerate(literals):
        if segment.startswith("{"):
            continue
        followed_by_id = index + 1 < len(literals) and literals[index + 1].startswith("{")
        final = index == len(literals) - 1
        nouns.append(_camel(_singular(segment) if followed_by_id or (not final and not action) else segment))
    if action:
        verb = action
    elif method == "get":
        verb = "list" if not is_item and last.endswith("s") else "get"
    else:
        verb = {"post": "create", "put": "replace", "patch": "update", "delete": "delete"}[method]
    if verb == "create" and not is_item and nouns:
        nouns[-1] = _camel(_singular(literals[-1]))
    return verb + "".join(nouns)


def _error(status: str, description: str | None = None) -> dict:
    return {"description": description or ERRORS[status], "content": {"application/json": {"schema": ERROR_REF}}}


def _error_statuses(method: str, op: dict, public: bool, has_path_params: bool) -> list[str]:
    has_body = "requestBody" in op
    has_input = has_body or any(p.get("in") != "path" for p in op.get("parameters", []))
    has_key = any(p.get("name") == IDEMPOTENCY_KEY["name"] for p in op.get("parameters", []))
    statuses = ["429"]
    if has_body:
        statuses += ["400", "413"]
    elif has_key:
        statuses.append("400")
    if has_input:
        statuses.append("422")
    if not public:
        statuses += ["401", "403"]
        if has_path_params or has_input:  # a path id, or an id in the query or body, may name nothing you can see
            statuses.append("404")
        if method != "get":
            statuses.append("409")
    return sorted(statuses)


def _refs(node, found: set) -> set:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def _closure(names: set, schemas: dict) -> set:
    seen: set = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name], set()))
    return seen


def contract(spec: dict) -> dict:
    """Finish the generated document (see the module docstring); raises if two operations share an operationId."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    seen_ids: dict[str, str] = {}
    inputs: set = set()
    outputs: set = set()
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            _claim_operation_id(op, method, path, seen_ids)
            _finish_operation(op, method, "{" in path)
            _refs(op.get("requestBody"), inputs)
            _refs(op.get("parameters"), inputs)
            _refs({s: r for s, r in op["responses"].items() if s.startswith("2")}, outputs)
    spec["components"].pop("responses", None)
    for unused in ("Error", "PaginationMetadata"):
        schemas.pop(unused, None)
    _require_output_fields(schemas, _closure(outputs, schemas) - _closure(inputs, schemas) - PARTIAL_OUTPUTS)
    return spec


def _claim_operation_id(op: dict, method: str, path: str, seen_ids: dict[str, str]) -> None:
    """Give the operation its id (unless it names one) and refuse an id another operation already has."""
    op.setdefault("operationId", operation_id(method, path))
    if op["operationId"] in seen_ids:
        raise ValueError(f"operationId {op['operationId']} of {method.upper()} {path} is also {seen_ids[op['operationId']]}")
    seen_ids[op["operationId"]] = f"{method.upper()} {path}"


def _finish_operation(op: dict, method: str, path_params: bool) -> None:
    """The idempotency key on authenticated creates, and the error responses in the one shape, sorted by status."""
    public = op.get("security") == []
    parameters = op.setdefault("parameters", [])
    if method == "post" and "201" in op.get("responses", {}) and not public and IDEMPOTENCY_KEY not in parameters:
        parameters.append(dict(IDEMPOTENCY_KEY))
    if not parameters:
        del op["parameters"]
    responses = op.setdefault("responses", {})
    responses.pop("default", None)
    for status in list(responses):
        if not status.startswith("2"):
            kept = responses.pop(status)
            if status in ERRORS:
                responses[status] = _error(status, kept.get("description"))
    for status in _error_statuses(method, op, public, path_params):
        responses.setdefault(status, _error(status))
    op["responses"] = dict(sorted(responses.items()))


def _require_output_fields(schemas: dict, names: set) -> None:
    """Output schemas: every field is sent (null when empty), so each is required; a generated client can rely on it."""
    for name in names:
        properties = schemas[name].get("properties", {})
        required = [key for key, prop in properties.items() if not prop.get("writeOnly")]
        if required:
            schemas[name]["required"] = required


@bp.route("/api/v1/docs")
def docs():
    spec = api.document()
    operations = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method, op in item.items():
            if method not in METHODS:
                continue
            content = (op.get("requestBody") or {}).get("content", {})
            body = next(iter(content.values()), {}).get("schema")
            operations.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "operation_id": op.get("operationId", ""),
                    "parameters": op.get("parameters", []) + item.get("parameters", []),
                    "body": body,
                    "body_type": next(iter(content), None),
                    "responses": op.get("responses", {}),
                }
            )
    return render_template("apidocs.html", spec=spec, operations=operations, schemas=spec.get("components", {}).get("schemas", {}))


def init_app(app) -> None:
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    if "ErrorResponse" not in api.spec.components.schemas:
        api.spec.components.schema("ErrorResponse", schema=ErrorResponse)
    api.spec.options["security"] = [{"bearerAuth": []}]
    api.finish = contract
    app.register_blueprint(bp)
