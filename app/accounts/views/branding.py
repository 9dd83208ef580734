"""The agency branding page for admins, the public logo route, and the branding of signed-out pages."""

from __future__ import annotations

from flask import Response, flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional

from app.accounts import branding, localtime
from app.accounts.auth import agency_admin_required
from app.accounts.views.blueprint import workspace_hint
from app.core import localtime as core_localtime
from app.core.errors import AppError
from app.core.pages import accent_palette, apply_form_errors, render_page
from app.core.routes import ViewRoutes
from tenants.lookup import agency_by_id, agency_by_slug

routes = ViewRoutes()
LOGO_CACHE_SECONDS = 24 * 3600  # logo URLs carry a version, so a new upload is fetched at once anyway
# Signed-out pages that wear the branding of the workspace they are for.
BRANDED_SIGNED_OUT = {"accounts.sign_in", "accounts.sign_in_verify", "accounts.password_forgot"}


class BrandingForm(FlaskForm):
    # Validation is the service's (so page and service refuse the same things); the form only carries values.
    display_name = StringField(
        "Display name",
        validators=[Optional()],
        description="Shown in the navigation bar, on the sign-in page and in the portal.",
        render_kw={"maxlength": branding.DISPLAY_NAME_MAX, "required": True},
    )
    accent_colour = StringField(
        "Accent colour",
        validators=[Optional()],
        description="A colour like #1f6f5c for the navigation bar and main buttons; empty for the default.",
        render_kw={"placeholder": "#1f6f5c", "pattern": "#[0-9a-fA-F]{6}", "maxlength": 7, "autocomplete": "off", "spellcheck": "false"},
    )
    logo = FileField(
        "Logo",
        description=f"PNG or JPEG, at most {branding.LOGO_MAX_BYTES // 1024} KB. A wide logo about 64 pixels high looks best.",
        render_kw={"accept": "image/png,image/jpeg"},
    )
    remove_logo = BooleanField("Remove the current logo")
    show_handler = BooleanField(
        "Show the handler's name to clients",
        description="When off, the portal names your agency instead of the staff member handling a request, in its details and its history.",
    )


class AgencyLocalTimeForm(FlaskForm):
    # The service validates the values (the same for this page and any other caller).
    timezone = SelectField(
        "Time zone",
        validate_choice=False,
        description="Staff who have not chosen their own see times on this clock; reports count its days, weeks and months.",
    )
    locale = SelectField("Date and number format", validate_choice=False, description="For staff and client users who have not chosen their own.")


def _local_form(agency, formdata=None) -> AgencyLocalTimeForm:
    form = AgencyLocalTimeForm() if formdata else AgencyLocalTimeForm(formdata=None, timezone=agency.timezone, locale=agency.locale)
    form.timezone.choices = core_localtime.zone_choices()
    form.locale.choices = core_localtime.locale_choices()
    return form


def _page(agency, form, status: int = 200, error: str | None = None, local_form=None):
    return render_page(
        "accounts/branding.html",
        status,
        form=form,
        agency=agency,
        error=error,
        preview=accent_palette(agency.accent_colour),
        local_form=local_form or _local_form(agency),
    )


@routes.route("/admin/branding", methods=["GET", "POST"])
@agency_admin_required
def branding_settings():
    agency = agency_by_id(current_user.agency_id)
    if request.method == "GET":
        form = BrandingForm(
            formdata=None,
            display_name=agency.display_name or agency.name,
            accent_colour=agency.accent_colour or "",
            show_handler=agency.show_handler_to_clients,
        )
        return _page(agency, form)
    form = BrandingForm()
    if not form.validate_on_submit():
        return _page(agency, form, 422)
    upload = request.files.get("logo")
    logo = branding.LogoUpload(upload.stream) if upload is not None and upload.filename else None
    try:
        changed = branding.update_branding(
            agency,
            display_name=form.display_name.data,
            accent_colour=form.accent_colour.data,
            logo=logo,
            remove_logo=bool(form.remove_logo.data),
            show_handler=bool(form.show_handler.data),
        )
    except AppError as error:
        apply_form_errors(form, error)
        return _page(agency, form, error.status, error=error.message)
    flash("Branding saved." if changed else "No change: the branding was already saved.", "success" if changed else "info")
    return redirect(url_for("accounts.branding_settings"))


@routes.route("/admin/local-time", methods=["POST"])
@agency_admin_required
def agency_local_time():
    agency = agency_by_id(current_user.agency_id)
    form = _local_form(agency, formdata=True)
    if not form.validate_on_submit():
        return _page(
            agency, BrandingForm(formdata=None, display_name=agency.brand_name, accent_colour=agency.accent_colour or ""), 422, local_form=form
        )
    try:
        changed = localtime.update_agency_locality(agency, {"timezone": form.timezone.data, "locale": form.locale.data})
    except AppError as error:
        apply_form_errors(form, error)
        return _page(
            agency,
            BrandingForm(formdata=None, display_name=agency.brand_name, accent_colour=agency.accent_colour or ""),
            error.status,
            local_form=form,
        )
    flash("Time zone and format saved." if changed else "No change: these were already the agency's settings.", "success" if changed else "info")
    return redirect(url_for("accounts.branding_settings") + "#local-time")


@routes.route("/brand/logo/<slug>")
def brand_logo(slug):
    """An agency's logo, public (the sign-in page shows it before anyone signs in)."""
    agency, data = branding.public_logo(slug)
    response = Response(data, mimetype=agency.logo_content_type)
    response.cache_control.public = True
    response.cache_control.max_age = LOGO_CACHE_SECONDS
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@routes.before_request
def _brand_signed_out_pages():
    """On the sign-in pages, the workspace known before the form is sent (?workspace=, subdomain or cookie) sets the look.

    Never the typed workspace: the answer to a posted form must not tell whether that workspace exists.
    """
    if request.endpoint not in BRANDED_SIGNED_OUT or current_user.is_authenticated:
        return
    agency = agency_by_slug(workspace_hint())
    if agency is not None and not agency.is_suspended:
        g.brand_agency = agency
