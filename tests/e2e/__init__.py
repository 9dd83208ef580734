"""Browser tests against a live server: accessibility, the content security policy, local time and the portal flow."""
