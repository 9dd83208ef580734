"""Tests for the SLA engine."""
