"""Who holds an account, and what a staff member may do: the two names every layer compares against."""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    """The kind of an account, and so of its sessions, credentials, bindings, notices and audit subject.

    The values are the strings stored in ``subject_kind`` / ``owner_kind`` columns, store keys and audit rows.
    """

    PERSON = "person"
    ENTITY = "entity"
    STAFF = "staff"


class StaffRole(StrEnum):
    """A staff member's roles (A2); a session has the rights of all of them."""

    REVIEWER = "reviewer"
    OPERATOR = "operator"
    ADMINISTRATOR = "administrator"


class ActorRole(StrEnum):
    """Who acts in a session for its subject (an entity) when that is not the subject itself (``Session.actor_role``).

    ``legal_representative`` and ``manager`` scan the electronic business licence (E6); ``agent`` logs in under
    a grant (E3, ``loginAsAgent``) and acts only within that grant's scope and period.
    """

    LEGAL_REPRESENTATIVE = "legal_representative"
    MANAGER = "manager"
    AGENT = "agent"
