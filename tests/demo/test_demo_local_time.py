"""The demo's local time: Harbor is a US agency on New York time in US English; Northwind stays on London time."""

import re

from sqlalchemy import select

from app.extensions import db
from tenants.models import Agency, Client
from tests.support.web import sign_in

US_INSTANT = re.compile(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M E[SD]T")


def test_a_harbor_client_user_reads_deadlines_in_new_york_time(app):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        agencies = {a.slug: (a.timezone, a.locale) for a in db.session.scalars(select(Agency))}
        from tenants.context import TenantContext, set_tenant

        harbor = db.session.scalar(select(Agency).where(Agency.slug == "harbor"))
        set_tenant(TenantContext(agency_id=harbor.id))
        zones = {c.name: c.timezone for c in db.session.scalars(select(Client))}
    assert agencies == {"harbor": ("America/New_York", "en_US"), "northwind": ("Europe/London", "en_GB")}
    assert zones["Evergreen Cafe"] == "America/New_York" and all(z.startswith("America/") for z in zones.values())

    client = app.test_client()
    assert sign_in(client, "harbor", "evergreen.admin@evergreen.example", "backline-demo").status_code == 302
    home = client.get("/portal").get_data(as_text=True)
    assert "Times are shown in America/New York (E" in home
    assert US_INSTANT.search(home), "the portal shows its deadlines on New York's clock, in US English"
