"""The account pages: signing in and out, links from emails, the account page, and user administration."""
from app.accounts.views import account, admin, branding, signin  # noqa: F401  (each module adds its routes to bp)
from app.accounts.views.blueprint import bp

__all__ = ["bp"]
