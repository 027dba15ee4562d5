"""CA certificate login (E4) and binding (E5): the USB-key client signs the server's challenge.

Key types: RSA, ECDSA and SM2 (SM2-with-SM3 via gmssl, plugins.ca.sm2). The plugin verifies; the core
(uidp.services.ca_login / ca_binding) owns challenges, bindings and sessions.
Trusted roots come from ``UIDP_CA_TRUST_DIR`` (every ``*.pem`` / ``*.crt`` file there, bundles allowed) and
revocation lists from ``UIDP_CA_CRL_FILES`` (comma list, PEM or DER). Both are read on each verification, so
a refreshed CRL takes effect without a restart.

``authenticate`` params: ``certificate`` (PEM, DER base64), ``chain`` (a JSON list of the same), ``challenge``,
``signature`` (base64), ``at`` (ISO-8601 clock time of the check). The assertion's subject is the certificate's
SHA-256 fingerprint; claims carry ``subject_dn``, ``serial``, ``not_after`` and, if present, ``credit_code``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from plugins.ca.verify import CertificateVerifier, load_crl, load_pem_certificates
from uidp.domain.errors import DomainError, ErrorCode
from uidp.hookspecs import hookimpl
from uidp.ports import Assertion, LoginFailure, LoginPorts

TRUST_DIR = "UIDP_CA_TRUST_DIR"
CRL_FILES = "UIDP_CA_CRL_FILES"
MAX_CHAIN_ITEMS = 8

__all__ = ["CertificateLogin", "CertificateVerifier", "verifier_from_env"]


def verifier_from_env(
    environ: Mapping[str, str] | None = None, default_trust_dir: Path | None = None
) -> CertificateVerifier:
    """Roots and CRLs as the environment names them; no roots -> VERIFIER_UNAVAILABLE."""
    env = os.environ if environ is None else environ
    folder = env.get(TRUST_DIR, "").strip() or (str(default_trust_dir) if default_trust_dir else "")
    roots = []
    if folder and Path(folder).is_dir():
        for path in sorted(Path(folder).iterdir()):
            if path.suffix.lower() in (".pem", ".crt") and path.is_file():
                roots += load_pem_certificates(path.read_bytes())
    if not roots:
        raise DomainError(ErrorCode.VERIFIER_UNAVAILABLE, "数字证书服务暂不可用，请稍后再试")
    crls = [load_crl(Path(name.strip()).read_bytes()) for name in env.get(CRL_FILES, "").split(",") if name.strip()]
    return CertificateVerifier(roots, crls)


class CertificateLogin:
    """The ``ca`` login method: proves who holds a trusted, bound-able certificate's private key."""

    id = "ca"
    label = "数字证书登录"
    sandbox = False

    def __init__(self, verifier: CertificateVerifier | None = None, default_trust_dir: Path | None = None) -> None:
        self._verifier = verifier  # tests pass one; otherwise the environment is read on each call
        self._default_trust_dir = default_trust_dir  # dev profile: DATA_DIR/ca/roots, where demo-cert writes

    async def authenticate(self, params: Mapping[str, str], ports: LoginPorts | None = None) -> Assertion:
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
        verifier = self._verifier or verifier_from_env(default_trust_dir=self._default_trust_dir)
        leaf, verified = verifier.verify(certificate, chain, at)
        verifier.verify_possession(leaf, challenge, signature)
        claims = {
            "subject_dn": verified.subject_dn,
            "serial": verified.serial,
            "not_after": verified.not_after.isoformat(),
        }
        if verified.credit_code:
            claims["credit_code"] = verified.credit_code
        return Assertion(provider=self.id, subject=verified.fingerprint, subject_kind="certificate", claims=claims)


@hookimpl
def register_login_methods(register, settings) -> None:
    # On the dev profile `uidp ca demo-cert` writes a demo root to DATA_DIR/ca/roots, trusted without setup.
    register(CertificateLogin(default_trust_dir=None if settings.is_production else settings.data_dir / "ca" / "roots"))
