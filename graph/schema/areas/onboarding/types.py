"""What captchas, the catalogue and the sandbox answer."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.schema.types import (
    CertificateType,
)


@strawberry.type(description="An image captcha: show `imagePng` (a data URL) and send the answer with `id`.")
class Captcha:
    id: str
    image_png: str
    expires_at: datetime


@strawberry.type(description="A certificate type a person can register with, and how (P1a-P1c).")
class CertificateTypeInfo:
    type: CertificateType
    label: str
    route: str = strawberry.field(description="ID_CARD, PERMIT or MANUAL (staff review, needs uploads).")


@strawberry.type(description="A login method offered by an installed plugin.")
class LoginMethodInfo:
    id: str
    label: str
    sandbox: bool
    starts: bool = strawberry.field(
        description="True: the page begins with startLogin (a redirect or a QR code); false: completeLogin (or the "
        "method's own field) takes its parameters directly."
    )
    trust: list[str] = strawberry.field(
        description="Which verified claims of this method open an account without a binding: ACCOUNT, ID_NUMBER, "
        "CREDIT_CODE (empty: every new partner account is bound first, see BindingRequired)."
    )


@strawberry.type(description="Registration rules a form can show before submitting.")
class RegistrationRules:
    password_rule: str
    window_opens: str
    window_closes: str
    home_province: str
    upload_max_bytes: int
    upload_types: list[str]
    certificate_types: list[CertificateTypeInfo]


@strawberry.type(description="A message in the sandbox SMS outbox (dev profile only).")
class SandboxSms:
    at: datetime
    phone: str
    purpose: str
    text: str
