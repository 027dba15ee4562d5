"""Erasing a person for good (P10): every row the person owns, in one place.

``PERSON_OWNED`` lists each person-owned model with how its rows name the person. A model added later
that refers to persons must be added here (tests/services/persons/test_cancellation.py fails until it is, or
until it is listed in ``KEPT`` with the reason). The audit trail is kept: it holds masked values only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.models.bank_check import BankCheck
from uidp.models.binding import ExternalBinding
from uidp.models.ca_binding import CertificateBinding
from uidp.models.candidate import DelegationCandidate
from uidp.models.credential import Credential
from uidp.models.grant_application import GrantApplication
from uidp.models.notice import AccountNotice
from uidp.models.oidc import OidcConsent
from uidp.models.person import Person
from uidp.models.review import ReviewCase
from uidp.models.session import Session
from uidp.models.upload import Upload


def _subject(person_id: uuid.UUID) -> dict[str, Any]:
    return {"subject_kind": SubjectKind.PERSON, "subject_id": person_id}


# Children first, the person row last.
PERSON_OWNED: tuple[tuple[type[Model], Callable[[uuid.UUID], dict[str, Any]]], ...] = (
    (Credential, _subject),
    (Session, _subject),
    (ExternalBinding, _subject),
    (CertificateBinding, _subject),  # CA certificates a person bound (E5)
    (AccountNotice, _subject),  # notices waiting for the person's next login
    (Upload, lambda pid: {"owner_kind": SubjectKind.PERSON, "owner_id": pid}),
    (BankCheck, lambda pid: {"person_id": pid}),  # level checks, with the encrypted card number
    (ReviewCase, lambda pid: {"person_id": pid}),  # the person's own registration and appeals
    (DelegationCandidate, lambda pid: {"person_id": pid}),  # the person on entities' candidate lists (E9)
    (GrantApplication, lambda pid: {"applicant_id": pid}),  # the person's applications for grants (E9)
    (OidcConsent, _subject),  # what the person let connected systems receive (C1)
    (Person, lambda pid: {"id": pid}),
)

# Models that name persons but are kept on purpose, with the reason.
KEPT: dict[str, str] = {
    "audit_event": "the audit trail keeps only ids and masked values (A3)",
    "delegation_grant": "the entity's record of who acted for it (ids, codes, periods, no PII); grants given or "
    "held by a cancelled person end through the delegation cascade",
    "oidc_authorization": "what a connected system was given (ids, scopes, no PII): revoked at cancellation and "
    "kept so that back-channel logout still reaches each system that held a session",
}


async def erase_person(person_id: uuid.UUID) -> dict[str, int]:
    """Delete every person-owned row; returns rows deleted per table. Joins the caller's transaction."""
    deleted: dict[str, int] = {}
    async with in_transaction():
        for model, where in PERSON_OWNED:
            deleted[model._meta.db_table] = await model.filter(**where(person_id)).delete()
    return deleted
