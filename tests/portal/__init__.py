"""Tests of the client portal: its pages, its API, its people and what it never shows."""
