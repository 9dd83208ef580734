"""Agency branding: the admin page and service, the public logo, and the branded navbar, sign-in and portal pages."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts import branding
from app.core import storage
from app.core.audit import AuditEvent
from app.core.errors import NotFound, ValidationFailed
from app.core.pages import accent_palette, contrast_ratio
from tenants.models import Agency
from tests.support.web import tenant_db


def png_bytes(width: int = 4, height: int = 2) -> bytes:
    """A real (tiny, grey) PNG, made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
HOSTILE = "red;}</style><script>alert(1)</script>"


def agency_row(app, agency_id) -> Agency:
    with tenant_db(app, agency_id) as session:
        agency = session.scalar(select(Agency).where(Agency.id == agency_id))
        session.expunge(agency)
    return agency


def branding_events(app, agency_id) -> list[AuditEvent]:
    with tenant_db(app, agency_id) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "agency.branding_updated")))
        session.expunge_all()
    return rows


def post_branding(client, display_name="Agency A", accent_colour="", logo=None, remove_logo=False, show_handler=True):
    data = {"display_name": display_name, "accent_colour": accent_colour}
    if show_handler:  # the page shows the box ticked by default, so a browser sends it
        data["show_handler"] = "y"
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[0]), logo[1], logo[2] if len(logo) > 2 else "application/octet-stream")
    if remove_logo:
        data["remove_logo"] = "y"
    return client.post("/admin/branding", data=data, content_type="multipart/form-data")


def stored_files(app) -> set[Path]:
    return {path for path in Path(app.config["UPLOAD_DIR"]).glob("branding-*/**/*") if path.is_file()}


def stored(app, key) -> bytes:
    with app.app_context(), storage.get_storage().open(key) as handle:
        return handle.read()


# --- the admin page and the service -------------------------------------------------------------


def test_admin_sets_and_clears_branding_on_the_page(app, world, as_user):
    admin = as_user(world.a.agency_admin)
    page = admin.get("/admin/branding")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in body and 'id="branding-preview"' in body
    assert 'href="/admin/branding"' in body  # in the Settings menu

    logo = png_bytes()
    response = post_branding(admin, "  Acme   Books ", "#1F6F5C", (logo, "logo.png", "image/png"))
    assert response.status_code == 302 and response.headers["Location"] == "/admin/branding"

    agency = agency_row(app, world.a.agency_id)
    assert (agency.display_name, agency.accent_colour, agency.logo_content_type) == ("Acme Books", "#1f6f5c", "image/png")
    assert stored(app, agency.logo_key) == logo
    [event] = branding_events(app, world.a.agency_id)
    assert event.details["changed"] == ["display_name", "accent_colour", "logo"]
    assert event.actor_email == world.a.agency_admin.email

    body = admin.get("/admin/branding").get_data(as_text=True)
    assert "Acme Books" in body and "--bl-accent: #1f6f5c" in body
    assert "background: #1f6f5c; color: #ffffff;" in body  # the no-JS preview shows the saved colour
    assert f"/brand/logo/{world.a.slug}?v=" in body

    old_key = agency.logo_key
    response = post_branding(admin, "Agency A", "", remove_logo=True)
    assert response.status_code == 302
    agency = agency_row(app, world.a.agency_id)
    assert (agency.display_name, agency.accent_colour, agency.logo_key, agency.logo_content_type) == (None, None, None, None)
    with pytest.raises(NotFound):
        stored(app, old_key)  # the file went once the change committed
    assert branding_events(app, world.a.agency_id)[-1].details["changed"] == ["display_name", "accent_colour", "logo_removed"]
    body = admin.get("/").get_data(as_text=True)
    assert "--bl-accent" not in body and "Acme Books" not in body and 'class="brand-mark"' in body


def test_the_service_validates_changes_and_audits(app, world):
    with tenant_db(app, world.a.agency_id) as session:
        agency = session.scalar(select(Agency).where(Agency.id == world.a.agency_id))
        changed = branding.update_branding(agency, display_name="Northwind", accent_colour="#ABCDEF", logo=branding.LogoUpload(io.BytesIO(JPEG)))
        assert changed == ["display_name", "accent_colour", "logo"]
        assert (agency.display_name, agency.accent_colour, agency.logo_content_type) == ("Northwind", "#abcdef", "image/jpeg")
        assert branding.update_branding(agency, display_name="Northwind", accent_colour="#abcdef") == []
        for bad in ("", "   ", "x" * 101):
            with pytest.raises(ValidationFailed) as refused:
                branding.update_branding(agency, display_name=bad, accent_colour="")
            assert "display_name" in refused.value.fields
        too_big = png_bytes() + b"\x00" * branding.LOGO_MAX_BYTES
        with pytest.raises(ValidationFailed, match="at most 512 KB"):
            branding.update_branding(agency, display_name="Other", accent_colour="#000000", logo=branding.LogoUpload(io.BytesIO(too_big)))
        assert (agency.display_name, agency.accent_colour) == ("Northwind", "#abcdef")
        assert branding.remove_logo(agency) is True
        assert branding.remove_logo(agency) is False
        assert agency.logo_key is None
    assert len(branding_events(app, world.a.agency_id)) == 2


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "1f6f5c", "#gggggg", HOSTILE])
def test_an_invalid_colour_is_refused_and_changes_nothing(app, world, as_user, colour):
    admin = as_user(world.a.agency_admin)
    response = post_branding(admin, "New Name", colour, (png_bytes(), "logo.png", "image/png"))

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The accent colour is not valid." in body and 'id="accent_colour-errors"' in body
    assert "<script>alert(1)" not in body
    agency = agency_row(app, world.a.agency_id)
    assert (agency.display_name, agency.accent_colour, agency.logo_key) == (None, None, None)
    assert branding_events(app, world.a.agency_id) == []


@pytest.mark.parametrize(
    "logo, message",
    [
        ((png_bytes() + b"\x00" * 2048, "big.png", "image/png"), "at most 2 KB"),  # the limit is lowered below
        ((b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "image/svg+xml"), "PNG or JPEG"),
        ((b"GIF89a" + b"\x00" * 20, "logo.gif", "image/gif"), "PNG or JPEG"),
        ((b"just some text", "logo.png", "image/png"), "PNG or JPEG"),
    ],
)
def test_an_oversize_or_non_image_logo_is_refused_and_changes_nothing(app, world, as_user, monkeypatch, logo, message):
    # A small limit keeps the test's upload in memory (the test client spools big bodies to a temporary file).
    monkeypatch.setattr(branding, "LOGO_MAX_BYTES", 2048)
    admin = as_user(world.a.agency_admin)
    before = stored_files(app)
    response = post_branding(admin, "New Name", "#1f6f5c", logo)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    agency = agency_row(app, world.a.agency_id)
    assert (agency.display_name, agency.accent_colour, agency.logo_key) == (None, None, None)
    assert branding_events(app, world.a.agency_id) == []
    assert admin.get(f"/brand/logo/{world.a.slug}").status_code == 404
    assert stored_files(app) == before  # nothing is left in storage


@pytest.mark.parametrize("role", ["staff", "client_admin", "client_member"])
def test_only_agency_admins_reach_the_branding_page(app, world, as_user, role):
    user = as_user(getattr(world.a, role))

    assert user.get("/admin/branding").status_code == 403
    assert post_branding(user, "Taken Over", "#000000").status_code == 403
    agency = agency_row(app, world.a.agency_id)
    assert (agency.display_name, agency.accent_colour) == (None, None)
    assert 'href="/admin/branding"' not in user.get("/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/branding")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- the public logo -----------------------------------------------------------------------------


def test_the_logo_route_serves_each_agencys_own_logo(app, world, as_user, client):
    logo = png_bytes(8, 8)
    assert post_branding(as_user(world.a.agency_admin), "Agency A", "", (logo, "a.png", "image/png")).status_code == 302

    response = client.get(f"/brand/logo/{world.a.slug}")
    assert response.status_code == 200
    assert response.data == logo
    assert response.mimetype == "image/png"
    assert response.cache_control.public and response.cache_control.max_age == 24 * 3600
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    assert client.get(f"/brand/logo/{world.b.slug}").status_code == 404  # another agency, without a logo
    assert client.get("/brand/logo/no-such-agency").status_code == 404


def test_a_suspended_agency_has_no_public_logo(app, world, as_user, client):
    assert post_branding(as_user(world.a.agency_admin), "Agency A", "", (JPEG, "a.jpg", "image/jpeg")).status_code == 302
    with tenant_db(app, world.a.agency_id) as session:
        from app.core.types import utcnow

        session.scalar(select(Agency).where(Agency.id == world.a.agency_id)).suspended_at = utcnow()
    assert client.get(f"/brand/logo/{world.a.slug}").status_code == 404


# --- where the branding shows --------------------------------------------------------------------


def brand(app, world_agency, display_name="Northwind", accent_colour="#1f6f5c", logo=None):
    with tenant_db(app, world_agency.agency_id) as session:
        agency = session.scalar(select(Agency).where(Agency.id == world_agency.agency_id))
        branding.update_branding(
            agency, display_name=display_name, accent_colour=accent_colour, logo=branding.LogoUpload(io.BytesIO(logo)) if logo else None
        )


def test_the_sign_in_page_wears_the_known_workspaces_branding(app, world, client):
    brand(app, world.a, logo=png_bytes())

    body = client.get(f"/sign-in?workspace={world.a.slug}").get_data(as_text=True)
    assert "Northwind" in body and "to Northwind on Backline." in body
    assert "--bl-accent: #1f6f5c" in body
    assert f"/brand/logo/{world.a.slug}?v=" in body

    other = client.get(f"/sign-in?workspace={world.b.slug}").get_data(as_text=True)
    assert "Northwind" not in other and "--bl-accent" not in other and "to Agency B on Backline." in other
    plain = client.get("/sign-in?workspace=no-such-agency").get_data(as_text=True)
    assert "--bl-accent" not in plain and "your agency's Backline workspace" in plain


def test_a_posted_sign_in_never_reveals_the_typed_workspace_by_its_branding(app, world):
    brand(app, world.a)
    client = app.test_client()
    client.get("/sign-in")  # a fresh browser: no remembered workspace
    response = client.post("/sign-in", data={"workspace": world.a.slug, "email": "x@y.test", "password": "nope"})
    assert "Northwind" not in response.get_data(as_text=True)


def test_signed_in_pages_show_the_display_name_logo_and_accent(app, world, as_user):
    brand(app, world.a, logo=png_bytes())

    for role in ("client_admin", "staff"):
        body = as_user(getattr(world.a, role)).get("/", follow_redirects=True).get_data(as_text=True)
        assert '<span class="brand-agency text-truncate">Northwind</span>' in body
        assert "--bl-accent: #1f6f5c; --bl-accent-hover:" in body and "--bl-accent-text: #ffffff" in body
        assert f'<img src="/brand/logo/{world.a.slug}?v=' in body
    other = as_user(world.b.client_admin).get("/", follow_redirects=True).get_data(as_text=True)
    assert "Northwind" not in other and "--bl-accent" not in other


def test_a_light_accent_gets_dark_text(app, world, as_user):
    brand(app, world.a, accent_colour="#ffe066")

    body = as_user(world.a.client_member).get("/", follow_redirects=True).get_data(as_text=True)
    assert "--bl-accent-text: #212529" in body and ".navbar.bg-backline .text-white { color: #212529 !important; }" in body


def test_the_accent_never_inlines_raw_input(app, world, as_user):
    # Even a value written past the service (an old row, a manual fix) is checked again before it is inlined.
    with tenant_db(app, world.a.agency_id) as session:
        session.scalar(select(Agency).where(Agency.id == world.a.agency_id)).accent_colour = HOSTILE[:7]
    body = as_user(world.a.client_admin).get("/", follow_redirects=True).get_data(as_text=True)
    assert "--bl-accent" not in body and "red;}" not in body

    response = post_branding(as_user(world.a.agency_admin), "Agency A", HOSTILE)
    assert response.status_code == 422
    assert HOSTILE not in response.get_data(as_text=True)


def test_accent_palette_keeps_text_readable():
    assert accent_palette(HOSTILE) is None and accent_palette("") is None and accent_palette(None) is None
    for colour in ("#1f6f5c", "#8a3b12", "#ffe066", "#ffffff", "#000000", "#777777", "#2f5d8a", "#00ff00"):
        palette = accent_palette(colour.upper())
        assert palette["accent"] == colour
        best = max(contrast_ratio(colour, "#ffffff"), contrast_ratio(colour, "#212529"))
        assert contrast_ratio(colour, palette["text"]) == best >= 4.4
    assert accent_palette("#1f6f5c")["text"] == "#ffffff" and accent_palette("#ffe066")["text"] == "#212529"
