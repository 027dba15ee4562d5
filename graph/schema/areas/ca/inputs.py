"""Inputs of CA certificate login (E4) and binding (E5)."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Log in with a bound CA certificate (E4).")
class LoginWithCertificateInput:
    certificate: str = strawberry.field(description="End-entity certificate: PEM, or DER in base64.")
    challenge: str = strawberry.field(description="From startCertificateLogin; single use, 60 seconds.")
    signature: str = strawberry.field(
        description="Base64 signature over the challenge: RSA PKCS#1 v1.5 SHA-256 or ECDSA SHA-256 (DER)."
    )
    chain: list[str] = strawberry.field(default_factory=list, description="Intermediate CA certificates, if any.")


@strawberry.input(description="Bind a CA certificate to the logged-in entity or person (E5).")
class BindCertificateInput:
    certificate: str = strawberry.field(description="End-entity certificate: PEM, or DER in base64.")
    challenge: str = strawberry.field(description="From startCertificateBinding; single use, 60 seconds.")
    signature: str = strawberry.field(description="Base64 signature over the challenge (see loginWithCertificate).")
    sms_code: str = strawberry.field(description="From sendBindCertificateCode.")
    chain: list[str] = strawberry.field(default_factory=list, description="Intermediate CA certificates, if any.")
