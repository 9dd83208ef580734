"""Tests of notifications: the list, preferences, emails and unsubscribing."""
