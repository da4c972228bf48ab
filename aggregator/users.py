"""Operators allowed into /admin: passwords stored as scrypt hashes (werkzeug.security)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from aggregator.models import User

MIN_PASSWORD_LENGTH = 10
HASH_METHOD = "scrypt"


class UserError(ValueError):
    """A user that cannot be created as asked."""


def add_user(session: Session, name: str, password: str) -> User:
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    if session.scalars(select(User).where(User.name == name)).first() is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(name=name, password_hash=_hash(password))
    session.add(user)
    return user


def set_password(session: Session, name: str, password: str) -> None:
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise UserError(f"no user named {name!r}")
    user.password_hash = _hash(password)


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user if the password is theirs, else None."""
    user = session.scalars(select(User).where(User.name == name.strip())).first()
    if user is None:
        # Hash anyway, so an unknown name costs as long as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not the password of anyone", method=HASH_METHOD)


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password, method=HASH_METHOD)
