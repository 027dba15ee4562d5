"""Consents (uidp.services.oidc.consents): remembered per subject and client, widened by union, listed, and
revoked together with every authorization the client holds for the subject."""

from __future__ import annotations

import uuid
from datetime import timedelta

import anyio
import pytest

from tests.oidc_support import make_oidc_client
from tests.support import fails, register_person
from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import ErrorCode
from uidp.domain.oidc import ClientProfile
from uidp.events import EventType
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization, OidcConsent
from uidp.services.oidc.consents import Consents
from uidp.services.shared.pagination import Window
from uidp.services.shared.principal import ClientInfo, Principal

CLIENT = ClientInfo("203.0.113.9", "pytest")


async def person_principal(rt, phone="15012340058", seq="121") -> Principal:
    person = await register_person(rt, CLIENT, phone=phone, seq=seq)
    return Principal(SubjectKind.PERSON, person.id, uuid.uuid4())


async def authorization(rt, principal: Principal, client_row) -> OidcAuthorization:
    now = rt.clock.now()
    return await OidcAuthorization.create(
        id=uuid.uuid4(),
        client_id=client_row.id,
        subject_kind=principal.kind,
        subject_id=principal.id,
        session_id=principal.session_id,
        scopes=["openid"],
        acr="urn:uidp:level:1",
        auth_time=now,
        code_digest=uuid.uuid4().hex,
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )


async def test_a_consent_covers_what_was_agreed_and_grows_by_union(rt):
    me = await person_principal(rt)
    rp = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row
    consents, subject = Consents(rt), (me.kind, me.id)
    assert not await consents.covers(subject, rp, ["openid"], [])
    await consents.grant(subject, rp, ["openid", "profile"], ["phone_number"], actor=me, client_info=CLIENT)
    assert await consents.covers(subject, rp, ["openid"], [])
    assert await consents.covers(subject, rp, ["profile", "openid"], ["phone_number"])
    assert not await consents.covers(subject, rp, ["openid", "id_card"], [])
    assert not await consents.covers(subject, rp, ["openid"], ["id_number"])
    await consents.grant(subject, rp, ["openid", "id_card"], [], actor=me, client_info=CLIENT)
    row = await OidcConsent.get(subject_id=me.id, client_id=rp.id)
    assert row.scopes == ["openid", "profile", "id_card"] and row.claims == ["phone_number"]
    other = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row
    assert not await consents.covers(subject, other, ["openid"], [])  # per client
    granted = await AuditEvent.filter(event_type=EventType.OIDC_CONSENT_GRANTED).order_by("at")
    assert [event.details["scopes"] for event in granted] == [["openid", "profile"], ["openid", "id_card"]]
    assert granted[0].details["client_id"] == rp.client_id and str(granted[0].subject_id) == str(me.id)


async def test_concurrent_approvals_leave_one_consent(rt):
    me = await person_principal(rt)
    rp = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row

    async def approve(scope: str) -> None:
        await Consents(rt).grant((me.kind, me.id), rp, ["openid", scope], [], actor=me, client_info=CLIENT)

    async with anyio.create_task_group() as group:
        for scope in ("profile", "phone", "level", "id_card"):
            group.start_soon(approve, scope)
    rows = await OidcConsent.filter(subject_id=me.id)
    assert len(rows) == 1 and set(rows[0].scopes) == {"openid", "profile", "phone", "level", "id_card"}


async def test_revoking_a_consent_revokes_the_clients_authorizations_for_that_subject_only(rt, clock):
    me = await person_principal(rt)
    someone = await person_principal(rt, phone="15012340059", seq="122")
    rp = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row
    other_rp = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row
    consents = Consents(rt)
    mine = await consents.grant((me.kind, me.id), rp, ["openid"], [], actor=me, client_info=CLIENT)
    await consents.grant((someone.kind, someone.id), rp, ["openid"], [], actor=someone, client_info=CLIENT)
    targets = [await authorization(rt, me, rp), await authorization(rt, me, rp)]
    kept = [await authorization(rt, me, other_rp), await authorization(rt, someone, rp)]

    await fails(ErrorCode.NOT_FOUND, consents.revoke(someone, str(mine.id), CLIENT), "consentId")  # not theirs
    for bad in ("not-a-uuid", str(uuid.uuid4()), ""):
        await fails(ErrorCode.NOT_FOUND, consents.revoke(me, bad, CLIENT), "consentId")
    assert all(row.revoked_at is None for row in await OidcAuthorization.all())

    clock.advance(5)
    assert await consents.revoke(me, str(mine.id), CLIENT) == 2
    for row in targets:
        refreshed = await OidcAuthorization.get(id=row.id)
        assert refreshed.revoked_at == clock.now() and refreshed.revoked_reason == "consent_revoked"
    for row in kept:
        assert (await OidcAuthorization.get(id=row.id)).revoked_at is None
    assert not await consents.covers((me.kind, me.id), rp, ["openid"], [])
    assert await consents.covers((someone.kind, someone.id), rp, ["openid"], [])
    await fails(ErrorCode.NOT_FOUND, consents.revoke(me, str(mine.id), CLIENT), "consentId")  # once only
    event = await AuditEvent.get(event_type=EventType.OIDC_CONSENT_REVOKED)
    assert event.details["authorizations_revoked"] == 2 and str(event.subject_id) == str(me.id)

    # agreeing again starts afresh: what was revoked is not silently given back
    await consents.grant((me.kind, me.id), rp, ["openid", "phone"], [], actor=me, client_info=CLIENT)
    row = await OidcConsent.get(id=mine.id)
    assert row.revoked_at is None and row.scopes == ["openid", "phone"] and row.granted_at == clock.now()


async def test_the_list_is_the_callers_live_consents_newest_first(rt, clock):
    me = await person_principal(rt)
    someone = await person_principal(rt, phone="15012340059", seq="122")
    consents = Consents(rt)
    made = []
    for name in ("甲系统", "乙系统", "丙系统"):
        rp = (await make_oidc_client(rt, profile=ClientProfile.BASIC, name=name)).row
        made.append(await consents.grant((me.kind, me.id), rp, ["openid", "phone"], [], actor=me, client_info=CLIENT))
        clock.advance(1)
    await consents.grant((someone.kind, someone.id), rp, ["openid"], [], actor=someone, client_info=CLIENT)
    await consents.revoke(me, str(made[0].id), CLIENT)
    views, page = await consents.page(me, Window(first=1))
    assert [view.client_name for view in views] == ["丙系统"] and page.has_next_page
    assert views[0].labels == ["您的平台账号标识（每个系统各不相同）", "您的手机号码"]
    views, _ = await consents.page(me, Window(first=10))
    assert [view.client_name for view in views] == ["丙系统", "乙系统"]


@pytest.mark.parametrize("kind", [SubjectKind.ENTITY])
async def test_an_entity_has_consents_of_its_own(rt, kind):
    me = await person_principal(rt)
    entity = Principal(kind, me.id, uuid.uuid4())  # the same id under another kind is another subject
    rp = (await make_oidc_client(rt, profile=ClientProfile.BASIC)).row
    await Consents(rt).grant((kind, entity.id), rp, ["openid", "entity"], [], actor=entity, client_info=CLIENT)
    assert await Consents(rt).covers((kind, entity.id), rp, ["entity"], [])
    assert not await Consents(rt).covers((me.kind, me.id), rp, ["openid"], [])
    assert (await Consents(rt).page(me, Window()))[0] == []
