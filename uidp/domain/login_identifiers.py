"""One identifier space for person logins (P3): what a typed identifier names, decided by its form alone.

A person logs in with a phone, or with the number of their certificate of any type. Two rules keep every
identifier naming at most one account:

- a string that reads as a mainland mobile number is a phone and only a phone, so a certificate number of that
  shape (a passport or "other" number can have it) never opens an account by its number;
- any other string is a certificate number folded like every certificate form folds it, and the folded number
  is unique across all certificate types (the database holds one unique blind index over it).
"""

from __future__ import annotations

from uidp.domain.certificates import fold_certificate_number
from uidp.domain.contact import normalize_phone
from uidp.domain.errors import DomainError


def as_phone(raw: str) -> str | None:
    """The mobile number ``raw`` reads as (separators and +86 dropped), or None when it is not one."""
    try:
        return normalize_phone(raw)
    except DomainError:
        return None


def certificate_login_key(raw: str) -> str:
    """The form of a certificate number the login index is computed over, whatever its type."""
    return fold_certificate_number(raw)
