"""Settings of the Alipay login plugin, from its own ``UIDP_ALIPAY_*`` environment variables.

UIDP_ALIPAY_APP_ID            the app's id at Alipay (digits)
UIDP_ALIPAY_KEY_MODE          ``public_key`` (default) or ``certificate``
UIDP_ALIPAY_PRIVATE_KEY_FILE  the app's RSA private key: PEM (PKCS#1 or PKCS#8) or the key tool's bare base64
UIDP_ALIPAY_PUBLIC_KEY_FILE   public-key mode: Alipay's public key (PEM or bare base64)
UIDP_ALIPAY_APP_CERT_FILE     certificate mode: the app's public-key certificate (appCertPublicKey_*.crt)
UIDP_ALIPAY_CERT_FILE         certificate mode: Alipay's public-key certificate(s) and their intermediates
UIDP_ALIPAY_ROOT_CERT_FILE    certificate mode: Alipay's root certificates (alipayRootCert.crt)
UIDP_ALIPAY_REDIRECT_URI      our callback, registered at Alipay: https://<host>/plugins/alipay/callback
UIDP_ALIPAY_RETURN_URL        the login page the callback sends the browser back to (default: our own page)
UIDP_ALIPAY_GATEWAY_URL       default https://openapi.alipay.com/gateway.do
UIDP_ALIPAY_AUTHORIZE_URL     default https://openauth.alipay.com/oauth2/publicAppAuthorize.htm
UIDP_ALIPAY_SUBJECT           ``open_id`` (default; newer apps get only this) or ``user_id`` (older apps)
UIDP_ALIPAY_TIMEOUT           seconds per gateway call (default 10)
UIDP_ALIPAY_SANDBOX           ``on``: the built-in sandbox gateway and login page (plugins.alipay.sandbox)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from plugins.alipay.keys import (
    KeyMaterialError,
    cert_sn,
    chains_to_root,
    is_ca,
    load_certificates,
    load_private_key,
    load_public_key,
    root_cert_sn,
    rsa_key_of,
)
from uidp.plugin_api import ConfigError, Settings

GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
AUTHORIZE_URL = "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm"
CALLBACK_PATH = "/plugins/alipay/callback"
RETURN_PATH = "/plugins/alipay/return"
QR_PATH = "/plugins/alipay/qr.svg"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
KEY_MODES = ("public_key", "certificate")
SUBJECTS = ("open_id", "user_id")


@dataclass(frozen=True)
class GatewayKeys:
    """What checks the gateway's answers: Alipay's public key, or its certificates by SN (certificate mode)."""

    public_key: rsa.RSAPublicKey | None = None
    certificates: Mapping[str, x509.Certificate] = field(default_factory=dict)  # alipay_cert_sn -> certificate
    intermediates: tuple[x509.Certificate, ...] = ()
    roots: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    private_key: rsa.RSAPrivateKey
    gateway_keys: GatewayKeys
    redirect_uri: str
    key_mode: str = "public_key"
    app_cert_sn: str | None = None
    alipay_root_cert_sn: str | None = None
    gateway_url: str = GATEWAY_URL
    authorize_url: str = AUTHORIZE_URL
    return_url: str = RETURN_PATH
    subject: str = "open_id"
    timeout: float = 10.0
    sandbox: bool = False

    @classmethod
    def from_env(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> AlipayConfig:
        """Read and check the variables; a one-line ConfigError says what is wrong (the app does not start)."""
        env = os.environ if environ is None else environ
        app_id = env.get("UIDP_ALIPAY_APP_ID", "").strip()
        if not re.fullmatch(r"[0-9]{8,32}", app_id):
            raise ConfigError("UIDP_ALIPAY_APP_ID must be the app's id at Alipay (8-32 digits)")
        mode = env.get("UIDP_ALIPAY_KEY_MODE", "public_key").strip() or "public_key"
        if mode not in KEY_MODES:
            raise ConfigError("UIDP_ALIPAY_KEY_MODE must be public_key or certificate")
        subject = env.get("UIDP_ALIPAY_SUBJECT", "open_id").strip() or "open_id"
        if subject not in SUBJECTS:
            raise ConfigError("UIDP_ALIPAY_SUBJECT must be open_id or user_id")
        try:
            private_key = load_private_key(_read(env, "UIDP_ALIPAY_PRIVATE_KEY_FILE"))
            app_sn: str | None = None
            root_sn: str | None = None
            if mode == "public_key":
                keys = GatewayKeys(public_key=load_public_key(_read(env, "UIDP_ALIPAY_PUBLIC_KEY_FILE")))
            else:
                keys, app_sn, root_sn = _certificate_mode(env, private_key)
        except KeyMaterialError as error:
            raise ConfigError(f"plugins.alipay: {error}") from None
        timeout = _timeout(env.get("UIDP_ALIPAY_TIMEOUT", "10"))
        return cls(
            app_id=app_id,
            private_key=private_key,
            gateway_keys=keys,
            key_mode=mode,
            redirect_uri=_url(env, "UIDP_ALIPAY_REDIRECT_URI", None, settings),
            gateway_url=_url(env, "UIDP_ALIPAY_GATEWAY_URL", GATEWAY_URL, settings),
            authorize_url=_url(env, "UIDP_ALIPAY_AUTHORIZE_URL", AUTHORIZE_URL, settings),
            return_url=return_url(env, settings),
            subject=subject,
            timeout=timeout,
            app_cert_sn=app_sn,
            alipay_root_cert_sn=root_sn,
        )


def _certificate_mode(env: Mapping[str, str], private_key: rsa.RSAPrivateKey) -> tuple[GatewayKeys, str, str]:
    app_cert = load_certificates(_read(env, "UIDP_ALIPAY_APP_CERT_FILE"))[0]
    if rsa_key_of(app_cert).public_numbers() != private_key.public_key().public_numbers():
        raise KeyMaterialError("UIDP_ALIPAY_APP_CERT_FILE does not certify UIDP_ALIPAY_PRIVATE_KEY_FILE's key")
    roots = load_certificates(_read(env, "UIDP_ALIPAY_ROOT_CERT_FILE"))
    certs = load_certificates(_read(env, "UIDP_ALIPAY_CERT_FILE"))
    leaves = {cert_sn(cert): cert for cert in certs if not is_ca(cert)}
    if not leaves:
        raise KeyMaterialError("UIDP_ALIPAY_CERT_FILE holds no Alipay public-key certificate")
    intermediates = tuple(c for c in certs if is_ca(c))
    for cert in leaves.values():
        rsa_key_of(cert)
        if not chains_to_root(cert, intermediates, roots, datetime.now(UTC)):
            raise KeyMaterialError("UIDP_ALIPAY_CERT_FILE holds a certificate that does not chain to the root file")
    keys = GatewayKeys(certificates=leaves, intermediates=intermediates, roots=tuple(roots))
    return keys, cert_sn(app_cert), root_cert_sn(roots)


def _read(env: Mapping[str, str], name: str) -> bytes:
    path = env.get(name, "").strip()
    if not path:
        raise KeyMaterialError(f"{name} is required")
    try:
        return Path(path).read_bytes()
    except OSError:
        raise KeyMaterialError(f"{name} cannot be read") from None


def _url(env: Mapping[str, str], name: str, default: str | None, settings: Settings) -> str:
    url = env.get(name, "").strip() or default
    if not url:
        raise ConfigError(f"plugins.alipay needs {name}")
    parts = urlsplit(url)
    local_dev = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and not settings.is_production
    if not parts.hostname or (parts.scheme != "https" and not local_dev) or parts.fragment:
        raise ConfigError(f"{name} must be an https:// URL")
    return url


def return_url(env: Mapping[str, str], settings: Settings) -> str:
    """UIDP_ALIPAY_RETURN_URL checked (a path on this site, or an https:// URL), or the plugin's own page."""
    url = env.get("UIDP_ALIPAY_RETURN_URL", "").strip() or RETURN_PATH
    if url.startswith("/") and not url.startswith("//"):
        return url
    parts = urlsplit(url)
    local_dev = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and not settings.is_production
    if not parts.hostname or (parts.scheme != "https" and not local_dev) or parts.fragment:
        raise ConfigError("UIDP_ALIPAY_RETURN_URL must be a path on this site or an https:// URL")
    return url


def _timeout(raw: str) -> float:
    try:
        timeout = float(raw or "10")
    except ValueError:
        raise ConfigError("UIDP_ALIPAY_TIMEOUT must be a number of seconds") from None
    if not 0 < timeout <= 60:
        raise ConfigError("UIDP_ALIPAY_TIMEOUT must be between 0 and 60 seconds")
    return timeout
