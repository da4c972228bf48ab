"""Operators allowed into /admin: passwords stored as scrypt hashes (werkzeug.security), refused when
common or easy to guess (zxcvbn), names matched whatever their case, sessions revocable.

Every session's id carries the user's ``session_generation``: signing out, a new password or
``end_sessions`` raises it, which ends every session of that user at its next request.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from aggregator.models import User

MIN_PASSWORD_LENGTH = 10
# zxcvbn's scale: 3 is "safely unguessable" (about 10^10 guesses), what an online admin needs.
MIN_PASSWORD_SCORE = 3
HASH_METHOD = "scrypt"
# Words an attacker of this French project tries first, beside zxcvbn's (English) dictionaries.
GUESSED_WORDS = (
    *("ess", "agenda", "essagenda", "ess-agenda", "cress", "admin", "administrateur", "operateur"),
    *("motdepasse", "azerty", "bonjour", "soleil", "doudou", "loulou", "chouchou", "marseille"),
    *("nicolas", "julien", "camille", "france", "paris", "bretagne", "economie", "solidaire"),
)


class UserError(ValueError):
    """A user that cannot be created as asked."""


def find_user(session: Session, name: str) -> User | None:
    """The user called ``name``, whatever its case ("Alice" is "alice")."""
    return session.scalars(select(User).where(func.lower(User.name) == name.strip().lower())).first()


def add_user(session: Session, name: str, password: str) -> User:
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    if find_user(session, name) is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(name=name, password_hash=_hash(password, name), session_generation=0)
    session.add(user)
    return user


def set_password(session: Session, name: str, password: str) -> None:
    """A new password; every session of the user ends."""
    user = _existing(session, name)
    user.password_hash = _hash(password, user.name)
    user.session_generation += 1


def end_sessions(session: Session, name: str) -> None:
    """Sign the user out everywhere: every session of theirs ends at its next request."""
    _existing(session, name).session_generation += 1


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user if the password is theirs, else None."""
    user = find_user(session, name)
    if user is None:
        # Hash anyway, so an unknown name costs as long as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def password_problem(password: str, name: str = "") -> str | None:
    """Why ``password`` is refused (too short, common, or easy to guess), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    strength = zxcvbn(password[:200], user_inputs=[name, *GUESSED_WORDS])
    if strength["score"] < MIN_PASSWORD_SCORE:
        warning = strength["feedback"].get("warning")
        why = f" ({warning.rstrip('.').lower()})" if warning else ""
        return f"this password is too easy to guess{why}: choose a longer, less common one"
    return None


def _existing(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise UserError(f"no user named {name!r}")
    return user


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not the password of anyone", method=HASH_METHOD)


def _hash(password: str, name: str) -> str:
    problem = password_problem(password, name)
    if problem:
        raise UserError(problem)
    return generate_password_hash(password, method=HASH_METHOD)
