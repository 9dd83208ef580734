"""Helpers shared by the tests: factories, a live server, a test SMTP server and browser set-up."""
