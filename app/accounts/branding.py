"""Agency branding: the display name, accent colour and logo an agency's admins set, validated and audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core import audit, storage
from app.core.errors import NotFound, ValidationFailed
from app.core.pages import HEX_COLOUR
from app.extensions import db
from tenants.lookup import agency_by_slug
from tenants.models import Agency

DISPLAY_NAME_MAX = 100
LOGO_MAX_BYTES = 512 * 1024
# Only raster images whose first bytes prove what they are: an SVG could carry script, so it is never accepted.
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
LOGO_HEAD_BYTES = 8


@dataclass(frozen=True)
class LogoUpload:
    """An uploaded file as the service needs it (the web layer passes the request's stream)."""

    stream: BinaryIO


def clean_display_name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise ValidationFailed("Enter a display name.", fields={"display_name": ["Enter a display name."]})
    if len(name) > DISPLAY_NAME_MAX:
        message = f"At most {DISPLAY_NAME_MAX} characters."
        raise ValidationFailed("The display name is too long.", fields={"display_name": [message]})
    return name


def clean_accent_colour(raw: str | None) -> str | None:
    """A `#rrggbb` colour in lowercase, or None for no accent (the default look)."""
    colour = (raw or "").strip().lower()
    if not colour:
        return None
    if not HEX_COLOUR.fullmatch(colour):
        message = "Use a colour like #1f6f5c (a # and six hexadecimal digits), or leave it empty."
        raise ValidationFailed("The accent colour is not valid.", fields={"accent_colour": [message]})
    return colour


def _logo_invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"logo": [message]})


def logo_content_type(head: bytes) -> str:
    """The content type proven by the file's first bytes; refuses anything but PNG and JPEG."""
    for magic, content_type in LOGO_TYPES.items():
        if head.startswith(magic):
            return content_type
    raise _logo_invalid("The logo must be a PNG or JPEG image.")


def _store_logo(agency: Agency, upload: LogoUpload) -> tuple[str, str]:
    head = upload.stream.read(LOGO_HEAD_BYTES)
    if not head:
        raise _logo_invalid("The logo file is empty.")
    content_type = logo_content_type(head)
    try:
        stored = storage.get_storage().save(storage.Rejoined(head, upload.stream), prefix=f"branding-{agency.id.hex}", max_bytes=LOGO_MAX_BYTES)
    except storage.TooLarge:
        raise _logo_invalid(f"The logo must be at most {LOGO_MAX_BYTES // 1024} KB.") from None
    storage.saved_in_unit(db.session, stored.key)  # removed again if the unit rolls back
    return stored.key, content_type


def update_branding(
    agency: Agency,
    *,
    display_name: str | None,
    accent_colour: str | None,
    logo: LogoUpload | None = None,
    remove_logo: bool = False,
    show_handler: bool | None = None,
) -> list[str]:
    """Validate everything first, then change the agency; returns the names of what changed (audited once)."""
    name = clean_display_name(display_name)
    colour = clean_accent_colour(accent_colour)
    new_logo = _store_logo(agency, logo) if logo is not None else None
    changed = []
    stored_name = name if name != agency.name else None  # the legal name needs no separate display name
    if stored_name != agency.display_name:
        agency.display_name = stored_name
        changed.append("display_name")
    if colour != agency.accent_colour:
        agency.accent_colour = colour
        changed.append("accent_colour")
    if show_handler is not None and show_handler != agency.show_handler_to_clients:
        agency.show_handler_to_clients = show_handler
        changed.append("show_handler_to_clients")
    if new_logo is not None or (remove_logo and agency.logo_key):
        if agency.logo_key:
            storage.delete_after_commit(db.session, agency.logo_key)  # the old file goes once this commits
        agency.logo_key, agency.logo_content_type = new_logo or (None, None)
        changed.append("logo" if new_logo else "logo_removed")
    if changed:
        db.session.flush()
        audit.record(
            "agency.branding_updated",
            agency,
            changed=changed,
            display_name=agency.display_name,
            accent_colour=agency.accent_colour,
            show_handler_to_clients=agency.show_handler_to_clients,
        )
    return changed


def remove_logo(agency: Agency) -> bool:
    """Remove the agency's logo (the navbar falls back to the Backline mark); False when there was none."""
    if not agency.logo_key:
        return False
    storage.delete_after_commit(db.session, agency.logo_key)
    agency.logo_key = agency.logo_content_type = None
    db.session.flush()
    audit.record("agency.branding_updated", agency, changed=["logo_removed"])
    return True


def public_logo(slug: str) -> tuple[Agency, bytes]:
    """The logo (at most LOGO_MAX_BYTES) of the active agency with this workspace slug; NotFound when there is none."""
    agency = agency_by_slug(slug)
    if agency is None or agency.is_suspended or not agency.logo_key or not agency.logo_content_type:
        raise NotFound()
    with storage.get_storage().open(agency.logo_key) as stream:
        return agency, stream.read(LOGO_MAX_BYTES + 1)
