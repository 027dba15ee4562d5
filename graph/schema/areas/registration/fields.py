"""Root fields of registration (P1a-P1e) and activation (P2)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.registration import resolvers as registration


@strawberry.type
class RegistrationMutation:
    check_certificate: registration.CheckCertificateResult = strawberry.field(
        resolver=registration.check_certificate, description="P1e/P2: register, activate, or appeal?"
    )
    upload_document: registration.UploadDocumentResult = strawberry.field(
        resolver=registration.upload_document,
        description="Upload one document for a later form (multipart request with the CSRF header; P1c).",
    )
    register_person: registration.RegisterPersonResult = strawberry.field(
        resolver=registration.register_person, description="Register a natural person account (P1a-P1e)."
    )
    activate_person: registration.ActivatePersonResult = strawberry.field(
        resolver=registration.activate_person, description="Activate a pre-provisioned person account (P2)."
    )
