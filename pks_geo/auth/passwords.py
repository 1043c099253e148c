"""Password hashing with werkzeug (scrypt), and generated passwords for new users.

werkzeug stores the method and salt inside the hash string, so old pbkdf2 hashes keep
verifying if the default method ever changes; we never store or log a clear password.
"""

from __future__ import annotations

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from pks_geo.auth.roles import AuthError

HASH_METHOD = "scrypt"
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    """Salted scrypt hash of ``password`` (refusing ones shorter than :data:`MIN_LENGTH`)."""
    if len(password) < MIN_LENGTH:
        raise AuthError(f"password must be at least {MIN_LENGTH} characters long")
    return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; constant-time comparison inside werkzeug."""
    if not password_hash or not password:
        return False
    return check_password_hash(password_hash, password)


def generate_password() -> str:
    """A random 16-character password (about 96 bits) for users added without one."""
    return secrets.token_urlsafe(12)
