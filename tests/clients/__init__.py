"""Tests of client companies and the staff who serve them."""
