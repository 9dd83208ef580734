"""Tests of accounts: sign-in, sessions, links from emails, branding, the API, the second factor and local time."""
