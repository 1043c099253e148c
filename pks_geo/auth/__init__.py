"""Users, roles, passwords and API tokens.

This layer sits beside ``ingest``: it talks to the database and knows nothing about Flask,
so the CLI and the web app share one implementation of "who may do what". The web glue
(session, Bearer header, CSRF, decorators) lives in :mod:`pks_geo.web.auth`.
"""

from pks_geo.auth.roles import ROLES, AuthError, Principal, check_role, role_at_least

__all__ = ["ROLES", "AuthError", "Principal", "check_role", "role_at_least"]
