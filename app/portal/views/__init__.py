"""Portal pages: the requests blueprint `bp` (with its approval decisions) and the company's people (`people.bp`)."""
from app.portal.views import approvals  # noqa: F401  (adds the approval decision to the requests blueprint)
from app.portal.views.requests import bp

__all__ = ["bp"]
