"""The operations settings (logs, metrics, draining, retention): a part of :class:`uidp.config.Settings`."""

from __future__ import annotations

from dataclasses import dataclass

from uidp.config_values import ConfigError, b64, setting
from uidp.security.tokens import DIGEST_ALGORITHMS

#: The cybersecurity law keeps network logs for at least six months.
MIN_AUDIT_RETENTION_DAYS = 183


@dataclass
class OperationsSettings:
    """Fields and checks :class:`uidp.config.Settings` inherits; see docs/operations.md."""

    log_level: str = setting("info", "`debug`, `info`, `warning` or `error`")
    log_format: str = setting("json", "`json` (one object a line) or `text`")
    metrics_token: str = setting(
        "", "bearer token (>= 32 characters) a scrape of /metrics must send; empty: /metrics is off"
    )
    metrics_bind: str = setting(
        "", "HOST:PORT where `uidp serve` answers scrapes without a token (keep it off the internet)"
    )
    metrics_refresh_seconds: int = setting(30, "review-queue metrics recount (0: off)")
    drain_seconds: float = setting(0, "after SIGTERM, seconds readiness answers 503 before the worker stops accepting")
    shutdown_timeout_seconds: float = setting(
        30, "longest wait for requests in flight at shutdown; later ones are cancelled"
    )
    audit_retention_days: int = setting(1095, "audit events older than this are deleted by the sweep (>= 183)")
    session_retention_days: int = setting(30, "ended sessions and expired enrolment codes are deleted this long after")
    retention_sweep_seconds: int = setting(3600, "how often a worker runs the retention sweep (0: only `uidp sweep`)")
    websockets_per_address: int = setting(20, "GraphQL WebSockets one client address may hold open (0: no limit)")

    blind_index_algorithm: str = setting(
        "hmac-sha256", "blind indexes (lookups, unique columns): or `hmac-sm3` (docs/operations.md)"
    )
    blind_index_key_old: str = setting(
        "", "while blind indexes move to UIDP_BLIND_INDEX_KEY: the key before, still matched"
    )
    blind_index_algorithm_old: str = setting(
        "", "while blind indexes move to UIDP_BLIND_INDEX_ALGORITHM: the one before, still matched"
    )

    digest_algorithm: str = setting(
        "hmac-sha256", "one-time value digests (SMS codes, captchas, setup codes): or `hmac-sm3`"
    )
    digest_algorithm_previous: str = setting(
        "", "while moving to UIDP_DIGEST_ALGORITHM: the one before, still accepted (keep it 72 h)"
    )

    def check_operations(self) -> None:
        """Refuse operations settings that cannot work; one line each."""
        if self.log_level not in ("debug", "info", "warning", "error"):
            raise ConfigError("UIDP_LOG_LEVEL must be debug, info, warning or error")
        if self.log_format not in ("json", "text"):
            raise ConfigError("UIDP_LOG_FORMAT must be json or text")
        if self.websockets_per_address < 0:
            raise ConfigError("UIDP_WEBSOCKETS_PER_ADDRESS must be 0 (no limit) or more")
        if self.metrics_token and len(self.metrics_token) < 32:
            raise ConfigError("UIDP_METRICS_TOKEN must be at least 32 characters")
        if self.metrics_bind and self.metrics_address is None:
            raise ConfigError("UIDP_METRICS_BIND must look like 127.0.0.1:9464")
        for current, before, names in (
            (
                self.digest_algorithm,
                self.digest_algorithm_previous,
                "DIGEST_ALGORITHM and UIDP_DIGEST_ALGORITHM_PREVIOUS",
            ),
            (
                self.blind_index_algorithm,
                self.blind_index_algorithm_old,
                "BLIND_INDEX_ALGORITHM and UIDP_BLIND_INDEX_ALGORITHM_OLD",
            ),
        ):
            if current not in DIGEST_ALGORITHMS or before not in ("", *DIGEST_ALGORITHMS):
                raise ConfigError(f"UIDP_{names} are hmac-sha256 or hmac-sm3")
        self.blind_index_previous(b"\0" * 32)
        if self.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
            raise ConfigError(
                f"UIDP_AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS} (six months of logs, by law)"
            )
        if self.session_retention_days < 1 or self.drain_seconds < 0 or self.shutdown_timeout_seconds <= 0:
            raise ConfigError(
                "UIDP_SESSION_RETENTION_DAYS must be at least 1, UIDP_DRAIN_SECONDS at least 0 and "
                "UIDP_SHUTDOWN_TIMEOUT_SECONDS more than 0"
            )

    def blind_index_previous(self, current_key: bytes) -> tuple[bytes, str] | None:
        """The (key, algorithm) blind indexes are moving away from, or None outside a rotation."""
        if not self.blind_index_key_old and not self.blind_index_algorithm_old:
            return None
        key = current_key
        if self.blind_index_key_old:
            key = b64(self.blind_index_key_old, "UIDP_BLIND_INDEX_KEY_OLD")
            if len(key) < 32:
                raise ConfigError("UIDP_BLIND_INDEX_KEY_OLD must decode to at least 32 bytes")
        return key, self.blind_index_algorithm_old or self.blind_index_algorithm

    @property
    def metrics_address(self) -> tuple[str, int] | None:
        """UIDP_METRICS_BIND as (host, port), or None when unset or malformed."""
        host, _, port = self.metrics_bind.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            return None
        return host.strip("[]"), int(port)
