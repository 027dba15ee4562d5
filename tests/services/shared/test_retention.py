"""Retention through `uidp sweep` and the workers' chore: what goes, what stays, and one sweeper at a time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from uidp.chores import SWEEP_LOCK, sweep_once
from uidp.models.audit import AuditEvent
from uidp.models.oidc_delivery import OidcDelivery
from uidp.models.session import Session
from uidp.models.staff import StaffEnrolment

pytestmark = pytest.mark.anyio


async def _event(at, event_type="login.failed"):
    return await AuditEvent.create(at=at, event_type=event_type, outcome="failure", details={})


async def _session(now, *, expires, revoked=None, seen=None):
    return await Session.create(
        id=uuid.uuid4(),
        token_hash=uuid.uuid4().hex,
        subject_kind="person",
        subject_id=uuid.uuid4(),
        login_method="password",
        client_address="203.0.113.*",
        created_at=now - timedelta(days=60),
        last_seen_at=seen or now - timedelta(days=1),
        expires_at=expires,
        revoked_at=revoked,
    )


async def test_sweep_purges_what_is_past_its_time_and_keeps_the_rest(rt, clock):
    now = clock.now()
    days = rt.settings.audit_retention_days
    old = await _event(now - timedelta(days=days, seconds=1))
    kept = await _event(now - timedelta(days=days - 1))
    long_expired = await _session(now, expires=now - timedelta(days=31))
    long_revoked = await _session(now, expires=now + timedelta(hours=1), revoked=now - timedelta(days=31))
    recently_ended = await _session(now, expires=now - timedelta(days=1))
    live = await _session(now, expires=now + timedelta(hours=2), seen=now)
    staff_id = uuid.uuid4()
    await StaffEnrolment.create(
        staff_id=staff_id, purpose="create", code_hash="x", code_expires_at=now - timedelta(days=31), created_at=now
    )

    lines = await sweep_once(rt)

    assert not await AuditEvent.filter(id=old.id).exists() and await AuditEvent.filter(id=kept.id).exists()
    remaining = set(await Session.all().values_list("id", flat=True))
    assert long_expired.id not in remaining and long_revoked.id not in remaining
    assert {recently_ended.id, live.id} <= remaining
    assert not await StaffEnrolment.filter(staff_id=staff_id).exists()
    assert "audit events older than 1095 days: 1 deleted" in lines
    purge = await AuditEvent.filter(event_type="audit.purged").first()
    assert purge is not None and purge.details == {"count": 1, "before": (now - timedelta(days=days)).isoformat()}


async def test_one_sweeper_at_a_time(rt, clock):
    now = clock.now()
    for n in range(5):
        await _event(now - timedelta(days=4000 + n))
    results = await asyncio.gather(*(sweep_once(rt) for _ in range(4)))
    ran = [lines for lines in results if lines and not lines[0].startswith("another")]
    assert len(ran) == 1, results
    assert await AuditEvent.filter(at__lt=now - timedelta(days=3000)).count() == 0
    assert await rt.store.get(SWEEP_LOCK) is None  # released for the next run


async def test_the_retention_setting_has_a_legal_minimum(make_settings):
    from uidp.config import ConfigError

    with pytest.raises(ConfigError, match="UIDP_AUDIT_RETENTION_DAYS"):
        make_settings(audit_retention_days=90)
    assert make_settings(audit_retention_days=183).audit_retention_days == 183


async def test_finished_oidc_deliveries_go_after_their_retention_and_pending_ones_stay(rt, clock):
    now = clock.now()
    days = rt.settings.oidc_delivery_retention_days

    async def delivery(state, finished_days_ago):
        finished = now - timedelta(days=finished_days_ago) if finished_days_ago is not None else None
        return await OidcDelivery.create(
            id=uuid.uuid4(), kind="logout", client_id=uuid.uuid4(), dedupe_key=uuid.uuid4().hex, jti=uuid.uuid4().hex,
            payload={}, state=state, attempts=1, next_attempt_at=now - timedelta(days=90),
            created_at=now - timedelta(days=90), finished_at=finished,
        )  # fmt: skip

    old_delivered = await delivery("delivered", days + 1)
    old_given_up = await delivery("given_up", days + 1)
    recent = await delivery("delivered", days - 1)
    pending = await delivery("pending", None)

    lines = await sweep_once(rt)

    remaining = set(await OidcDelivery.all().values_list("id", flat=True))
    assert remaining == {recent.id, pending.id} and old_delivered.id not in remaining
    assert old_given_up.id not in remaining
    assert f"OpenID logout and event deliveries finished over {days} days ago: 2 deleted" in lines


async def test_finished_oidc_authorizations_go_with_their_tokens_and_live_or_owed_ones_stay(rt, clock):
    from uidp.models.oidc import OidcAuthorization, OidcConsent, OidcToken

    now = clock.now()
    days = rt.settings.session_retention_days
    ago = lambda n: now - timedelta(days=n)  # noqa: E731
    later = now + timedelta(days=5)

    async def authorization(*, expires, revoked=None, logout_sent=None):
        row = await OidcAuthorization.create(
            id=uuid.uuid4(), client_id=uuid.uuid4(), subject_kind="person", subject_id=uuid.uuid4(),
            session_id=uuid.uuid4(), scopes=["openid"], acr="urn:uidp:level:1", amr=["pwd"], auth_time=ago(400),
            code_digest=uuid.uuid4().hex, created_at=ago(400), expires_at=expires, revoked_at=revoked,
            logout_sent_at=logout_sent,
        )  # fmt: skip
        for kind, expiry in (("access", min(expires, now)), ("refresh", expires)):
            await OidcToken.create(id=uuid.uuid4(), authorization_id=row.id, kind=kind, digest=uuid.uuid4().hex,
                                   issued_at=ago(400), expires_at=expiry)  # fmt: skip
        return row

    revoked_long_ago = await authorization(expires=later, revoked=ago(days + 1), logout_sent=ago(days))
    expired_long_ago = await authorization(expires=ago(days + 1))
    owed_a_logout = await authorization(expires=later, revoked=ago(days + 1))  # staging pending
    revoked_lately = await authorization(expires=later, revoked=ago(days - 1), logout_sent=ago(1))
    live = await authorization(expires=later)
    consents = {}
    for name, revoked in (("old", ago(days + 1)), ("recent", ago(days - 1)), ("live", None)):
        consents[name] = await OidcConsent.create(
            id=uuid.uuid4(), subject_kind="person", subject_id=uuid.uuid4(), client_id=uuid.uuid4(),
            scopes=["openid"], granted_at=ago(400), updated_at=ago(400), revoked_at=revoked,
        )  # fmt: skip

    lines = await sweep_once(rt)

    kept = set(await OidcAuthorization.all().values_list("id", flat=True))
    assert kept == {owed_a_logout.id, revoked_lately.id, live.id}
    assert {revoked_long_ago.id, expired_long_ago.id}.isdisjoint(kept)
    tokens = await OidcToken.all().values_list("authorization_id", "kind")
    assert sorted(tokens) == sorted(
        [(owed_a_logout.id, "refresh"), (revoked_lately.id, "refresh"), (live.id, "refresh")]
        + [(row.id, "access") for row in (owed_a_logout, revoked_lately, live)]
    )  # the access tokens expired now, not over the retention ago: they stay too
    assert set(await OidcConsent.all().values_list("id", flat=True)) == {consents["recent"].id, consents["live"].id}
    assert f"OpenID authorizations and tokens finished over {days} days ago: 2 deleted" in lines
