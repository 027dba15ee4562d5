"""Configuration of the HTTP bank-card verifier, from its own environment variables.

UIDP_BANKCARD_HTTP_URL      provider base URL, https:// (http:// only to localhost on the dev profile)
UIDP_BANKCARD_HTTP_KEY      base64 shared HMAC key, at least 32 bytes
UIDP_BANKCARD_HTTP_CLIENT   our client id at the provider (default "uidp")
UIDP_BANKCARD_HTTP_TIMEOUT  seconds per request (default 10)
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from uidp.plugin_api import ConfigError, Settings

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class HttpProviderConfig:
    base_url: str
    key: bytes
    client_id: str = "uidp"
    timeout: float = 10.0

    @classmethod
    def from_env(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> HttpProviderConfig:
        """Read and check the variables; a one-line ConfigError says what is wrong (the app does not start)."""
        env = os.environ if environ is None else environ
        url = env.get("UIDP_BANKCARD_HTTP_URL", "").strip().rstrip("/")
        if not url:
            raise ConfigError("plugins.bankcard_http needs UIDP_BANKCARD_HTTP_URL")
        parts = urlsplit(url)
        local_dev = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and not settings.is_production
        if not parts.hostname or (parts.scheme != "https" and not local_dev):
            raise ConfigError("UIDP_BANKCARD_HTTP_URL must be an https:// URL")
        try:
            key = base64.b64decode(env.get("UIDP_BANKCARD_HTTP_KEY", "").encode(), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError("UIDP_BANKCARD_HTTP_KEY is not valid base64") from None
        if len(key) < 32:
            raise ConfigError("UIDP_BANKCARD_HTTP_KEY must decode to at least 32 bytes")
        try:
            timeout = float(env.get("UIDP_BANKCARD_HTTP_TIMEOUT", "10") or "10")
        except ValueError:
            raise ConfigError("UIDP_BANKCARD_HTTP_TIMEOUT must be a number of seconds") from None
        if not 0 < timeout <= 120:
            raise ConfigError("UIDP_BANKCARD_HTTP_TIMEOUT must be between 0 and 120 seconds")
        client_id = env.get("UIDP_BANKCARD_HTTP_CLIENT", "uidp").strip() or "uidp"
        return cls(base_url=url, key=key, client_id=client_id, timeout=timeout)
