"""Tests of the tenancy kernel: scoping, row-level security, keys, staff reach, the CLI and the isolation matrix."""
