"""A connected system's public keys: registered inline, or fetched from its jwks_uri on a real local HTTP
server (cached, refetched on an unknown kid at most once a minute, capped, https in production)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from joserfc import jwk
from joserfc.errors import SecurityWarning

from tests.oidc_support import make_oidc_client
from tests.services.oidc.jwks_server import JwksServer, jwks_server
from tests.support import production_keys
from uidp.services.oidc.client_keys import (
    CACHE_SECONDS,
    MAX_JWKS_BYTES,
    REFETCH_SECONDS,
    ClientKeyError,
    ClientKeys,
    public_signing_keys,
)


def public(key: jwk.Key, **extra: str) -> dict:
    return {**key.as_dict(private=False), "kid": key.thumbprint(), "use": "sig", **extra}


@pytest.fixture
def server() -> Iterator[JwksServer]:
    with jwks_server() as state:
        yield state


async def uri_client(rt, server: JwksServer, *keys: jwk.Key):
    server.publish({"keys": [public(key) for key in keys]})
    return await registered(rt, jwks=None, jwks_uri=server.url)


async def registered(rt, **fields):
    """A FAPI client whose keys are given by ``fields`` (``jwks`` / ``jwks_uri``) instead of its own key."""
    row = (await make_oidc_client(rt)).row
    for name, value in fields.items():
        setattr(row, name, value)
    await row.save()
    return row


async def test_the_registered_key_set_gives_the_key_of_the_kid(rt):
    made = await make_oidc_client(rt)
    assert made.key is not None
    keys = ClientKeys(rt)
    found = await keys.key_for(made.row, made.key.thumbprint(), "ES256")
    assert found.thumbprint() == made.key.thumbprint() and not found.is_private
    assert (await keys.key_for(made.row, None, "ES256")).thumbprint() == made.key.thumbprint()  # its only key
    with pytest.raises(ClientKeyError):
        await keys.key_for(made.row, "another-kid", "ES256")
    with pytest.raises(ClientKeyError):
        await keys.key_for(made.row, made.key.thumbprint(), "PS256")  # an EC key checks no PS256 signature


async def test_without_a_kid_a_set_of_two_keys_names_none(rt):
    first, second = (jwk.ECKey.generate_key("P-256", private=True) for _ in range(2))
    row = await registered(rt, jwks={"keys": [public(first), public(second)]})
    with pytest.raises(ClientKeyError):
        await ClientKeys(rt).key_for(row, None, "ES256")
    assert (await ClientKeys(rt).key_for(row, second.thumbprint(), "ES256")).thumbprint() == second.thumbprint()


def test_only_public_signing_keys_of_the_fapi_algorithms_are_kept():
    ec, rsa = jwk.ECKey.generate_key("P-256", private=True), jwk.RSAKey.generate_key(2048, private=True)
    with pytest.warns(SecurityWarning):
        weak = jwk.RSAKey.generate_key(1024, private=True)
    p384 = jwk.ECKey.generate_key("P-384", private=True)
    kept = public_signing_keys(
        {
            "keys": [
                public(ec),
                public(rsa),
                public(weak),  # too short for PS256
                public(p384),  # not ES256's curve
                public(jwk.ECKey.generate_key("P-256", private=True), use="enc"),
                public(jwk.ECKey.generate_key("P-256", private=True), alg="ES384"),
                {"kty": "PQC", "kid": "future"},  # a type not understood is passed over (RFC 7517 §5)
            ]
        }
    )
    assert [key.thumbprint() for key in kept] == [ec.thumbprint(), rsa.thumbprint()]
    with pytest.raises(ClientKeyError, match="private"):
        public_signing_keys({"keys": [{**ec.as_dict(private=True), "kid": "oops"}]})
    with pytest.raises(ClientKeyError, match="private"):
        public_signing_keys({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})
    for document in ({"keys": "no"}, ["keys"], {"keys": ["no"]}, None):
        with pytest.raises(ClientKeyError):
            public_signing_keys(document)


async def test_a_client_with_no_keys_has_none(rt):
    row = await registered(rt, jwks=None)
    with pytest.raises(ClientKeyError):
        await ClientKeys(rt).key_for(row, None, "ES256")


async def test_a_jwks_uri_is_fetched_once_and_cached(rt, clock, server):
    key = jwk.ECKey.generate_key("P-256", private=True)
    row = await uri_client(rt, server, key)
    keys = ClientKeys(rt)
    for _ in range(3):
        assert (await keys.key_for(row, key.thumbprint(), "ES256")).thumbprint() == key.thumbprint()
    assert len(server.hits) == 1
    clock.advance(CACHE_SECONDS + 1)  # the cache has aged out: asked again
    await keys.key_for(row, key.thumbprint(), "ES256")
    assert len(server.hits) == 2


async def test_an_unknown_kid_refetches_at_most_once_a_minute(rt, clock, server):
    old, new = (jwk.ECKey.generate_key("P-256", private=True) for _ in range(2))
    row = await uri_client(rt, server, old)
    keys = ClientKeys(rt)
    await keys.key_for(row, old.thumbprint(), "ES256")
    clock.advance(REFETCH_SECONDS + 1)
    server.publish({"keys": [public(old), public(new)]})  # the client rotated in a new key
    assert (await keys.key_for(row, new.thumbprint(), "ES256")).thumbprint() == new.thumbprint()
    assert len(server.hits) == 2
    for _ in range(5):  # made-up kids: no more fetches within the minute
        with pytest.raises(ClientKeyError):
            await keys.key_for(row, uuid.uuid4().hex, "ES256")
    assert len(server.hits) == 2
    clock.advance(REFETCH_SECONDS + 1)
    with pytest.raises(ClientKeyError):
        await keys.key_for(row, "still-unknown", "ES256")
    assert len(server.hits) == 3


async def test_a_failing_jwks_uri_is_refused_and_not_hammered(rt, clock, server):
    key = jwk.ECKey.generate_key("P-256", private=True)
    row = await uri_client(rt, server, key)
    server.status = 503
    keys = ClientKeys(rt)
    with pytest.raises(ClientKeyError, match="HTTP 503"):
        await keys.key_for(row, key.thumbprint(), "ES256")
    server.status = 200
    with pytest.raises(ClientKeyError, match="a moment ago"):
        await keys.key_for(row, key.thumbprint(), "ES256")
    assert len(server.hits) == 1
    clock.advance(REFETCH_SECONDS + 1)
    assert (await keys.key_for(row, key.thumbprint(), "ES256")).thumbprint() == key.thumbprint()


@pytest.mark.parametrize("bad", ["large", "not_json", "redirect", "private", "unreachable"])
async def test_a_bad_jwks_document_gives_no_key(rt, server, bad):
    key = jwk.ECKey.generate_key("P-256", private=True)
    row = await uri_client(rt, server, key)
    if bad == "large":
        server.publish({"keys": [public(key)], "padding": "x" * MAX_JWKS_BYTES})
    elif bad == "not_json":
        server.body = b"<html>keys</html>"
    elif bad == "redirect":  # never followed: the registered URI is the one staff approved
        server.redirect_to = server.url
    elif bad == "private":
        server.publish({"keys": [{**key.as_dict(private=True), "kid": key.thumbprint()}]})
    else:
        row.jwks_uri = "http://127.0.0.1:9/jwks.json"  # the discard port: nobody listens
    with pytest.raises(ClientKeyError):
        await ClientKeys(rt).key_for(row, key.thumbprint(), "ES256")


async def test_production_fetches_https_only(rt, make_settings, server):
    key = jwk.ECKey.generate_key("P-256", private=True)
    row = await uri_client(rt, server, key)
    settings = make_settings(profile="production", cookie_secure=True, bcrypt_rounds=12, **production_keys())
    production = dataclasses.replace(rt, settings=settings)
    with pytest.raises(ClientKeyError, match="https"):
        await ClientKeys(production).key_for(row, key.thumbprint(), "ES256")
    assert server.hits == []
