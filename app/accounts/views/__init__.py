"""The account pages: signing in and out, links from emails, the account page, and user administration.

The `accounts` blueprint lives in `blueprint`; each page module declares its `routes`, attached by the app factory.
"""
