"""What CA certificate login (E4) and binding (E5) answer."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(description="A challenge for the USB key to sign (base64url text; sign its UTF-8 bytes).")
class CertificateChallenge:
    challenge: str
    expires_at: datetime


@strawberry.type(description="The certificate is bound; the account is now at level 3 (高级).")
class CertificateBound:
    serial: str = strawberry.field(description="The certificate's serial number, hex.")
    not_after: datetime
    level: int
    level_label: str
