"""CA certificate login (E4) and binding (E5): the USB-key client signs the server's challenge.

Key types: RSA, ECDSA and SM2 (SM2-with-SM3 via gmssl, uidp.security.sm2). The plugin verifies; the core
(uidp.services.auth.ca_login / ca_binding) owns challenges, bindings and sessions.
Settings (uidp.config): trusted roots from ``UIDP_CA_TRUST_DIR`` (every ``*.pem`` / ``*.crt`` file there,
bundles allowed), revocation lists from ``UIDP_CA_CRL_FILES`` (comma list, PEM or DER), both read on each
verification so a refreshed CRL takes effect without a restart; ``UIDP_CA_REQUIRE_REVOCATION`` (always on in
production) and ``UIDP_CA_POLICY_OIDS``. Commands: ``uidp ca sign``, ``uidp ca demo-cert`` (plugins.ca.commands).

``complete`` params: ``certificate`` (PEM, DER base64), ``chain`` (a JSON list of the same), ``challenge``,
``signature`` (base64), ``at`` (ISO-8601 clock time of the check). The key is checked and the possession proof
verified before the chain, so a certificate under an unknown root costs the same work as a trusted one. The
assertion's subject is the certificate's SHA-256 fingerprint; claims carry ``subject_dn``, ``serial``,
``not_after`` and, if the subject names them, ``credit_code`` and ``person_number``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

from plugins.ca.commands import add_commands
from plugins.ca.verify import CertificateVerifier, check_key, load_certificate, load_crl, load_pem_certificates
from uidp.plugin_api import (
    Assertion,
    CommandLine,
    DomainError,
    ErrorCode,
    LoginFailure,
    LoginPorts,
    LoginRequest,
    RegisterLoginMethod,
    Settings,
    hookimpl,
)

MAX_CHAIN_ITEMS = 8

__all__ = [
    "CertificateLogin",
    "CertificateVerifier",
    "register_commands",
    "register_login_methods",
    "trust_dir_of",
    "verifier_from_settings",
]


def trust_dir_of(settings: Settings) -> Path | None:
    """``UIDP_CA_TRUST_DIR``; on the dev profile DATA_DIR/ca/roots (where ``uidp ca demo-cert`` writes) by default."""
    if settings.ca_trust_dir.strip():
        return Path(settings.ca_trust_dir.strip())
    return None if settings.is_production else settings.data_dir / "ca" / "roots"


def verifier_from_settings(settings: Settings) -> CertificateVerifier:
    """Roots and CRLs as the settings name them, read now; no roots -> VERIFIER_UNAVAILABLE."""
    folder = trust_dir_of(settings)
    roots = []
    if folder is not None and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in (".pem", ".crt") and path.is_file():
                roots += load_pem_certificates(path.read_bytes())
    if not roots:
        raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "数字证书服务暂不可用，请稍后再试")
    crls = []
    for name in settings.list_of(settings.ca_crl_files):
        try:
            crls.append(load_crl(Path(name).read_bytes()))
        except (OSError, ValueError):
            continue  # a missing or broken file is no CRL: fails closed where revocation is required
    return CertificateVerifier(
        roots,
        crls,
        require_revocation=settings.revocation_required,
        policy_oids=settings.list_of(settings.ca_policy_oids),
    )


class CertificateLogin:
    """The ``ca`` login method: proves who holds a trusted, bound-able certificate's private key."""

    id = "ca"
    label = "数字证书登录"
    sandbox = False

    def __init__(self, settings: Settings | None = None, verifier: CertificateVerifier | None = None) -> None:
        if settings is None and verifier is None:
            raise ValueError("CertificateLogin needs settings or a verifier")
        self._settings = settings  # roots and CRLs are read from the files the settings name on each call
        self._verifier = verifier  # tests may pass a fixed one

    async def complete(self, request: LoginRequest, ports: LoginPorts | None = None) -> Assertion:
        params = request.params
        try:
            chain = json.loads(params.get("chain") or "[]")
            at = datetime.fromisoformat(params["at"])
        except (ValueError, KeyError) as error:
            raise LoginFailure("malformed request") from error
        if not isinstance(chain, list) or len(chain) > MAX_CHAIN_ITEMS or not all(isinstance(c, str) for c in chain):
            raise LoginFailure("malformed chain")
        return await asyncio.to_thread(
            self._check, params.get("certificate", ""), chain, params.get("challenge", ""),
            params.get("signature", ""), at,
        )  # fmt: skip

    def _check(self, certificate: str, chain: list[str], challenge: str, signature: str, at: datetime) -> Assertion:
        verifier = self._verifier or verifier_from_settings(self._settings)  # type: ignore[arg-type]
        leaf = load_certificate(certificate)
        check_key(leaf)
        verifier.verify_possession(leaf, challenge, signature)
        leaf, verified = verifier.verify(leaf, chain, at)
        claims = {
            "subject_dn": verified.subject_dn,
            "serial": verified.serial,
            "not_after": verified.not_after.isoformat(),
        }
        if verified.credit_code:
            claims["credit_code"] = verified.credit_code
        if verified.person_number:
            claims["person_number"] = verified.person_number
        return Assertion(provider=self.id, subject=verified.fingerprint, subject_kind="certificate", claims=claims)


@hookimpl
def register_login_methods(register: RegisterLoginMethod, settings: Settings) -> None:
    register(CertificateLogin(settings))


@hookimpl
def register_commands(cli: CommandLine) -> None:
    add_commands(cli)
