"""Every column the PII cipher seals, and the ``uidp migrate`` step that binds old values to their rows.

Values sealed before rows were bound (token format ``v1``, bound to the column only) are opened once with their
column and sealed again for their row (``v2``); the cipher refuses ``v1`` everywhere else. A test fails when a
model gains an ``*_enc`` column that is missing here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model

from uidp.models.bank_check import BankCheck
from uidp.models.binding import ExternalBinding
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity
from uidp.models.oidc import OidcSigningKey
from uidp.models.person import Person
from uidp.models.review import ReviewCase
from uidp.models.staff import StaffEnrolment, StaffTotp
from uidp.models.upload import Upload
from uidp.services.auth.bindings import SUBJECT_COLUMN as BINDING_SUBJECT_COLUMN
from uidp.services.auth.ca_binding import DN_COLUMN
from uidp.services.entities import entities
from uidp.services.oidc.keys import PRIVATE_COLUMN as SIGNING_KEY_COLUMN
from uidp.services.persons.levels import CARD_COLUMN
from uidp.services.persons.user_space import BINDING_DISPLAY_COLUMN
from uidp.services.shared.pii import Pii
from uidp.services.staff.staff_enrolment import PENDING_COLUMN, TOTP_COLUMN

_COLUMN_ONLY = "v1."


@dataclass(frozen=True)
class SealedColumn:
    model: type[Model]
    field: str
    context: Callable[[Any], str]  # the column name the cipher binds, from the row


def _named(name: str) -> Callable[[Any], str]:
    return lambda _row: name


SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn(Person, "certificate_number_enc", _named("person.certificate_number")),
    SealedColumn(Person, "name_enc", _named("person.name")),
    SealedColumn(Person, "phone_enc", _named("person.phone")),
    SealedColumn(Person, "birth_date_enc", _named("person.birth_date")),
    SealedColumn(Entity, "credit_code_enc", _named(entities.CREDIT_CODE)),
    SealedColumn(Entity, "name_enc", _named(entities.NAME)),
    SealedColumn(Entity, "contact_name_enc", _named(entities.CONTACT_NAME)),
    SealedColumn(Entity, "contact_certificate_number_enc", _named(entities.CONTACT_CERTIFICATE_NUMBER)),
    SealedColumn(Entity, "contact_phone_enc", _named(entities.CONTACT_PHONE)),
    SealedColumn(BankCheck, "card_number_enc", _named(CARD_COLUMN)),
    SealedColumn(CertificateBinding, "subject_dn_enc", _named(DN_COLUMN)),
    SealedColumn(ExternalBinding, "display_enc", _named(BINDING_DISPLAY_COLUMN)),
    SealedColumn(ExternalBinding, "subject_enc", _named(BINDING_SUBJECT_COLUMN)),
    SealedColumn(StaffTotp, "secret_enc", _named(TOTP_COLUMN)),
    SealedColumn(StaffEnrolment, "secret_enc", _named(PENDING_COLUMN)),
    SealedColumn(ReviewCase, "notify_phone_enc", lambda case: f"case:{case.id}:phone"),
    SealedColumn(ReviewCase, "details_enc", lambda case: f"case:{case.id}:details"),
    SealedColumn(OidcSigningKey, "private_sealed", _named(SIGNING_KEY_COLUMN)),  # the OpenID provider's keys
)
# Uploads (``upload.content_enc``, a binary column Tortoise cannot filter) are not rewritten: their context has
# always named the row (``upload:<id>``), so a v1 upload is row-bound already and Uploads.content still opens it.
ROW_NAMED_IN_CONTEXT: tuple[tuple[type[Model], str], ...] = ((Upload, "content_enc"),)


async def reseal_column_only(pii: Pii) -> int:
    """Seal every ``v1`` value again for its row; returns how many were rewritten (0 on a current database)."""
    rewritten = 0
    for column in SEALED_COLUMNS:
        pk = column.model._meta.pk_attr
        for row in await column.model.filter(**{f"{column.field}__startswith": _COLUMN_ONLY}):
            token, context, row_id = getattr(row, column.field), column.context(row), getattr(row, pk)
            sealed = pii.seal(context, row_id, pii.cipher.decrypt_column_only(token, context=context))
            # conditional on the old value: a concurrent write of a new value wins
            rewritten += await column.model.filter(**{pk: row_id, column.field: token}).update(**{column.field: sealed})
    return rewritten
