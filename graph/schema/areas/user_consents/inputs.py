"""Inputs of the consents area."""

from __future__ import annotations

import strawberry


@strawberry.input(description="C3: revoke a consent given to a connected system.")
class RevokeConsentInput:
    consent_id: strawberry.ID = strawberry.field(description="The `id` of the consent, as listed in myConsents.")
