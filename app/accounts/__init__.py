"""Users, roles, sign-in, invitations, two-factor authentication and API tokens."""
