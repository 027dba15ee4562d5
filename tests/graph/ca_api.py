"""GraphQL documents and HTTP steps for CA certificate binding (E5) and login (E4), shared by the CA tests."""

from __future__ import annotations

from typing import Any

from uidp.services.auth.sessions import Sessions
from uidp.services.shared.principal import ClientInfo

ERR = "... on Error { code message field }"
SEND = "mutation { sendBindCertificateCode { __typename ... on SmsCodeSent { maskedPhone } " + ERR + " } }"
START_BIND = (
    "mutation { startCertificateBinding { __typename ... on CertificateChallenge { challenge expiresAt } "
    "... on RateLimited { retryAfterSeconds } " + ERR + " } }"
)
BIND = (
    "mutation($i: BindCertificateInput!) { bindCertificate(input: $i) { __typename "
    "... on CertificateBound { serial notAfter level levelLabel } " + ERR + " } }"
)
START_LOGIN = (
    "mutation { startCertificateLogin { __typename ... on CertificateChallenge { challenge expiresAt } "
    "... on RateLimited { retryAfterSeconds } " + ERR + " } }"
)
LOGIN = (
    "mutation($i: LoginWithCertificateInput!) { loginWithCertificate(input: $i) { __typename "
    "... on LoginSuccess { token viewer { __typename ... on EntityAccount { id level } "
    "... on PersonAccount { id level } } } " + ERR + " } }"
)
ENTITY_PHONE = "13900000001"  # make_entity's default contact phone
PERSON_PHONE = "13900000002"  # make_person's default phone


def ca_settings(make_settings: Any, tmp_path: Any, ca: Any, **overrides: Any) -> Any:
    """Settings whose trusted roots are ``ca``'s (under tmp_path/roots, where a test may add more)."""
    ca.write_root(tmp_path / "roots")
    return make_settings(ca_trust_dir=str(tmp_path / "roots"), **overrides)


def signed(leaf: Any, challenge: str, signer: Any, chain: tuple[str, ...], certificate: str) -> dict[str, Any]:
    """The certificate input fields: the challenge signed by ``signer`` (the certificate's own key if None)."""
    signature = (signer or leaf).sign(challenge)
    return {"certificate": certificate, "chain": list(chain), "challenge": challenge, "signature": signature}


async def session_of(rt: Any, kind: str, subject_id: Any) -> str:
    """A session for an entity or person row written directly (their own login flows are tested elsewhere)."""
    return (await Sessions(rt).issue(kind, subject_id, "password", ClientInfo("192.0.2.1"))).token


async def bind_challenge(api: Any, token: str) -> dict[str, Any]:
    return (await api.data(START_BIND, token=token))["startCertificateBinding"]


async def send_bind_code(api: Any, token: str, phone: str) -> str:
    sent = (await api.data(SEND, token=token))["sendBindCertificateCode"]
    assert sent["__typename"] == "SmsCodeSent" or sent.get("code") == "SMS_TOO_FREQUENT", sent
    return api.last_code(phone)


async def bind(
    api: Any, token: str, leaf: Any, *, phone: str = ENTITY_PHONE, challenge: str | None = None,
    signer: Any = None, chain: tuple[str, ...] = (), code: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """SMS code, a bind challenge and the signed challenge, as the user-space page sends them."""
    code = code or await send_bind_code(api, token, phone)
    if challenge is None:
        challenge = (await bind_challenge(api, token))["challenge"]
    variables = {"i": {**signed(leaf, challenge, signer, chain, leaf.pem), "smsCode": code}}
    return (await api.data(BIND, variables, token=token))["bindCertificate"]


async def login_challenge(api: Any) -> dict[str, Any]:
    return (await api.data(START_LOGIN))["startCertificateLogin"]


async def login(
    api: Any, leaf: Any, *, challenge: str | None = None, signer: Any = None, chain: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A login challenge signed by ``signer`` (the certificate's own key by default)."""
    if challenge is None:
        challenge = (await login_challenge(api))["challenge"]
    variables = {"i": signed(leaf, challenge, signer, chain, leaf.der_b64)}
    return (await api.data(LOGIN, variables))["loginWithCertificate"]
