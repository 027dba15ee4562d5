"""Everything a uidp plugin uses from the core, in one import: ``from uidp.plugin_api import hookimpl, ...``.

Also re-exported from the package itself (``from uidp import hookimpl``). In-tree plugins (``plugins/``) import
core things from here only; docs/plugins.md describes each name.

- Hooks: :data:`hookimpl` marks an implementation; the ``Register*`` types and :class:`CommandLine` are
  what the hooks receive (``uidp.hookspecs`` documents the hooks themselves).
- Kinds: :class:`VerifierKind` (what ``register_verifiers`` registers), :class:`BuiltinLoginMethod`.
- Protocols and values (``uidp.ports``): :class:`LoginMethod` and :class:`StartableLoginMethod` with
  :class:`LoginRequest`, :class:`StartRequest`, :class:`RedirectStart`, :class:`ScanStart` and :class:`Trust`,
  :class:`LoginPorts`, :class:`Assertion` (claim names ``CLAIM_*``), :class:`PasswordSubject`,
  :class:`SmsGateway`, :class:`BankCardVerifier` with :class:`BankCardQuery` and :class:`BankCardResult`,
  :class:`BusinessRegistry` with :class:`RegistryRecord`.
- Events: :class:`Event` and the catalogue :class:`EventType`.
- Errors a plugin may raise: :class:`PluginError` (from a hook: what it registers cannot be used),
  :class:`ConfigError` (from a hook: its settings are wrong; the app does not start), :class:`LoginFailure`
  (a login method's request proves no one), :class:`DomainError` with an :class:`ErrorCode` (a verifier's
  typed refusal that the user sees, e.g. ``CERTIFICATE_REVOKED``).
- Settings: :class:`Settings`.
- Plugin routes: :func:`request_client` gives the caller's :class:`ClientInfo` (address and user agent) the
  way every core route sees it, believing ``X-Forwarded-For`` only from ``UIDP_TRUSTED_PROXIES``;
  :func:`scan_tickets` gives a scan channel's callback the :class:`ScanTicketEngine` (``scanned``,
  ``confirmed``, ``rejected``; each answers a :class:`ScanProgress` with a :class:`ScanStatus`).
- Signed partner callbacks (the scan channels): :class:`PartnerSettings` (a channel's ``UIDP_<CHANNEL>_*``
  block, :meth:`PartnerSettings.from_env`), :func:`signed_callback` (read and verify a callback route's body:
  shape, partner, time window, nonce, signature), :func:`callback_refusal` / :func:`callback_accepted` (the
  partner's answer), :func:`audit_refusal`, :class:`SignedCallback`, :class:`PartnerKey`,
  :class:`SignAlgorithm`, :func:`canonical` (what a partner signs), :mod:`sm2` (SM2 with SM3).
  :class:`ScanLoginMethod` is a scan channel's method and callback route in one (subclass it: ``id``,
  ``label``, ``trust``, ``confirm_fields``, ``assertion``), with :class:`ScanEvent` and the claim checks
  :func:`verified_id_number` (GB 11643) and :func:`verified_credit_code` (GB 32100), and
  :func:`person_assertion` (a verified name and ID number as a person's assertion);
  :func:`scan_channel_hooks` makes its plugin's two hooks.
- Helpers for sandbox plugins: :func:`sandbox_partner` / :class:`SandboxPartner` (a scan channel's sandbox
  signer) and :func:`registered_name` (the name a sandbox partner "verified"), :class:`JsonLinesOutbox`
  and :data:`SANDBOX_SMS_OUTBOX` (the outbox the ``sandboxOutbox`` query reads), and the check characters
  that make test data valid (:func:`luhn_check_digit`, :func:`gb11643_check_char`, :func:`make_credit_code`).
"""

from __future__ import annotations

from uidp.config import ConfigError, Settings
from uidp.domain.bank_cards import luhn_check_digit
from uidp.domain.certificates import gb11643_check_char
from uidp.domain.credit_code import make_credit_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.events import Event, EventType
from uidp.hookspecs import (
    VERIFIER_PROTOCOLS,
    BuiltinLoginMethod,
    CommandLine,
    CommandRun,
    Endpoint,
    PluginError,
    RegisterLoginMethod,
    RegisterRoute,
    RegisterVerifier,
    Verifier,
    VerifierKind,
    hookimpl,
)
from uidp.http.client import request_client
from uidp.http.partner_callbacks import audit_refusal, callback_accepted, callback_refusal, signed_callback
from uidp.http.scan_callbacks import (
    ScanEvent,
    ScanLoginMethod,
    person_assertion,
    scan_channel_hooks,
    verified_credit_code,
    verified_id_number,
)
from uidp.ports import (
    ACTOR_ROLES,
    CLAIM_ACTOR_ID_NUMBER,
    CLAIM_ACTOR_NAME,
    CLAIM_ACTOR_ROLE,
    CLAIM_CREDIT_CODE,
    CLAIM_ID_NUMBER,
    CLAIM_NAME,
    Assertion,
    BankCardQuery,
    BankCardResult,
    BankCardVerifier,
    BusinessRegistry,
    LoginFailure,
    LoginMethod,
    LoginPorts,
    LoginRequest,
    LoginStart,
    PasswordSubject,
    RedirectStart,
    RegistryRecord,
    ScanProgress,
    ScanStart,
    ScanStatus,
    ScanTicketEngine,
    SmsGateway,
    StartableLoginMethod,
    StartRequest,
    Trust,
)
from uidp.sandbox_outbox import SANDBOX_SMS_OUTBOX, JsonLinesOutbox
from uidp.sandbox_partners import SandboxPartner, registered_name, sandbox_partner
from uidp.security import sm2
from uidp.security.partner_callbacks import PartnerKey, SignAlgorithm, SignedCallback, canonical
from uidp.security.partner_config import PartnerSettings
from uidp.services.auth.scan_tickets import scan_tickets
from uidp.services.shared.principal import ClientInfo

__all__ = [
    "ACTOR_ROLES",
    "CLAIM_ACTOR_ID_NUMBER",
    "CLAIM_ACTOR_NAME",
    "CLAIM_ACTOR_ROLE",
    "CLAIM_CREDIT_CODE",
    "CLAIM_ID_NUMBER",
    "CLAIM_NAME",
    "SANDBOX_SMS_OUTBOX",
    "VERIFIER_PROTOCOLS",
    "Assertion",
    "BankCardQuery",
    "BankCardResult",
    "BankCardVerifier",
    "BuiltinLoginMethod",
    "BusinessRegistry",
    "ClientInfo",
    "CommandLine",
    "CommandRun",
    "ConfigError",
    "DomainError",
    "Endpoint",
    "ErrorCode",
    "Event",
    "EventType",
    "JsonLinesOutbox",
    "LoginFailure",
    "LoginMethod",
    "LoginPorts",
    "LoginRequest",
    "LoginStart",
    "PartnerKey",
    "PartnerSettings",
    "PasswordSubject",
    "PluginError",
    "RedirectStart",
    "RegisterLoginMethod",
    "RegisterRoute",
    "RegisterVerifier",
    "RegistryRecord",
    "SandboxPartner",
    "ScanEvent",
    "ScanLoginMethod",
    "ScanProgress",
    "ScanStart",
    "ScanStatus",
    "ScanTicketEngine",
    "Settings",
    "SignAlgorithm",
    "SignedCallback",
    "SmsGateway",
    "StartRequest",
    "StartableLoginMethod",
    "Trust",
    "Verifier",
    "VerifierKind",
    "audit_refusal",
    "callback_accepted",
    "callback_refusal",
    "canonical",
    "gb11643_check_char",
    "hookimpl",
    "luhn_check_digit",
    "make_credit_code",
    "person_assertion",
    "registered_name",
    "request_client",
    "sandbox_partner",
    "scan_channel_hooks",
    "scan_tickets",
    "signed_callback",
    "sm2",
    "verified_credit_code",
    "verified_id_number",
]
