"""Notification pages: the signed-in list and preferences (`notifications.bp`) and the one-click unsubscribe (`unsubscribe.bp`)."""
