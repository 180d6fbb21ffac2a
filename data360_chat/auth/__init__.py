"""Accounts and sign-in: passwords, sessions, bearer tokens, API keys and OpenID Connect (no Reflex here).

`get_auth_service()` is the process-wide entry point; HTTP routes and Reflex states resolve the current user
through it on every request or event.
"""
