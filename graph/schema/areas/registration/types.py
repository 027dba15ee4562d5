"""What registration, uploads and activation answer."""

from __future__ import annotations

import strawberry

from graph.schema.types import (
    CertificateType,
    DocumentKind,
    PersonAccount,
)


@strawberry.type(
    description="The number is well-formed and may be registered now. Whether it already has an account "
    "(activate instead, or appeal) is answered by registerPerson once the SMS code is proven."
)
class CertificateAvailable:
    certificate_type: CertificateType


@strawberry.type(description="A stored document, waiting to be claimed by a registration or appeal.")
class UploadedDocument:
    id: strawberry.ID
    kind: DocumentKind
    content_type: str
    size: int


@strawberry.type(description="The registration was accepted.")
class PersonRegistered:
    account: PersonAccount
    needs_review: bool = strawberry.field(description="True for manual registrations (P1c): wait for staff.")


@strawberry.type(description="The pre-provisioned account is active now; log in with the new password.")
class PersonActivated:
    account: PersonAccount
