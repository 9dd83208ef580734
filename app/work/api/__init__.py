"""The work JSON API: one flask-smorest blueprint per module."""
