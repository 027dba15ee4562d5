"""A scan channel's settings block: its partner, key, callback path and QR address, from ``UIDP_<CHANNEL>_*``.

``<CHANNEL>`` is the channel's id in capitals (EHUIBAN, ESSCARD, ELICENSE):

UIDP_<C>_PARTNER_ID        the partner's id in its callbacks (``partner_id``)
UIDP_<C>_SIGN_ALGORITHM    RSA (SHA256withRSA, default) or SM2 (SM2 with SM3)
UIDP_<C>_PUBLIC_KEY        RSA: a PEM public key; SM2: the point in hex (x || y, optionally 04-prefixed)
UIDP_<C>_PUBLIC_KEY_FILE   or a file holding it
UIDP_<C>_SM2_USER_ID       the SM2 signer id (default 1234567812345678)
UIDP_<C>_CALLBACK_PATH     the callback route (default /plugins/<c>/callback; must stay under /plugins/<c>/)
UIDP_<C>_QR_URL            where the QR points the partner's app; the ticket is appended as ``ticket=``
UIDP_<C>_CALLBACK_WINDOW   seconds a callback's timestamp may differ from our clock (default 300, 30-900)

Without a public key the dev profile trusts the channel's sandbox partner (``uidp.sandbox_partners``) and the
method registers as a sandbox part; production registers no method for an unconfigured channel.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from uidp.config import ConfigError, Settings
from uidp.sandbox_partners import SandboxKeys
from uidp.security.partner_callbacks import DEFAULT_WINDOW_SECONDS, PartnerKey, SignAlgorithm


@dataclass(frozen=True)
class PartnerSettings:
    """What a scan plugin needs to start tickets and verify its partner's callbacks."""

    channel: str
    partners: Mapping[str, PartnerKey]
    callback_path: str
    qr_url: str
    window_seconds: int = DEFAULT_WINDOW_SECONDS
    sandbox: bool = False

    def sandbox_algorithm(self) -> SignAlgorithm:
        """The algorithm the sandbox partner signs with (for ``uidp sandbox scan``)."""
        if not isinstance(self.partners, SandboxKeys):
            raise ValueError(f"{self.channel} trusts a configured partner, not the sandbox")
        return self.partners.algorithm

    def qr_payload(self, ticket_id: str) -> str:
        """The QR code's text: the partner's address with ``ticket=<id>``."""
        joiner = "&" if "?" in self.qr_url else "?"
        return f"{self.qr_url}{joiner}ticket={ticket_id}"

    @classmethod
    def from_env(
        cls, channel: str, settings: Settings, *, default_qr_url: str, environ: Mapping[str, str] | None = None
    ) -> PartnerSettings | None:
        """The channel's settings, or None in production when no key is configured. A wrong value raises
        ConfigError with one line (the app does not start)."""
        env = os.environ if environ is None else environ
        prefix = f"UIDP_{channel.upper()}_"

        def get(name: str, default: str = "") -> str:
            return env.get(prefix + name, default).strip() or default

        path = get("CALLBACK_PATH", f"/plugins/{channel}/callback")
        if not path.startswith(f"/plugins/{channel}/") or "?" in path or ".." in path:
            raise ConfigError(f"{prefix}CALLBACK_PATH must be a path under /plugins/{channel}/")
        qr_url = get("QR_URL", default_qr_url)
        if urlsplit(qr_url).scheme not in ("https", "http") or not urlsplit(qr_url).hostname:
            raise ConfigError(f"{prefix}QR_URL must be an http(s) URL")
        try:
            window = int(get("CALLBACK_WINDOW", str(DEFAULT_WINDOW_SECONDS)))
        except ValueError:
            raise ConfigError(f"{prefix}CALLBACK_WINDOW must be a whole number of seconds") from None
        if not 30 <= window <= 900:
            raise ConfigError(f"{prefix}CALLBACK_WINDOW must be between 30 and 900 seconds")
        try:
            algorithm = SignAlgorithm(get("SIGN_ALGORITHM", "RSA").upper())
        except ValueError:
            raise ConfigError(f"{prefix}SIGN_ALGORITHM must be RSA or SM2") from None
        public_key = get("PUBLIC_KEY")
        if not public_key and get("PUBLIC_KEY_FILE"):
            try:
                public_key = Path(get("PUBLIC_KEY_FILE")).read_text().strip()
            except OSError as error:
                raise ConfigError(f"{prefix}PUBLIC_KEY_FILE cannot be read: {error.strerror}") from None
        common = {"channel": channel, "callback_path": path, "qr_url": qr_url, "window_seconds": window}
        if not public_key:
            if settings.is_production:
                return None
            return cls(partners=SandboxKeys(settings.data_dir, channel, algorithm), sandbox=True, **common)
        partner_id = get("PARTNER_ID")
        if not partner_id:
            raise ConfigError(f"{prefix}PARTNER_ID is required with {prefix}PUBLIC_KEY")
        try:
            key = PartnerKey.load(partner_id, algorithm, public_key, get("SM2_USER_ID"))
        except ValueError as error:
            raise ConfigError(f"{prefix}PUBLIC_KEY: {error}") from None
        return cls(partners={key.partner_id: key}, **common)
