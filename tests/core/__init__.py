"""Tests of the building blocks in app/core: errors, idempotency, HTTP security, local time, mail, rate limits and the API contract."""
