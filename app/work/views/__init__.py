"""Work pages: one blueprint per module."""
