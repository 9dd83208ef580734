"""In-app and email notifications, and each user's preferences for them."""
