"""Tests of the demo data command."""
