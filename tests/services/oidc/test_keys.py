"""The provider's signing keys: made on first use and sealed at rest, signing and verifying, rotation with the
old key verifying until its tokens expire, and a second worker finding a key the first made."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import secrets

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, import_key
from joserfc.jws import extract_compact

from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcSigningKey
from uidp.runtime import Runtime
from uidp.security.cipher import PiiCipher
from uidp.services.oidc.keys import PRIVATE_COLUMN, SigningKeys, UntrustedToken
from uidp.services.shared.key_rotation import PiiRotation
from uidp.services.shared.pii import Pii

pytestmark = pytest.mark.anyio

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def header(token: str) -> dict:
    return extract_compact(token.encode()).headers()


async def _publish(keys: SigningKeys) -> dict[str, dict]:
    """The JWKS as a relying party reads it, by kid."""
    return {key["kid"]: key for key in (await keys.jwks())["keys"]}


async def test_the_first_use_makes_one_sealed_key_whose_kid_is_its_thumbprint(rt):
    assert await OidcSigningKey.all().count() == 0
    keys = SigningKeys(rt)
    token = await keys.sign({"iss": rt.settings.oidc_issuer, "sub": "s-1"}, typ="at+jwt")
    row = await OidcSigningKey.get()
    assert row.alg == "ES256" and row.retired_at is None and row.drop_after is None
    public = import_key(row.public_jwk)
    assert row.kid == public.thumbprint() == row.public_jwk["kid"]
    assert not PRIVATE_MEMBERS & set(row.public_jwk) and row.public_jwk["use"] == "sig"
    # the private key is sealed for its row: the stored text is a cipher token, and it opens to the key
    assert row.private_sealed.startswith("v2.") and '"d"' not in row.private_sealed
    private = json.loads(Pii(rt).open(PRIVATE_COLUMN, row.kid, row.private_sealed))
    assert private["d"] and import_key(private).thumbprint() == row.kid
    decoded = jwt.decode(token, public, algorithms=["ES256"])
    assert decoded.header == {"alg": "ES256", "kid": row.kid, "typ": "at+jwt"}
    assert await keys.verify(token, typ="at+jwt") == {"iss": rt.settings.oidc_issuer, "sub": "s-1"}
    await keys.sign({"n": 2})
    assert await OidcSigningKey.all().count() == 1


async def test_a_sealed_key_copied_to_another_row_does_not_open(rt):
    keys = SigningKeys(rt)
    await keys.sign({"n": 1})
    row = await OidcSigningKey.get()
    with pytest.raises(Exception, match=r"oidc_signing_key\.private_jwk"):
        Pii(rt).open(PRIVATE_COLUMN, "another-kid", row.private_sealed)


async def test_verify_refuses_what_we_did_not_sign(rt):
    keys = SigningKeys(rt)
    good = await keys.sign({"sub": "s-1"}, typ="logout+jwt")
    kid = (await OidcSigningKey.get()).kid
    stranger = ECKey.generate_key("P-256", private=True)
    forged = jwt.encode({"alg": "ES256", "kid": kid, "typ": "logout+jwt"}, {"sub": "s-1"}, stranger)
    unknown = jwt.encode({"alg": "ES256", "kid": stranger.thumbprint()}, {"sub": "s-1"}, stranger)
    no_kid = jwt.encode({"alg": "ES256"}, {"sub": "s-1"}, stranger)
    head, _body, signature = good.split(".")
    tampered = ".".join([head, jwt.encode({"alg": "ES256"}, {"sub": "s-2"}, stranger).split(".")[1], signature])
    for token, reason in (
        (forged, "signature"),
        (unknown, "not a key this provider publishes"),
        (no_kid, "no kid"),
        (tampered, "signature"),
        ("not-a-jwt", "compact JWS"),
        ("", "compact JWS"),
        ("ünïcode.x.y", "compact JWS"),
    ):
        with pytest.raises(UntrustedToken, match=reason):
            await keys.verify(token)
    with pytest.raises(UntrustedToken, match="typ"):
        await keys.verify(good, typ="at+jwt")
    assert await keys.verify(good, typ="application/logout+jwt") == {"sub": "s-1"}  # RFC 7515: prefix optional


async def test_a_token_whose_header_names_another_alg_is_refused(rt):
    keys = SigningKeys(rt)
    good = await keys.sign({"n": 1})
    row = await OidcSigningKey.get()
    # alg confusion: HMAC keyed with the published public key, and "none"
    confused = jwt.encode({"alg": "HS256", "kid": row.kid}, {"n": 1}, OctKey.import_key(json.dumps(row.public_jwk)))
    unsigned_head = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": row.kid}).encode()).rstrip(b"=")
    unsigned = unsigned_head.decode() + "." + good.split(".")[1] + "."
    for token in (confused, unsigned):
        with pytest.raises(UntrustedToken, match="alg"):
            await keys.verify(token)


async def test_rotation_keeps_the_old_key_verifying_until_its_tokens_have_expired(rt, clock):
    keys = SigningKeys(rt)
    before = await keys.sign({"n": "before"})
    old = (await OidcSigningKey.get()).kid
    new_row = await keys.rotate()
    after = await keys.sign({"n": "after"})
    published = await _publish(keys)
    assert set(published) == {old, new_row.kid} and new_row.kid != old
    assert header(after)["kid"] == new_row.kid and header(before)["kid"] == old
    assert await keys.verify(before) == {"n": "before"} and await keys.verify(after) == {"n": "after"}
    retired = await OidcSigningKey.get(kid=old)
    margin = rt.settings.oidc_signed_token_seconds + rt.settings.oidc_clock_skew_seconds
    margin += rt.settings.oidc_key_cache_seconds
    assert (retired.drop_after - retired.retired_at).total_seconds() == margin
    clock.advance(margin - 1)
    assert await keys.verify(before) == {"n": "before"}
    assert old in await _publish(keys)
    clock.advance(1)
    with pytest.raises(UntrustedToken):  # past drop_after: refused even before the sweep deletes it
        await keys.verify(before)
    assert set(await _publish(keys)) == {new_row.kid}
    assert await keys.drop_expired() == 1
    assert await OidcSigningKey.filter(kid=old).count() == 0 and await keys.verify(after) == {"n": "after"}
    assert await keys.drop_expired() == 0


async def test_a_second_worker_finds_a_key_the_first_made_at_once(rt, clock):
    first = SigningKeys(rt)
    workers = [Runtime.build(rt.settings, clock=clock, plugins=rt.plugins) for _ in range(2)]  # their own caches
    try:
        second, third = (SigningKeys(worker) for worker in workers)
        token = await first.sign({"n": 1})
        assert await second.verify(token) == {"n": 1} and await third.verify(token) == {"n": 1}
        await first.rotate()  # the command, or another worker
        fresh = await first.sign({"n": 2})
        assert header(fresh)["kid"] != header(token)["kid"]
        assert await second.verify(fresh) == {"n": 2}  # an unknown kid makes it read the table again
        assert header(await second.sign({"n": 3}))["kid"] == header(fresh)["kid"]
        # a worker that met no new kid signs with what it read until its cache time is over, then takes the new key
        assert header(await third.sign({"n": 4}))["kid"] == header(token)["kid"]
        clock.advance(rt.settings.oidc_key_cache_seconds)
        assert header(await third.sign({"n": 5}))["kid"] == header(fresh)["kid"]
    finally:
        for worker in workers:
            await worker.store.close()


async def test_two_workers_making_the_first_key_at_once_end_with_one_signing_key(rt, clock):
    other_rt = Runtime.build(rt.settings, clock=clock, plugins=rt.plugins)
    try:
        tokens = await asyncio.gather(SigningKeys(rt).sign({"n": 1}), SigningKeys(other_rt).sign({"n": 2}))
        for token in tokens:
            assert await SigningKeys(rt).verify(token) in ({"n": 1}, {"n": 2})
        clock.advance(rt.settings.oidc_key_cache_seconds)
        kids = {header(await SigningKeys(r).sign({"n": 3}))["kid"] for r in (rt, other_rt) for _ in range(2)}
        assert len(kids) == 1 and await OidcSigningKey.filter(retired_at=None).count() == 1
    finally:
        await other_rt.store.close()


async def test_ps256_keys_are_rsa_of_at_least_2048_bits(rt, clock):
    other = Runtime.build(dataclasses.replace(rt.settings, oidc_signing_alg="PS256"), clock=clock, plugins=rt.plugins)
    try:
        keys = SigningKeys(other)
        token = await keys.sign({"n": 1})
        row = await OidcSigningKey.get()
        assert row.alg == "PS256" and row.public_jwk["kty"] == "RSA" and row.public_jwk["alg"] == "PS256"
        assert import_key(row.public_jwk).raw_value.key_size >= 2048
        assert jwt.decode(token, import_key(row.public_jwk), algorithms=["PS256"]).header["alg"] == "PS256"
        assert await keys.verify(token) == {"n": 1}
    finally:
        await other.store.close()


async def test_rotate_pii_reencrypts_the_signing_keys_and_they_still_sign(rt):
    keys = SigningKeys(rt)
    before = await keys.sign({"n": 1})
    stored = (await OidcSigningKey.get()).private_sealed
    new_key = ("k2027", secrets.token_bytes(32 if rt.settings.pii_algorithm == "aes-256-gcm" else 16))
    ring = {new_key[0]: new_key[1], **rt.cipher._keys}
    rt.cipher = PiiCipher(ring, new_key[0], rt.settings.pii_algorithm)  # workers restarted with the new key first
    report = await PiiRotation(rt.cipher).run()
    assert report.rotated["oidc_signing_key.private_sealed"] == 1
    row = await OidcSigningKey.get()
    assert row.private_sealed != stored and row.private_sealed.split(".")[2] == "k2027"
    rt.cipher = PiiCipher({new_key[0]: new_key[1]}, new_key[0], rt.settings.pii_algorithm)  # old key removed
    restarted = Runtime.build(rt.settings, clock=rt.clock, plugins=rt.plugins)
    restarted.cipher = rt.cipher
    try:
        again = SigningKeys(restarted)
        assert await again.verify(before) == {"n": 1}
        assert await again.verify(await again.sign({"n": 2})) == {"n": 2}
    finally:
        await restarted.store.close()


async def test_the_sweep_deletes_a_retired_key_once_its_tokens_have_expired(rt, clock):
    from uidp.chores import sweep_once

    keys = SigningKeys(rt)
    await keys.sign({"n": 1})
    old = (await OidcSigningKey.get()).kid
    await keys.rotate()
    assert "retired OpenID signing keys: 0 deleted" in await sweep_once(rt)
    clock.set(keys.drop_time(clock.now()))
    assert "retired OpenID signing keys: 1 deleted" in await sweep_once(rt)
    assert await OidcSigningKey.filter(kid=old).count() == 0 and await OidcSigningKey.all().count() == 1
    event = await AuditEvent.get(event_type="oidc.signing_keys_dropped")
    assert event.details == {"kids": [old]}
