"""Sealing a Person row's identifying values in one place, for every service that creates or re-phones a person.

Registration (P1, P1c), pre-provisioning (P2 import), the phone appeal's new account (P9a), seeding and the
phone changes (activation with a new phone, P7 change/bind, P9b) all write the same columns: the sealed value
(for its column and row) and the blind indexes that find and de-duplicate it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from uidp.services.shared.pii import Pii

NAME = "person.name"
CERTIFICATE_NUMBER = "person.certificate_number"
PHONE = "person.phone"
BIRTH_DATE = "person.birth_date"


def seal_person_fields(
    pii: Pii,
    person_id: uuid.UUID,
    *,
    certificate_type: str | None = None,
    certificate_number: str | None = None,
    name: str | None = None,
    phone: str | None = None,
    birth_date: date | None = None,
) -> dict[str, Any]:
    """The Person column values (sealed for row ``person_id``, plus blind indexes) for create() or update().

    A certificate is given as its type and number together: the number is sealed and indexed twice, by
    certificate (``certificate_index``, per type) and as a login identifier (``login_index``).
    """
    if (certificate_type is None) != (certificate_number is None):
        raise ValueError("a certificate needs both its type and its number")
    found: dict[str, Any] = {}
    if certificate_type is not None and certificate_number is not None:
        found["certificate_type"] = certificate_type
        found["certificate_index"] = pii.certificate_index(certificate_type, certificate_number)
        found["login_index"] = pii.login_index(certificate_number)
        found["certificate_number_enc"] = pii.seal(CERTIFICATE_NUMBER, person_id, certificate_number)
    if name is not None:
        found["name_enc"] = pii.seal(NAME, person_id, name)
    if phone is not None:
        found["phone_index"] = pii.phone_index(phone)
        found["phone_enc"] = pii.seal(PHONE, person_id, phone)
    if birth_date is not None:
        found["birth_date_enc"] = pii.seal(BIRTH_DATE, person_id, birth_date.isoformat())
    return found
