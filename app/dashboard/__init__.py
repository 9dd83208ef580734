"""The signed-in home page of each role and the audit-log browser."""
