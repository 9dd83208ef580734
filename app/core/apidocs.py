"""A browsable page of the OpenAPI document, rendered on the server (no third-party assets)."""
from flask import Blueprint, render_template

from app.extensions import api

bp = Blueprint("apidocs", __name__)


@bp.route("/api/v1/docs")
def docs():
    spec = api.spec.to_dict()
    operations = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operations.append({
                "path": path, "method": method.upper(), "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tags": op.get("tags", []),
                "parameters": op.get("parameters", []) + item.get("parameters", []),
                "body": (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema"),
                "responses": op.get("responses", {}),
            })
    return render_template("apidocs.html", spec=spec, operations=operations,
                           schemas=spec.get("components", {}).get("schemas", {}))


def init_app(app) -> None:
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    app.register_blueprint(bp)
