"""Tests of agency provisioning and the agency commands."""
