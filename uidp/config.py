"""Settings from ``UIDP_*`` environment variables, with the profiles "dev" (default) and "production".

Every setting is listed in ``SETTINGS`` with its variable, default and meaning; the README's table is
generated from it (``uidp settings --markdown``), so the two cannot drift apart.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, time
from pathlib import Path
from typing import Any

from uidp.config_oidc import OidcSettings
from uidp.config_ops import OperationsSettings
from uidp.config_values import ConfigError as ConfigError
from uidp.config_values import b64 as _b64
from uidp.config_values import doc as _doc
from uidp.config_values import new_key as _new_key
from uidp.config_values import parse_value as _parse
from uidp.domain.working_days import WorkCalendar, parse_dates

POLICY_OID = re.compile(r"[0-2](\.\d+)+")


@dataclass(frozen=True)
class SettingDoc:
    name: str
    env: str
    default: str
    meaning: str


@dataclass
class Settings(OperationsSettings, OidcSettings):
    """Resolved settings. Build with ``Settings.from_env()``; tests may pass overrides."""

    profile: str = field(default="dev", metadata=_doc("dev", "`dev` or `production`"))
    data_dir: Path = field(
        default=Path("data"),
        metadata=_doc("./data", "folder for the SQLite file, dev keys, the sandbox SMS outbox and dev captcha answers"),
    )
    database_url: str = field(
        default="", metadata=_doc("sqlite://DATA_DIR/uidp.sqlite3", "Tortoise URL (sqlite:// or postgres://)")
    )
    db_pool_max: int = field(default=20, metadata=_doc("20", "PostgreSQL pool size per worker"))
    store_url: str = field(
        default="memory://", metadata=_doc("memory://", "ephemeral store: memory:// or redis://host:port/db")
    )
    store_prefix: str = field(default="uidp:", metadata=_doc("uidp:", "key prefix in the store"))
    pii_keys: str = field(
        default="",
        metadata=_doc("generated in dev", "comma list of KEYID:BASE64KEY for PII encryption; the first is active"),
    )
    pii_algorithm: str = field(default="aes-256-gcm", metadata=_doc("aes-256-gcm", "`aes-256-gcm` or `sm4-gcm`"))
    blind_index_key: str = field(
        default="", metadata=_doc("generated in dev", "base64 key (>= 32 bytes) for blind indexes")
    )
    password_pepper: str = field(
        default="", metadata=_doc("generated in dev", "base64 pepper (>= 32 bytes) for password pre-hash")
    )
    password_pepper_old: str = field(
        default="",
        metadata=_doc(
            "", "the previous pepper while passwords move to UIDP_PASSWORD_PEPPER (`uidp keys rotate-pepper`)"
        ),
    )
    password_pepper_rotated_at: str = field(
        default="", metadata=_doc("", "when the workers took the new pepper (ISO time; with UIDP_PASSWORD_PEPPER_OLD)")
    )
    secret_key: str = field(
        default="",
        metadata=_doc("generated in dev", "base64 key (>= 32 bytes) for one-time value digests"),
    )
    bcrypt_rounds: int = field(default=12, metadata=_doc("12", "bcrypt cost (production needs >= 12)"))
    hash_threads: int = field(
        default=0,
        metadata=_doc("0 (cores / workers)", "threads per worker that may hash passwords at once"),
    )
    plugins: str = field(default="", metadata=_doc("", "extra plugins by dotted module name, comma list"))
    disabled_plugins: str = field(default="", metadata=_doc("", "plugin names to leave out, comma list"))
    allow_sandbox: bool = field(default=False, metadata=_doc("false", "production only: allow sandbox plugins anyway"))
    graphql_ide: bool | None = field(
        default=None, metadata=_doc("on in dev, off in production", "serve GraphiQL at /graphql")
    )
    introspection: bool | None = field(
        default=None, metadata=_doc("on in dev, off in production", "allow schema introspection")
    )
    session_idle_minutes: int = field(default=30, metadata=_doc("30", "session idle timeout"))
    session_absolute_hours: int = field(default=12, metadata=_doc("12", "session absolute lifetime"))
    staff_session_idle_minutes: int = field(
        default=15, metadata=_doc("15", "staff session idle timeout (shorter than a person's)")
    )
    staff_session_absolute_hours: int = field(
        default=8, metadata=_doc("8", "staff session absolute lifetime (one working day)")
    )
    staff_totp_max_tries: int = field(
        default=5, metadata=_doc("5", "staff TOTP codes checked per account in the login window; more are refused")
    )
    staff_setup_code_hours: int = field(
        default=72, metadata=_doc("72", "lifetime of a staff member's single-use enrolment setup code")
    )
    staff_enrolment_max_tries: int = field(
        default=5, metadata=_doc("5", "wrong setup codes or enrolment proofs per account before a new code is needed")
    )
    cookie_secure: bool | None = field(
        default=None, metadata=_doc("off in dev, on in production", "Secure flag on the session cookie")
    )
    registration_window: str = field(
        default="08:00-18:00",
        metadata=_doc("08:00-18:00", "Asia/Shanghai hours in which out-of-province residents register"),
    )
    home_province: str = field(
        default="42", metadata=_doc("42", "province code (first two ID digits) exempt from the window")
    )
    captcha_ttl_seconds: int = field(default=120, metadata=_doc("120", "image captcha lifetime"))
    sms_code_ttl_seconds: int = field(default=300, metadata=_doc("300", "SMS code lifetime"))
    sms_max_attempts: int = field(
        default=5, metadata=_doc("5", "wrong tries before an SMS code dies (each counted before its check)")
    )
    sms_resend_seconds: int = field(default=60, metadata=_doc("60", "minimum interval between codes"))
    sms_daily_per_phone: int = field(default=10, metadata=_doc("10", "codes per phone per day"))
    sms_daily_per_client: int = field(default=50, metadata=_doc("50", "codes per client address per day"))
    login_captcha_after: int = field(
        default=3,
        metadata=_doc("3", "failed logins per account and per typed identifier in the window before a captcha"),
    )
    login_lock_after: int = field(
        default=5, metadata=_doc("5", "failed logins per account in the window that lock it; later ones go unchecked")
    )
    login_window_seconds: int = field(default=900, metadata=_doc("900", "window for counting failures"))
    login_lock_seconds: int = field(default=900, metadata=_doc("900", "how long a lock lasts"))
    login_starts_per_hour: int = field(default=120, metadata=_doc("120", "partner login starts per address an hour"))
    binding_ticket_seconds: int = field(default=300, metadata=_doc("300", "life of a BindingRequired ticket"))
    client_failure_limit: int = field(
        default=50,
        metadata=_doc("50", "failed logins per client address (IPv6: per /64) in the window before a captcha"),
    )
    anonymous_mutations_per_hour: int = field(
        default=600,
        metadata=_doc("600", "root mutation fields (each alias one) per client address an hour without a session"),
    )
    review_due_working_days: int = field(
        default=1, metadata=_doc("1", "working days staff have to decide a review case (A1)")
    )
    holidays: str = field(
        default="",
        metadata=_doc("", "public holidays, e.g. 2026-10-01..2026-10-07,2027-01-01 (Asia/Shanghai dates)"),
    )
    extra_workdays: str = field(
        default="", metadata=_doc("", "make-up working days (调休) on weekends, same format as holidays")
    )
    ca_trust_dir: str = field(
        default="",
        metadata=_doc("dev: DATA_DIR/ca/roots", "folder of trusted CA roots (`*.pem` / `*.crt`, bundles allowed)"),
    )
    ca_crl_files: str = field(
        default="",
        metadata=_doc("", "CRL files (PEM or DER), comma list, read at each check (a refreshed file needs no restart)"),
    )
    ca_require_revocation: bool | None = field(
        default=None,
        metadata=_doc(
            "off in dev, always on in production",
            "refuse CA login and binding unless every issuer on the path has a current CRL (signed, before nextUpdate)",
        ),
    )
    ca_policy_oids: str = field(
        default="",
        metadata=_doc("", "certificate policy OIDs that admit a CA certificate without extendedKeyUsage, comma list"),
    )
    ca_challenges_per_hour: int = field(
        default=120,
        metadata=_doc("120", "CA challenges (one signature check each) an hour per address (login) or account (bind)"),
    )
    upload_max_bytes: int = field(default=5 * 1024 * 1024, metadata=_doc("5242880", "largest upload"))
    upload_ttl_seconds: int = field(
        default=86400, metadata=_doc("86400", "unclaimed uploads are refused and deleted after this long")
    )
    upload_sweep_seconds: int = field(
        default=600,
        metadata=_doc("600", "how often each worker deletes expired unclaimed uploads (0: only `uidp sweep-uploads`)"),
    )
    grant_reminder_hours: int = field(
        default=72, metadata=_doc("72", "hours before its end a grant's holder is sent an SMS reminder (the sweep)")
    )
    uploads_per_client_hour: int = field(
        default=60, metadata=_doc("60", "anonymous uploads per client address per hour")
    )
    max_body_bytes: int = field(default=12 * 1024 * 1024, metadata=_doc("12582912", "largest HTTP request body"))
    max_query_depth: int = field(default=10, metadata=_doc("10", "GraphQL depth limit"))
    max_aliases: int = field(default=15, metadata=_doc("15", "GraphQL alias limit per document"))
    max_tokens: int = field(default=2000, metadata=_doc("2000", "GraphQL token limit per document"))
    allowed_origins: str = field(
        default="",
        metadata=_doc(
            "dev: http://127.0.0.1:8000,http://localhost:8000",
            "browser origins (scheme://host[:port], comma list) that may open the GraphQL WebSocket",
        ),
    )
    trusted_proxies: str = field(
        default="", metadata=_doc("", "proxy addresses whose X-Forwarded-For is believed, comma list")
    )
    dev_peek: bool | None = field(
        default=None,
        metadata=_doc("on in dev, off in production", "record captcha answers for staff and the CLI"),
    )

    # ---- derived -------------------------------------------------------------------------------

    @property
    def is_production(self) -> bool:
        return self.profile == "production"

    @property
    def window(self) -> tuple[time, time]:
        opens, closes = self.registration_window.split("-")
        return time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir / 'uidp.sqlite3'}"

    def _on_in_dev(self, value: bool | None) -> bool:
        return (not self.is_production) if value is None else value

    @property
    def ide_enabled(self) -> bool:
        return self._on_in_dev(self.graphql_ide)

    @property
    def introspection_enabled(self) -> bool:
        return self._on_in_dev(self.introspection)

    @property
    def dev_peek_enabled(self) -> bool:
        return self._on_in_dev(self.dev_peek)

    @property
    def revocation_required(self) -> bool:
        return self.is_production or bool(self.ca_require_revocation)

    @property
    def secure_cookie(self) -> bool:
        return self.is_production if self.cookie_secure is None else self.cookie_secure

    @property
    def websocket_origins(self) -> list[str]:
        """UIDP_ALLOWED_ORIGINS; on dev, when unset, the address `uidp serve` listens on by default."""
        if self.allowed_origins or self.is_production:
            return self.list_of(self.allowed_origins)
        return ["http://127.0.0.1:8000", "http://localhost:8000"]

    def list_of(self, value: str) -> list[str]:
        return [item.strip() for item in value.split(",") if item.strip()]

    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar.of(parse_dates(self.holidays), parse_dates(self.extra_workdays))

    def pii_key_map(self) -> tuple[dict[str, bytes], str]:
        keys: dict[str, bytes] = {}
        for item in self.list_of(self.pii_keys):
            key_id, _, encoded = item.partition(":")
            keys[key_id] = _b64(encoded, "UIDP_PII_KEYS")
        if not keys:
            raise ConfigError("UIDP_PII_KEYS is empty: set KEYID:BASE64KEY")
        return keys, next(iter(keys))

    def pepper_rotation(self) -> tuple[bytes, datetime] | None:
        """The old pepper and the moment the new one took over, during a pepper rotation; else None."""
        if not self.password_pepper_old:
            return None
        old = self.key_bytes("password_pepper_old")
        if old == self.key_bytes("password_pepper"):
            raise ConfigError("UIDP_PASSWORD_PEPPER_OLD must differ from UIDP_PASSWORD_PEPPER")
        try:
            since = datetime.fromisoformat(self.password_pepper_rotated_at)
        except ValueError as exc:
            raise ConfigError("UIDP_PASSWORD_PEPPER_ROTATED_AT must be a time like 2026-12-02T05:00:00+08:00") from exc
        if since.tzinfo is None:
            raise ConfigError("UIDP_PASSWORD_PEPPER_ROTATED_AT needs its time zone (e.g. +08:00)")
        return old, since

    def key_bytes(self, name: str) -> bytes:
        value = _b64(getattr(self, name), f"UIDP_{name.upper()}")
        if len(value) < 32:
            raise ConfigError(f"UIDP_{name.upper()} must decode to at least 32 bytes")
        return value

    # ---- construction -------------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``UIDP_*`` variables, apply overrides, fill dev keys, and check the profile."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"UIDP_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _parse(f.type, raw, f.name)
        values.update(overrides)
        settings = cls(**values)
        settings.data_dir = Path(settings.data_dir)
        settings.prepare()
        return settings

    def prepare(self) -> None:
        if self.profile not in ("dev", "production"):
            raise ConfigError(f"UIDP_PROFILE must be dev or production, not {self.profile!r}")
        if not self.is_production:
            self._fill_dev_keys()
        self.check()

    def _fill_dev_keys(self) -> None:
        """Generate keys once and keep them in the data folder, so dev data stays readable."""
        path = self.data_dir / "dev-keys.json"
        stored: dict[str, str] = {}
        if path.exists():
            stored = json.loads(path.read_text())
        wanted = {
            "pii_keys": lambda: "dev1:" + _new_key(32 if self.pii_algorithm == "aes-256-gcm" else 16),
            "blind_index_key": lambda: _new_key(32),
            "password_pepper": lambda: _new_key(32),
            "secret_key": lambda: _new_key(32),
        }
        changed = False
        for name, make in wanted.items():
            if getattr(self, name):
                continue
            if name not in stored:
                stored[name] = make()
                changed = True
            setattr(self, name, stored[name])
        if changed:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others
            with os.fdopen(descriptor, "w") as handle:
                handle.write(json.dumps(stored, indent=2))

    def check(self) -> None:
        """Refuse settings that cannot run safely; one line each."""
        for name in ("pii_keys", "blind_index_key", "password_pepper", "secret_key"):
            if not getattr(self, name):
                raise ConfigError(f"UIDP_{name.upper()} is required in the {self.profile} profile")
        self.pii_key_map()
        for name in ("blind_index_key", "password_pepper", "secret_key"):
            self.key_bytes(name)
        self.pepper_rotation()
        if self.ca_challenges_per_hour < 1:
            raise ConfigError("UIDP_CA_CHALLENGES_PER_HOUR must be at least 1")
        if not all(POLICY_OID.fullmatch(item) for item in self.list_of(self.ca_policy_oids)):
            raise ConfigError("UIDP_CA_POLICY_OIDS must be dotted OIDs such as 1.2.156.112562.2.1.1.1")
        self.check_operations()
        self.check_oidc(self.is_production)
        if self.pii_algorithm not in ("aes-256-gcm", "sm4-gcm"):
            raise ConfigError("UIDP_PII_ALGORITHM must be aes-256-gcm or sm4-gcm")
        for origin in self.list_of(self.allowed_origins):
            if not re.fullmatch(r"https?://[^/\s*]+", origin):
                raise ConfigError(
                    f"UIDP_ALLOWED_ORIGINS takes origins like https://portal.example.gov.cn, not {origin!r}"
                )
        try:
            self.window  # noqa: B018 - parsing is the check
        except ValueError as exc:
            raise ConfigError("UIDP_REGISTRATION_WINDOW must look like 08:00-18:00") from exc
        try:
            self.work_calendar()
        except ValueError as exc:
            raise ConfigError(
                "UIDP_HOLIDAYS and UIDP_EXTRA_WORKDAYS must be dates like 2026-10-01 or ranges a..b"
            ) from exc
        if not self.is_production:
            return
        shared = len({self.key_bytes(name) for name in ("password_pepper", "blind_index_key", "secret_key")}) < 3
        for refused, message in (
            (self.ide_enabled, "UIDP_GRAPHQL_IDE must be off in production"),
            (self.introspection_enabled, "UIDP_INTROSPECTION must be off in production"),
            (self.dev_peek_enabled, "UIDP_DEV_PEEK must be off in production"),
            (self.bcrypt_rounds < 12, "UIDP_BCRYPT_ROUNDS must be at least 12 in production"),
            (not self.database_url, "UIDP_DATABASE_URL is required in production"),
            (not self.secure_cookie, "UIDP_COOKIE_SECURE must be on in production (the session cookie is __Host-)"),
            (shared, "UIDP_PASSWORD_PEPPER, UIDP_BLIND_INDEX_KEY and UIDP_SECRET_KEY must be three different keys"),
            (self.ca_require_revocation is False, "UIDP_CA_REQUIRE_REVOCATION cannot be off in production"),
        ):
            if refused:
                raise ConfigError(message)


def settings_docs() -> list[SettingDoc]:
    """Every setting with its variable, default and meaning (for the README and `uidp settings`)."""
    inherited = [f for part in (OperationsSettings, OidcSettings) for f in fields(part)]  # after the core's
    ordered = [f for f in fields(Settings) if f.name not in {i.name for i in inherited}] + inherited
    return [
        SettingDoc(f.name, f"UIDP_{f.name.upper()}", f.metadata["default_doc"], f.metadata["meaning"]) for f in ordered
    ]
