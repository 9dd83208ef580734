"""The demo data set and the one-command developer server."""
