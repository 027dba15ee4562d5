"""Connected systems at the service level: registration with every rule, a basic system's secret shown once and
stored as a digest, changes checked as a whole, disabling hiding a system from the provider, and nothing kept
of a refused registration or change."""

from __future__ import annotations

import dataclasses
import json

import pytest
from joserfc.jwk import ECKey, RSAKey

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcClient
from uidp.runtime import Runtime
from uidp.security.tokens import token_digest
from uidp.services.oidc.clients import OidcClients
from uidp.services.shared.pagination import Window
from uidp.services.shared.principal import ClientInfo, cli_actor

pytestmark = pytest.mark.anyio

ADMIN = cli_actor("admin")
CLIENT = ClientInfo("198.51.100.20")
REDIRECT = "https://rp.example.gov.cn/callback"
EVENT = "https://schemas.openid.net/secevent/risc/event-type/account-purged"


def jwks(*keys: ECKey | RSAKey) -> str:
    return json.dumps({"keys": [key.as_dict(private=False) for key in keys or (ECKey.generate_key("P-256"),)]})


def settings(**changes):
    values = {"name": "鄂汇办", "redirect_uris": [REDIRECT], "scopes": ["openid", "profile"], "jwks": jwks()}
    values.update(changes)
    return values


async def register(rt, profile: str = "fapi2", client_id: str | None = None, **changes):
    return await OidcClients(rt).register(
        ADMIN, CLIENT, profile=profile, client_id=client_id, settings=settings(**changes)
    )


async def refused(rt, code: ErrorCode, field: str, profile: str = "fapi2", **changes) -> str:
    before = await OidcClient.all().count()
    with pytest.raises(DomainError) as caught:
        await register(rt, profile, **changes)
    assert (caught.value.code, caught.value.field) == (code, field), caught.value
    assert await OidcClient.all().count() == before  # nothing half-done is kept
    return caught.value.message


async def test_a_fapi_system_is_registered_with_its_public_keys_and_found_by_the_provider(rt):
    key = ECKey.generate_key("P-256", private=True)
    registered = await register(rt, jwks=jwks(key), min_level=2, backchannel_logout_uri="https://rp.example.gov.cn/bc")
    row = registered.client
    assert registered.secret is None and row.secret_digest is None and row.profile == "fapi2"
    assert row.client_id.startswith("uidp-") and row.sector_id == row.client_id
    assert row.jwks["keys"][0]["kid"] == key.thumbprint() and "d" not in row.jwks["keys"][0]
    assert row.scopes == ["openid", "profile"] and row.claims == ["sub", "name"] and row.min_level == 2
    assert (await OidcClients(rt).by_client_id(row.client_id)).id == row.id
    event = await AuditEvent.get(event_type="oidc.client_registered")
    assert event.details["client_id"] == row.client_id and event.actor_kind == "cli"
    assert "keys" not in json.dumps(event.details)


async def test_a_basic_system_gets_a_secret_once_and_only_its_digest_is_kept(rt):
    registered = await register(rt, "basic", jwks=None, client_id="ehuiban-web")
    assert registered.secret and len(registered.secret) >= 43
    row = await OidcClient.get(client_id="ehuiban-web")
    assert row.secret_digest == token_digest(registered.secret) != registered.secret
    assert registered.secret not in json.dumps(await OidcClient.filter(id=row.id).values(), default=str)
    rotated = await OidcClients(rt).rotate_secret(ADMIN, CLIENT, "ehuiban-web")
    assert rotated.secret != registered.secret and rotated.client.secret_digest == token_digest(rotated.secret)
    assert await AuditEvent.filter(event_type="oidc.client_secret_rotated").count() == 1
    fapi = (await register(rt)).client
    with pytest.raises(DomainError) as caught:
        await OidcClients(rt).rotate_secret(ADMIN, CLIENT, fapi.client_id)
    assert caught.value.code == ErrorCode.NOT_A_BASIC_CLIENT


@pytest.mark.parametrize(
    "uri",
    [
        "http://rp.example.gov.cn/callback",
        "https://rp.example.gov.cn/callback#top",
        "https://*.example.gov.cn/callback",
        "https://user:pw@rp.example.gov.cn/callback",
        "rp.example.gov.cn/callback",
        "https://rp.example.gov.cn/回调",
        "https://rp.example.gov.cn/a b",
        "https://rp.example.gov.cn:99999/callback",
        "https://rp.example.gov.cn/" + "x" * 500,
        "",
    ],
)
async def test_redirect_uris_are_exact_https_without_fragment(rt, uri):
    message = await refused(rt, ErrorCode.INVALID_REDIRECT_URI, "redirectUris", redirect_uris=[REDIRECT, uri])
    assert message.startswith("地址")


async def test_loopback_http_is_for_dev_only(rt, clock):
    dev = await register(rt, redirect_uris=["http://127.0.0.1:8080/cb", "http://localhost/cb", REDIRECT])
    assert dev.client.redirect_uris == ["http://127.0.0.1:8080/cb", "http://localhost/cb", REDIRECT]
    production = Runtime.build(dataclasses.replace(rt.settings, profile="production"), clock=clock, plugins=rt.plugins)
    try:
        message = await refused(
            production, ErrorCode.INVALID_REDIRECT_URI, "redirectUris", redirect_uris=["http://localhost/cb"]
        )
        assert "https" in message
    finally:
        await production.store.close()


async def test_redirect_uris_are_one_to_ten_and_kept_as_written(rt):
    await refused(rt, ErrorCode.REQUIRED, "redirectUris", redirect_uris=[])
    many = [f"https://rp.example.gov.cn/cb{n}" for n in range(11)]
    await refused(rt, ErrorCode.INVALID_FORMAT, "redirectUris", redirect_uris=many)
    row = (await register(rt, redirect_uris=[REDIRECT, REDIRECT, "https://RP.example.gov.cn/callback?x=1"])).client
    assert row.redirect_uris == [REDIRECT, "https://RP.example.gov.cn/callback?x=1"]
    await refused(
        rt, ErrorCode.INVALID_REDIRECT_URI, "postLogoutRedirectUris", post_logout_redirect_uris=["http://x.cn"]
    )


async def test_fapi_keys_are_public_signing_keys_of_the_allowed_kinds(rt):
    private = ECKey.generate_key("P-256", private=True)
    with_private = json.dumps({"keys": [private.as_dict(private=True)]})
    message = await refused(rt, ErrorCode.CLIENT_KEYS_PRIVATE, "jwks", jwks=with_private)
    assert "私钥" in message
    rsa_private = json.dumps({"keys": [RSAKey.generate_key(2048, private=True).as_dict(private=True)]})
    await refused(rt, ErrorCode.CLIENT_KEYS_PRIVATE, "jwks", jwks=rsa_private)
    for bad in (
        "not json",
        json.dumps({"keys": []}),
        json.dumps([]),
        jwks(RSAKey.generate_key(1024)),
        jwks(ECKey.generate_key("P-384")),
        json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}),
        json.dumps({"keys": [{**ECKey.generate_key("P-256").as_dict(), "use": "enc"}]}),
        json.dumps({"keys": [{**ECKey.generate_key("P-256").as_dict(), "alg": "HS256"}]}),
        json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]}),
        "{" * 40000,
    ):
        code = ErrorCode.CLIENT_KEYS_PRIVATE if '"k"' in bad else ErrorCode.CLIENT_KEYS_INVALID
        await refused(rt, code, "jwks", jwks=bad)
    rsa = RSAKey.generate_key(2048)
    row = (await register(rt, jwks=jwks(rsa))).client
    assert row.jwks["keys"][0]["kty"] == "RSA" and row.jwks["keys"][0]["kid"] == rsa.thumbprint()


async def test_a_fapi_system_needs_keys_or_their_uri_and_a_basic_one_neither(rt):
    await refused(rt, ErrorCode.CLIENT_KEYS_REQUIRED, "jwks", jwks=None)
    await refused(rt, ErrorCode.CLIENT_KEYS_REQUIRED, "jwksUri", jwks_uri="https://rp.example.gov.cn/jwks")
    await refused(rt, ErrorCode.INVALID_URI, "jwksUri", jwks=None, jwks_uri="http://rp.example.gov.cn/jwks")
    by_uri = (await register(rt, jwks=None, jwks_uri="https://rp.example.gov.cn/jwks")).client
    assert by_uri.jwks is None and by_uri.jwks_uri == "https://rp.example.gov.cn/jwks"
    await refused(rt, ErrorCode.INVALID_FORMAT, "jwks", profile="basic")


async def test_scopes_claims_level_and_events_come_from_the_catalogue(rt):
    await refused(rt, ErrorCode.UNKNOWN_SCOPE, "scopes", scopes=["openid", "offline_access"])
    await refused(rt, ErrorCode.REQUIRED, "scopes", scopes=["profile"])
    await refused(rt, ErrorCode.UNKNOWN_CLAIM, "claims", claims=["phone_number"])  # not under its scopes
    await refused(rt, ErrorCode.UNKNOWN_CLAIM, "claims", claims=["email"])
    for level in (0, 4, -1):
        await refused(rt, ErrorCode.INVALID_FORMAT, "minLevel", min_level=level)
    await refused(rt, ErrorCode.UNKNOWN_EVENT_TYPE, "eventTypes", event_types=["urn:x"], event_uri="https://rp.cn/e")
    await refused(rt, ErrorCode.REQUIRED, "eventUri", event_types=[EVENT])
    await refused(rt, ErrorCode.INVALID_URI, "backchannelLogoutUri", backchannel_logout_uri="http://rp.cn/bc")
    await refused(rt, ErrorCode.INVALID_FORMAT, "name", name="   ")
    await refused(rt, ErrorCode.INVALID_FORMAT, "name", name="x" * 101)
    row = (
        await register(
            rt, scopes=["phone", "openid"], claims=["phone_number"], event_types=[EVENT], event_uri="https://rp.cn/e"
        )
    ).client
    assert row.scopes == ["openid", "phone"] and row.claims == ["phone_number"] and row.event_types == [EVENT]


async def test_client_ids_are_unique_and_well_formed(rt):
    clients = OidcClients(rt)
    await clients.register(ADMIN, CLIENT, profile="fapi2", client_id="ehuiban", settings=settings())
    with pytest.raises(DomainError) as caught:
        await clients.register(ADMIN, CLIENT, profile="fapi2", client_id="ehuiban", settings=settings())
    assert (caught.value.code, caught.value.field) == (ErrorCode.CLIENT_ID_TAKEN, "clientId")
    for bad in ("ab", "-x-y", "a" * 65, "有中文", "a b c"):
        with pytest.raises(DomainError) as caught:
            await clients.register(ADMIN, CLIENT, profile="fapi2", client_id=bad, settings=settings())
        assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_FORMAT, "clientId")
    with pytest.raises(DomainError) as caught:
        await clients.register(ADMIN, CLIENT, profile="oauth1", settings=settings())
    assert caught.value.field == "profile"
    assert await OidcClient.all().count() == 1


async def test_changes_are_checked_as_a_whole_and_audited(rt, clock):
    clients = OidcClients(rt)
    row = (await register(rt, scopes=["openid", "profile", "phone"])).client
    clock.advance(1)
    changed = await clients.update(ADMIN, CLIENT, row.client_id, {"redirect_uris": [REDIRECT, REDIRECT + "2"]})
    assert changed.redirect_uris == [REDIRECT, REDIRECT + "2"] and changed.name == "鄂汇办"
    assert changed.jwks == row.jwks and changed.updated_at > row.updated_at
    clock.advance(1)
    narrowed = await clients.update(ADMIN, CLIENT, row.client_id, {"scopes": ["openid"]})
    assert narrowed.scopes == ["openid"] and narrowed.claims == ["sub"]  # claims follow the new scopes
    before = await OidcClient.get(id=row.id)
    with pytest.raises(DomainError) as caught:  # a FAPI system cannot lose its keys
        await clients.update(ADMIN, CLIENT, row.client_id, {"jwks": None, "name": "改名"})
    assert caught.value.code == ErrorCode.CLIENT_KEYS_REQUIRED
    assert (await OidcClient.get(id=row.id)).name == before.name == "鄂汇办"
    clock.advance(1)
    moved = await clients.update(ADMIN, CLIENT, row.client_id, {"jwks": None, "jwks_uri": "https://rp.cn/jwks"})
    assert moved.jwks is None and moved.jwks_uri == "https://rp.cn/jwks"
    events = await AuditEvent.filter(event_type="oidc.client_updated").order_by("at", "id")
    assert [event.details["changed"] for event in events] == [
        ["redirect_uris"],
        ["claims", "scopes"],
        ["jwks", "jwks_uri"],
    ]
    same = await clients.update(ADMIN, CLIENT, row.client_id, {"name": "鄂汇办"})
    assert (
        same.updated_at == moved.updated_at and await AuditEvent.filter(event_type="oidc.client_updated").count() == 3
    )
    with pytest.raises(DomainError) as caught:
        await clients.update(ADMIN, CLIENT, "no-such-system", {"name": "x"})
    assert caught.value.code == ErrorCode.NOT_FOUND


async def test_a_disabled_system_is_unknown_to_the_provider_until_enabled(rt, clock):
    clients = OidcClients(rt)
    row = (await register(rt)).client
    clock.advance(1)
    disabled = await clients.set_disabled(ADMIN, CLIENT, row.client_id, True)
    assert disabled.disabled_at is not None and await clients.by_client_id(row.client_id) is None
    assert (await clients.get(row.client_id)).id == row.id  # staff still see it
    await clients.set_disabled(ADMIN, CLIENT, row.client_id, True)  # already disabled: no second event
    clock.advance(1)
    enabled = await clients.set_disabled(ADMIN, CLIENT, row.client_id, False)
    assert enabled.disabled_at is None and (await clients.by_client_id(row.client_id)).id == row.id
    kinds = (
        await AuditEvent.filter(event_type__startswith="oidc.client_")
        .order_by("at", "id")
        .values_list("event_type", flat=True)
    )
    assert list(kinds) == ["oidc.client_registered", "oidc.client_disabled", "oidc.client_enabled"]
    for unknown in ("", None, "x" * 500, "nobody"):
        assert await clients.by_client_id(unknown) is None


async def test_systems_are_listed_newest_first_in_pages(rt, clock):
    clients = OidcClients(rt)
    ids = []
    for n in range(5):
        clock.advance(1)
        ids.append((await register(rt, client_id=f"system-{n}")).client.client_id)
    await clients.set_disabled(ADMIN, CLIENT, "system-2", True)
    first = await clients.page(Window(first=2))
    assert [row.client_id for row in first.rows] == ["system-4", "system-3"] and first.has_next_page
    from uidp.services.shared.pagination import encode_cursor

    rest = await clients.page(Window(first=10, after=encode_cursor(first.rows[-1].created_at, first.rows[-1].id)))
    assert [row.client_id for row in rest.rows] == ["system-2", "system-1", "system-0"]
    enabled = await clients.page(Window(first=10), include_disabled=False)
    assert "system-2" not in [row.client_id for row in enabled.rows] and len(enabled.rows) == 4
