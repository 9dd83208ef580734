"""Catalog pages for agency admins: service lines, task types (checklist and custom-field editors), client services."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.accounts.auth import agency_admin_required
from app.catalog import queries, services
from app.catalog.models import PRIORITIES
from app.clients.queries import client_for
from app.core.errors import AppError
from app.core.pages import apply_form_errors, render_page

bp = Blueprint("catalog", __name__)
TABS = ("active", "archived", "all")
SORTS = {"name": "Name", "effort": "Expected effort", "newest": "Newest"}
FIELD_TYPE_LABELS = {"text": "Text", "number": "Number", "money": "Money", "date": "Date", "choice": "Choice", "yes_no": "Yes / no"}
BLANK_FIELD_ROWS = 3


def _messages(value, prefix: str = "") -> list[str]:
    """Flatten nested service error messages ({index: {field: [..]}}) into readable lines."""
    if isinstance(value, dict):
        lines = []
        for key, inner in value.items():
            label = f"item {int(key) + 1}" if str(key).isdigit() else str(key)
            lines.extend(_messages(inner, f"{prefix}{label}: "))
        return lines
    if isinstance(value, (list, tuple)):
        return [line for inner in value for line in _messages(inner, prefix)]
    return [f"{prefix[:1].upper()}{prefix[1:]}{value}" if prefix else str(value)]


# --- catalog overview ------------------------------------------------------------------------


@bp.route("/catalog")
@agency_admin_required
def index():
    args = request.args
    status = args.get("status") if args.get("status") in TABS else "active"
    sort = args.get("sort") if args.get("sort") in SORTS else "name"
    q = (args.get("q") or "").strip()[:100] or None
    page = queries.list_service_lines(status="all" if status != "active" else "active", limit=20, cursor=args.get("cursor") or None)
    lines = page.items
    types = queries.task_types_by_line([line.id for line in lines], status=status, q=q, sort=sort)
    if q or status == "archived":
        # Show the lines that match, or that hold matching (or archived) task types.
        lines = [
            line
            for line in lines
            if types.get(line.id)
            or (q and q.lower() in f"{line.name} {line.code}".lower())
            or (status == "archived" and line.archived_at is not None)
        ]
    return render_page(
        "catalog/index.html",
        lines=lines,
        types=types,
        status=status,
        sort=sort,
        q=q or "",
        tabs=TABS,
        sorts=SORTS,
        queue_names=queries.queue_names(),
        client_counts=queries.client_counts(),
        next_cursor=page.next_cursor,
        paged=bool(args.get("cursor")),
        field_type_labels=FIELD_TYPE_LABELS,
    )


# --- service lines ---------------------------------------------------------------------------


class ServiceLineForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("A service line needs a name."), Length(max=100)], description="Such as Bookkeeping or Payroll."
    )
    code = StringField(
        "Code",
        validators=[DataRequired("A service line needs a code."), Length(min=2, max=8)],
        description="2 to 8 letters, such as BK. Task numbers start with it (BK-1042).",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    position = IntegerField(
        "Position", validators=[Optional(), NumberRange(min=0, max=10_000)], description="Lines are listed by position, lowest first."
    )


def _line_values(form: ServiceLineForm) -> dict:
    values = {"name": form.name.data or "", "code": form.code.data or "", "description": form.description.data or ""}
    if form.position.data is not None:
        values["position"] = form.position.data
    return values


@bp.route("/catalog/service-lines/new", methods=["GET", "POST"])
@agency_admin_required
def new_service_line():
    form = ServiceLineForm()
    if not form.validate_on_submit():
        return render_page("catalog/service_line_form.html", 422 if form.is_submitted() else 200, form=form, line=None)
    try:
        line = services.create_service_line(_line_values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("catalog/service_line_form.html", error.status, form=form, line=None, error=error.message)
    flash(f"Service line “{line.name}” ({line.code}) created. Next: add its task types.", "success")
    return redirect(url_for("catalog.index"))


@bp.route("/catalog/service-lines/<uuid:service_line_id>/edit", methods=["GET", "POST"])
@agency_admin_required
def edit_service_line(service_line_id):
    line = queries.service_line_for(service_line_id)
    form = ServiceLineForm(obj=line)
    if not form.validate_on_submit():
        return render_page("catalog/service_line_form.html", 422 if form.is_submitted() else 200, form=form, line=line)
    try:
        services.update_service_line(line, _line_values(form))
    except AppError as error:
        apply_form_errors(form, error)
        return render_page("catalog/service_line_form.html", error.status, form=form, line=line, error=error.message)
    flash(f"Service line “{line.name}” saved.", "success")
    return redirect(url_for("catalog.index"))


@bp.route("/catalog/service-lines/<uuid:service_line_id>/archive", methods=["POST"])
@agency_admin_required
def archive_service_line(service_line_id):
    line = services.archive_service_line(queries.service_line_for(service_line_id))
    flash(f"“{line.name}” and its task types are archived. Existing tasks keep them; restore at any time.", "success")
    return redirect(url_for("catalog.index"))


@bp.route("/catalog/service-lines/<uuid:service_line_id>/restore", methods=["POST"])
@agency_admin_required
def restore_service_line(service_line_id):
    line = services.restore_service_line(queries.service_line_for(service_line_id))
    flash(f"“{line.name}” is active again, with the task types archived with it.", "success")
    return redirect(url_for("catalog.index"))


# --- task types ------------------------------------------------------------------------------


class TaskTypeForm(FlaskForm):
    service_line_id = SelectField("Service line", validators=[DataRequired("Choose a service line.")])
    name = StringField("Name", validators=[DataRequired("A task type needs a name."), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    default_queue_id = SelectField("Default queue", description="New tasks of this type land in this queue.")
    default_priority = SelectField("Default priority", choices=[(p, p.capitalize()) for p in PRIORITIES], default="normal")
    expected_minutes = IntegerField("Expected effort (minutes)", validators=[Optional(), NumberRange(min=1, max=100_000)])
    checklist = TextAreaField(
        "Checklist template",
        render_kw={"rows": 8},
        description="One item per line. Start a line with ! to make the item required: a task cannot be completed while a required item is open.",
    )


def _task_type_form(task_type=None) -> TaskTypeForm:
    form = TaskTypeForm(obj=task_type)
    lines = queries.all_service_lines()
    if task_type is not None and all(line.id != task_type.service_line_id for line in lines):
        lines = queries.all_service_lines(include_archived=True)
    form.service_line_id.choices = [("", "Choose…")] + [(str(line.id), f"{line.name} ({line.code})") for line in lines]
    form.default_queue_id.choices = [("", "The service line's queue")] + [(str(q.id), q.name) for q in queries.active_queues()]
    if not form.is_submitted():
        if task_type is not None:
            form.service_line_id.data = str(task_type.service_line_id)
            form.default_queue_id.data = str(task_type.default_queue_id) if task_type.default_queue_id else ""
            form.checklist.data = checklist_text(task_type.checklist_template)
        else:
            form.service_line_id.data = request.args.get("service_line_id", "")
    return form


def checklist_text(template) -> str:
    return "\n".join(("!" if item.get("required") else "") + item["title"] for item in template or [])


def parse_checklist(text: str) -> list[dict]:
    items = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        required = line.startswith("!")
        items.append({"title": line.lstrip("!").strip(), "required": required})
    return items


def field_rows_from(definitions) -> list[dict]:
    rows = [
        {
            "key": d["key"],
            "label": d["label"],
            "type": d["type"],
            "required": bool(d.get("required")),
            "choices": ", ".join(d.get("choices") or []),
            "help": d.get("help") or "",
            "errors": [],
        }
        for d in definitions or []
    ]
    return rows + [
        {"key": "", "label": "", "type": "text", "required": False, "choices": "", "help": "", "errors": []} for _ in range(BLANK_FIELD_ROWS)
    ]


def parse_field_rows(form) -> tuple[list[dict], list[dict]]:
    """The custom-field rows as posted (for re-rendering) and the definitions of the non-blank ones."""
    rows, definitions = [], []
    count = min(int(form.get("cf_count") or 0) if (form.get("cf_count") or "").isdigit() else 0, 60)
    for index in range(count):
        row = {name: (form.get(f"cf-{index}-{name}") or "").strip() for name in ("key", "label", "type", "choices", "help")}
        row["required"] = form.get(f"cf-{index}-required") == "y"
        row["errors"] = []
        rows.append(row)
        if not (row["key"] or row["label"]):
            continue
        definition = {"key": row["key"], "label": row["label"], "type": row["type"] or "text", "required": row["required"]}
        if definition["type"] == "choice":
            definition["choices"] = [c.strip() for c in row["choices"].split(",") if c.strip()]
        if row["help"]:
            definition["help"] = row["help"]
        row["definition_index"] = len(definitions)
        definitions.append(definition)
    return rows + field_rows_from([])[-1:], definitions


def _field_row_errors(rows: list[dict], error: AppError) -> None:
    nested = (error.fields or {}).get("custom_fields")
    if not isinstance(nested, dict):
        return
    by_index = {row.get("definition_index"): row for row in rows if "definition_index" in row}
    for key, messages in nested.items():
        row = by_index.get(int(key)) if str(key).isdigit() else None
        if row is not None:
            row["errors"].extend(_messages(messages))


def _type_values(form: TaskTypeForm, definitions: list[dict]) -> dict:
    return {
        "service_line_id": form.service_line_id.data or None,
        "name": form.name.data or "",
        "description": form.description.data or "",
        "default_queue_id": form.default_queue_id.data or None,
        "default_priority": form.default_priority.data,
        "expected_minutes": form.expected_minutes.data,
        "checklist_template": parse_checklist(form.checklist.data),
        "custom_fields": definitions,
    }


def _save_task_type(task_type=None):
    form = _task_type_form(task_type)
    context = {"form": form, "task_type": task_type, "field_types": FIELD_TYPE_LABELS}
    if not form.is_submitted():
        return render_page("catalog/task_type_form.html", rows=field_rows_from(task_type.custom_fields if task_type else []), **context)
    rows, definitions = parse_field_rows(request.form)
    if not form.validate():
        return render_page("catalog/task_type_form.html", 422, rows=rows, **context)
    try:
        values = _type_values(form, definitions)
        saved = services.update_task_type(task_type, values) if task_type else services.create_task_type(values)
    except AppError as error:
        fields = dict(error.fields or {})
        _field_row_errors(rows, error)
        if "checklist_template" in fields:
            fields["checklist"] = _messages(fields.pop("checklist_template"))
        if isinstance(fields.get("custom_fields"), dict):
            fields.pop("custom_fields")
        apply_form_errors(form, AppError(error.message, fields=fields))
        return render_page("catalog/task_type_form.html", error.status, rows=rows, error=error.message, **context)
    flash(f"Task type “{saved.name}” {'saved' if task_type else 'created'}.", "success")
    return redirect(url_for("catalog.index", _anchor=f"line-{saved.service_line_id}"))


@bp.route("/catalog/task-types/new", methods=["GET", "POST"])
@agency_admin_required
def new_task_type():
    return _save_task_type()


@bp.route("/catalog/task-types/<uuid:task_type_id>/edit", methods=["GET", "POST"])
@agency_admin_required
def edit_task_type(task_type_id):
    return _save_task_type(queries.task_type_for(task_type_id))


@bp.route("/catalog/task-types/<uuid:task_type_id>/archive", methods=["POST"])
@agency_admin_required
def archive_task_type(task_type_id):
    task_type = services.archive_task_type(queries.task_type_for(task_type_id))
    flash(f"“{task_type.name}” is archived: no new tasks of this type. Existing tasks keep it.", "success")
    return redirect(url_for("catalog.index", _anchor=f"line-{task_type.service_line_id}"))


@bp.route("/catalog/task-types/<uuid:task_type_id>/restore", methods=["POST"])
@agency_admin_required
def restore_task_type(task_type_id):
    task_type = queries.task_type_for(task_type_id)
    try:
        services.restore_task_type(task_type)
    except AppError as error:
        flash(error.message, "danger")
        return redirect(url_for("catalog.index", status="archived"), 303)
    flash(f"“{task_type.name}” is active again.", "success")
    return redirect(url_for("catalog.index", _anchor=f"line-{task_type.service_line_id}"))


# --- client services -------------------------------------------------------------------------


@bp.route("/clients/<uuid:client_id>/services", methods=["GET", "POST"])
@agency_admin_required
def client_services(client_id):
    client = client_for(current_user, client_id)
    current = queries.services_of(client)
    lines = queries.all_service_lines()
    lines += [line for line in current if line.archived_at is not None]
    if request.method == "POST":
        chosen = request.form.getlist("service_line_ids")
        try:
            kept = services.set_client_services(client, chosen)
        except AppError as error:
            return render_page("catalog/client_services.html", error.status, client=client, lines=lines, selected=set(chosen), error=error.message)
        names = ", ".join(line.name for line in kept) or "none"
        flash(f"Services of “{client.name}”: {names}.", "success")
        return redirect(url_for("clients.detail", client_id=client.id))
    return render_page("catalog/client_services.html", client=client, lines=lines, selected={str(line.id) for line in current})
