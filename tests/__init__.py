"""The test suite: one package per capability, mirroring app/, plus tenancy, worker and browser tests."""
