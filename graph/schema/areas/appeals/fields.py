"""Root fields of the appeals area: submitPhoneAppeal (P9a), the certificate appeal (P9b), bindNewPhone."""

from __future__ import annotations

import strawberry

from graph.schema.areas.appeals import resolvers as appeals


@strawberry.type
class AppealsMutation:
    submit_phone_appeal: appeals.SubmitPhoneAppealResult = strawberry.field(
        resolver=appeals.submit_phone_appeal,
        description="Appeal: my phone number was registered by someone else (P9a).",
    )
    start_certificate_appeal: appeals.StartCertificateAppealResult = strawberry.field(
        resolver=appeals.start_certificate_appeal,
        description="Start an appeal: my ID number was registered with someone else's phone (P9b step 1).",
    )
    submit_certificate_appeal: appeals.SubmitCertificateAppealResult = strawberry.field(
        resolver=appeals.submit_certificate_appeal,
        description="Finish that appeal: bank-card check, new phone and new password (P9b steps 2-3).",
    )
    bind_new_phone: appeals.BindNewPhoneResult = strawberry.field(
        resolver=appeals.bind_new_phone, description="After a phone appeal: bind a new phone."
    )
