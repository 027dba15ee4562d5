"""Root fields of the consents area (C3): myConsents, revokeConsent."""

from __future__ import annotations

import strawberry

from graph.schema.areas.user_consents import resolvers


@strawberry.type
class UserConsentsQuery:
    my_consents: resolvers.MyConsentsResult = strawberry.field(
        resolver=resolvers.my_consents,
        description="C3: the connected systems I let receive my information (single sign-on), newest first.",
    )


@strawberry.type
class UserConsentsMutation:
    revoke_consent: resolvers.RevokeConsentResult = strawberry.field(
        resolver=resolvers.revoke_consent,
        description="C3: withdraw a consent; every token the system holds for me stops working at once.",
    )
