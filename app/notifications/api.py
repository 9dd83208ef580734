"""JSON endpoints for the caller's own notifications and notification preferences."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from app.accounts.auth import signed_in_required
from app.core.api import Blueprint
from app.notifications import queries, services
from app.notifications.schemas import (
    NotificationFilterArgs,
    NotificationOut,
    NotificationPageOut,
    PreferencesIn,
    PreferencesOut,
    ReadAllOut,
    preferences_out,
)

blp = Blueprint("notifications_api", __name__, url_prefix="/api/v1/notifications", description="Your notifications")


@blp.route("")
@signed_in_required
@blp.arguments(NotificationFilterArgs, location="query")
@blp.response(200, NotificationPageOut)
def list_notifications(args):
    """Your notifications, newest first (`sort=oldest` reverses), optionally only unread ones or one kind."""
    page = queries.list_notifications(current_user, **args)
    return {"items": page.items, "next_cursor": page.next_cursor, "unread_count": queries.unread_count(current_user)}


@blp.route("/<uuid:notification_id>/read", methods=["POST"])
@signed_in_required
@blp.response(200, NotificationOut)
def mark_read(notification_id):
    """Mark one of your notifications read (404 for anyone else's)."""
    return services.mark_read(current_user, notification_id)


@blp.route("/read-all", methods=["POST"])
@signed_in_required
@blp.response(200, ReadAllOut)
def mark_all_read():
    """Mark all your notifications read."""
    return {"marked_read": services.mark_all_read(current_user), "unread_count": 0}


@blp.route("/preferences")
class Preferences(MethodView):
    decorators = [signed_in_required]

    @blp.response(200, PreferencesOut)
    def get(self):
        """Per kind: whether you get it in the app and by email (both on unless you turned them off)."""
        return preferences_out(services.preferences_for(current_user), current_user)

    @blp.arguments(PreferencesIn)
    @blp.response(200, PreferencesOut)
    def put(self, data):
        """Change your preferences for the kinds you send; the others keep their setting."""
        choices = {kind: (value["in_app"], value["email"]) for kind, value in data.items()}
        return preferences_out(services.set_preferences(current_user, choices), current_user)
