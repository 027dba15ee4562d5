"""Connected systems (C1): the OpenID clients staff register and manage, and the lookup every endpoint makes.

Staff (administrators, graph.permissions) register a system with its profile, exact redirect URIs, keys (fapi2:
a public JWK Set or its https URI) or secret (basic: 256 random bits shown once, only its SHA-256 digest kept),
the scopes and claims it may receive, the lowest identity level it accepts and its logout and event URIs; they
change, disable and enable it and rotate a basic system's secret. Every change is audited. A disabled system is
unknown to the provider (:meth:`OidcClients.by_client_id`), so every token check refuses its tokens at once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import import_key
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain import connected_systems as rules
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.oidc import ClientProfile
from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime
from uidp.security.tokens import new_token, token_digest
from uidp.services.shared.audit import Audit
from uidp.services.shared.pagination import Page, Window, keyset_page
from uidp.services.shared.principal import ClientInfo, Principal

NOT_FOUND = "没有该接入系统"
JWKS_MAX_CHARS = 32 * 1024
MAX_KEYS = 10
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})  # RFC 7518 §6: private or symmetric
KEY_ALGORITHMS = ("ES256", "PS256")
MIN_RSA_BITS = 2048
# What staff may change after registration (the profile and the client id stay; a new profile is a new system).
SETTINGS = (
    "name",
    "redirect_uris",
    "post_logout_redirect_uris",
    "jwks",
    "jwks_uri",
    "scopes",
    "claims",
    "min_level",
    "backchannel_logout_uri",
    "event_uri",
    "event_types",
)


@dataclass(frozen=True)
class Registered:
    """A system and, for a basic one just registered or given a new secret, that secret (shown once)."""

    client: OidcClient
    secret: str | None = None


def public_key_set(raw: str | Mapping[str, Any]) -> dict[str, Any]:
    """A client's JWK Set as it will be trusted: 1-10 EC P-256 or RSA (>= 2048 bits) signing keys, public
    members only (a private member is refused, never stored), each with its kid (the thumbprint when absent)."""
    if isinstance(raw, str):
        if len(raw) > JWKS_MAX_CHARS:
            raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "公钥集过大", "jwks")
        try:
            raw = json.loads(raw)
        except ValueError:
            raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "公钥集须为 JSON（JWK Set）", "jwks") from None
    keys = raw.get("keys") if isinstance(raw, Mapping) else None
    if not isinstance(keys, list) or not 1 <= len(keys) <= MAX_KEYS:
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, f"公钥集须含 1-{MAX_KEYS} 个密钥（keys）", "jwks")
    trusted: list[dict[str, Any]] = []
    for key in keys:
        trusted.append(_public_key(key))
    kids = [key["kid"] for key in trusted]
    if len(set(kids)) != len(kids):
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "公钥集中的密钥标识（kid）重复", "jwks")
    return {"keys": trusted}


def _public_key(key: Any) -> dict[str, Any]:
    if not isinstance(key, Mapping):
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "公钥集中的每个密钥须为 JSON 对象", "jwks")
    if PRIVATE_MEMBERS & set(key):
        raise DomainError(ErrorCode.CLIENT_KEYS_PRIVATE, "公钥集含有私钥成分，请只提交公钥", "jwks")
    kty, crv = key.get("kty"), key.get("crv")
    if not (kty == "EC" and crv == "P-256") and kty != "RSA":
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "仅支持 EC P-256（ES256）或 RSA（PS256）密钥", "jwks")
    if key.get("use", "sig") != "sig" or key.get("alg", KEY_ALGORITHMS[0 if kty == "EC" else 1]) not in (
        ("ES256",) if kty == "EC" else ("PS256",)
    ):
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "密钥须用于签名（use sig，alg ES256 或 PS256）", "jwks")
    try:
        imported = import_key(dict(key))
    except (JoseError, ValueError, TypeError):
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "公钥格式不正确", "jwks") from None
    if kty == "RSA" and imported.raw_value.key_size < MIN_RSA_BITS:  # type: ignore[union-attr]
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, f"RSA 密钥须至少 {MIN_RSA_BITS} 位", "jwks")
    kid = key.get("kid") or imported.thumbprint()
    if not isinstance(kid, str) or not 1 <= len(kid) <= 128:
        raise DomainError(ErrorCode.CLIENT_KEYS_INVALID, "密钥标识（kid）须为 1-128 个字符", "jwks")
    return {**dict(key), "kid": kid}


class OidcClients:
    """Connected systems: the provider's lookup, and registration and management by staff (audited)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)

    async def by_client_id(self, client_id: str | None) -> OidcClient | None:
        """The enabled system with this ``client_id``; None when unknown, malformed or disabled."""
        if not client_id or not rules.CLIENT_ID_RE.fullmatch(client_id):
            return None
        return await OidcClient.get_or_none(client_id=client_id, disabled_at=None)

    async def get(self, client_id: str) -> OidcClient:
        """Staff: a system by client id, disabled ones too; NOT_FOUND otherwise."""
        found = await OidcClient.get_or_none(client_id=client_id) if rules.CLIENT_ID_RE.fullmatch(client_id) else None
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "clientId")
        return found

    async def page(self, window: Window, *, include_disabled: bool = True) -> Page[OidcClient]:
        """Staff: systems newest first (Relay arguments, see ``shared.pagination``)."""
        query = OidcClient.all() if include_disabled else OidcClient.filter(disabled_at=None)
        return await keyset_page(query, window, at="created_at", newest_first=True)

    async def register(
        self,
        actor: Principal,
        client: ClientInfo,
        *,
        profile: str,
        client_id: str | None = None,
        sector_id: str | None = None,
        settings: Mapping[str, Any],
    ) -> Registered:
        """A new system; a basic one gets its secret (returned once). CLIENT_ID_TAKEN for a taken client id."""
        try:
            kind = ClientProfile(profile)
        except ValueError:
            raise DomainError(ErrorCode.INVALID_FORMAT, "接入方式须为 fapi2 或 basic", "profile") from None
        chosen = rules.check_identifier(client_id, "clientId") if client_id else f"uidp-{uuid.uuid4().hex[:20]}"
        sector = rules.check_identifier(sector_id, "sectorId") if sector_id else chosen
        values = self._settled(kind, {name: settings.get(name) for name in SETTINGS})
        secret = new_token() if kind is ClientProfile.BASIC else None
        now = self.rt.clock.now()
        try:
            async with in_transaction():
                row = await OidcClient.create(
                    id=uuid.uuid4(),
                    client_id=chosen,
                    profile=kind.value,
                    sector_id=sector,
                    secret_digest=token_digest(secret) if secret else None,
                    created_by=actor.id if actor.is_staff else None,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
        except IntegrityError:
            raise DomainError(ErrorCode.CLIENT_ID_TAKEN, "该系统标识已被使用", "clientId") from None
        await self.audit.record(
            "oidc.client_registered", actor=actor, client=client, **self._described(row), sector_id=sector
        )
        return Registered(row, secret)

    async def update(
        self, actor: Principal, client: ClientInfo, client_id: str, changes: Mapping[str, Any]
    ) -> OidcClient:
        """Change what staff sent (``changes``: a subset of SETTINGS); the result is checked as a whole."""
        unknown = set(changes) - set(SETTINGS)
        if unknown:
            raise ValueError(f"not a connected-system setting: {sorted(unknown)}")
        async with in_transaction():
            row = await self._locked(client_id)
            current = {name: getattr(row, name) for name in SETTINGS}
            if "scopes" in changes and "claims" not in changes:
                current["claims"] = None  # new scopes, no claims named: every claim of the new scopes
            values = self._settled(ClientProfile(row.profile), {**current, **changes})
            changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
            if changed:
                await OidcClient.filter(id=row.id).update(**values, updated_at=self.rt.clock.now())
        fresh = await OidcClient.get(id=row.id)
        if changed:
            await self.audit.record(
                "oidc.client_updated", actor=actor, client=client, client_id=row.client_id, changed=changed
            )
        return fresh

    async def set_disabled(self, actor: Principal, client: ClientInfo, client_id: str, disabled: bool) -> OidcClient:
        """Disable (its tokens stop working at once: every check reads the client) or enable a system."""
        row = await self.get(client_id)
        now = self.rt.clock.now()
        if disabled:
            done = await OidcClient.filter(id=row.id, disabled_at=None).update(disabled_at=now, updated_at=now)
        else:
            done = await OidcClient.filter(id=row.id, disabled_at__isnull=False).update(
                disabled_at=None, updated_at=now
            )
        if done:
            await self.audit.record(
                "oidc.client_disabled" if disabled else "oidc.client_enabled",
                actor=actor,
                client=client,
                client_id=row.client_id,
            )
        return await OidcClient.get(id=row.id)

    async def rotate_secret(self, actor: Principal, client: ClientInfo, client_id: str) -> Registered:
        """A new secret for a basic system (shown once); the old one stops working at once."""
        row = await self.get(client_id)
        if row.profile != ClientProfile.BASIC:
            raise DomainError(ErrorCode.NOT_A_BASIC_CLIENT, "只有 basic 接入方式的系统使用密钥", "clientId")
        secret = new_token()
        now = self.rt.clock.now()
        await OidcClient.filter(id=row.id).update(secret_digest=token_digest(secret), updated_at=now)
        await self.audit.record("oidc.client_secret_rotated", actor=actor, client=client, client_id=row.client_id)
        return Registered(await OidcClient.get(id=row.id), secret)

    # -- the rules, as a whole ----------------------------------------------------------------------

    def _settled(self, profile: ClientProfile, wanted: Mapping[str, Any]) -> dict[str, Any]:
        """Every setting checked and in stored form; DomainError naming the field otherwise."""
        dev = not self.rt.settings.is_production
        scopes = rules.check_scopes(wanted.get("scopes") or [])
        event_uri = self._optional_uri(wanted.get("event_uri"), "eventUri", dev)
        jwks, jwks_uri = wanted.get("jwks"), self._optional_uri(wanted.get("jwks_uri"), "jwksUri", dev)
        if profile is ClientProfile.FAPI2 and bool(jwks) == bool(jwks_uri):
            message = "FAPI 2.0 系统须提供公钥集或公钥集地址（二选一）"
            raise DomainError(ErrorCode.CLIENT_KEYS_REQUIRED, message, "jwksUri" if jwks else "jwks")
        if profile is ClientProfile.BASIC and (jwks or jwks_uri):
            raise DomainError(
                ErrorCode.INVALID_FORMAT, "basic 系统以密钥认证，不登记公钥", "jwks" if jwks else "jwksUri"
            )
        return {
            "name": rules.clean_name(wanted.get("name") or ""),
            "redirect_uris": rules.check_uris(
                wanted.get("redirect_uris") or [], "redirectUris", dev=dev, required=True
            ),
            "post_logout_redirect_uris": rules.check_uris(
                wanted.get("post_logout_redirect_uris") or [], "postLogoutRedirectUris", dev=dev, required=False
            ),
            "jwks": public_key_set(jwks) if jwks else None,
            "jwks_uri": jwks_uri,
            "scopes": scopes,
            "claims": rules.check_claims(wanted.get("claims"), scopes),
            "min_level": rules.check_level(1 if wanted.get("min_level") is None else wanted["min_level"]),
            "backchannel_logout_uri": self._optional_uri(
                wanted.get("backchannel_logout_uri"), "backchannelLogoutUri", dev
            ),
            "event_uri": event_uri,
            "event_types": rules.check_event_types(wanted.get("event_types") or [], event_uri),
        }

    @staticmethod
    def _optional_uri(value: str | None, field: str, dev: bool) -> str | None:
        return rules.check_uri(value, field, dev=dev) if value else None

    async def _locked(self, client_id: str) -> OidcClient:
        row = await self.get(client_id)
        return await OidcClient.select_for_update().get(id=row.id)

    @staticmethod
    def _described(row: OidcClient) -> dict[str, Any]:
        """What the audit says of a system: its id, profile, scopes and URIs' hosts (no keys, no secret)."""
        return {
            "client_id": row.client_id,
            "profile": row.profile,
            "scopes": list(row.scopes),
            "min_level": row.min_level,
            "redirect_uris": len(row.redirect_uris),
        }
