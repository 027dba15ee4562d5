"""E9 §2.6.2 through HTTP: grants up to three levels, their status, change, cancel and history; bad input."""

from __future__ import annotations

import asyncio

import pytest

from tests.graph.delegation_api import CHANGE, CREATE, READ, REVOKE, Delegation
from uidp.models.grant import Grant
from uidp.models.person import Person

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world(api, rt):
    world = Delegation(api, rt)
    await world.items("tax", "social", "customs")
    await world.items("secret", delegable=False)
    await world.items("retired", active=False)
    return world


@pytest.fixture
async def tree(world):
    """The entity -> 李四 (tax, social; may grant onward) -> 王五 (tax; may grant onward) -> candidates."""
    entity, token = await world.entity()
    li, li_token = await world.person("李四")
    wang, wang_token = await world.person("王五")
    zhao, zhao_token = await world.person("赵六")
    candidates = {p.id: await world.candidate(token, p) for p in (li, wang, zhao)}
    one = await world.granted(token, candidates[li.id], ["tax", "social"], days=30, mayGrantOnward=True)
    two = await world.granted(li_token, candidates[wang.id], ["tax"], days=20, under=one["id"], mayGrantOnward=True)
    return {
        "entity": entity,
        "token": token,
        "li": (li, li_token),
        "wang": (wang, wang_token),
        "zhao": (zhao, zhao_token),
        "candidates": candidates,
        "one": one,
        "two": two,
    }


async def test_three_levels_with_status_parties_and_history(world, tree):
    one, two = tree["one"], tree["two"]
    assert (one["depth"], one["status"], one["grantor"]["kind"], one["grantee"]["maskedName"]) == (
        1,
        "ACTIVE",
        "entity",
        "李*",
    )
    assert one["entity"]["maskedName"] == "湖北****公司" or one["entity"]["maskedName"].startswith("湖北")
    assert (two["depth"], two["grantor"]["maskedName"], two["scope"]) == (2, "李*", ["tax"])
    assert await world.parent_of(two) == one["id"]
    zhao, zhao_token = tree["zhao"]
    wang_token = tree["wang"][1]
    three = await world.granted(wang_token, tree["candidates"][zhao.id], ["tax"], days=10, under=two["id"])
    assert (three["depth"], three["mayGrantOnward"]) == (3, False)
    read = await world.call(READ, zhao_token, id=three["id"])
    (created,) = read["history"]
    assert (created["action"], created["actorKind"], created["details"]["scope"]) == ("created", "person", ["tax"])
    # the entity and everyone above in the chain see it; someone below or beside does not
    assert (await world.call(READ, tree["token"], id=three["id"]))["id"] == three["id"]
    assert (await world.call(READ, tree["li"][1], id=three["id"]))["id"] == three["id"]
    assert await world.call(READ, zhao_token, id=one["id"]) is None
    _, stranger = await world.person("路人")
    assert await world.call(READ, stranger, id=one["id"]) is None


async def test_a_grant_starting_later_is_pending(world, tree):
    zhao = tree["zhao"][0]
    made = await world.call(
        CREATE,
        tree["token"],
        input={
            "grantee": tree["candidates"][zhao.id],
            "scope": ["tax"],
            "period": {"startsAt": world.later(2), "endsAt": world.later(5)},
        },
    )
    assert made["grant"]["status"] == "PENDING"


async def _refused(world, token, candidate, scope, *, code, field, under=None, period=None, **extra):
    before = await Grant.all().count()
    answer = await world.call(
        CREATE,
        token,
        input={
            "grantee": candidate,
            "scope": scope,
            "period": period or {"endsAt": world.later(5)},
            "underGrant": under,
            **extra,
        },
    )
    assert (answer.get("code"), answer.get("field")) == (code, field), answer
    assert await Grant.all().count() == before  # nothing stored
    return answer


async def test_bad_grants_are_refused_with_typed_errors_and_nothing_stored(world, tree):
    token, one, two = tree["token"], tree["one"], tree["two"]
    li, li_token = tree["li"]
    wang, wang_token = tree["wang"]
    zhao = tree["zhao"][0]
    c = tree["candidates"]
    outsider, _ = await world.person("外人")
    # a grantee below level 2 (the level dropped after they were listed), or not a candidate
    await Person.filter(id=zhao.id).update(level=1)
    await _refused(world, token, c[zhao.id], ["tax"], code="GRANTEE_LEVEL_TOO_LOW", field="grantee")
    await Person.filter(id=zhao.id).update(level=2)
    await _refused(world, token, str(outsider.id), ["tax"], code="NOT_A_CANDIDATE", field="grantee")
    await _refused(world, token, "not-an-id", ["tax"], code="NOT_FOUND", field="grantee")
    # scope: wider than the grantor's, non-delegable, retired, unknown, empty
    await _refused(
        world, li_token, c[zhao.id], ["tax", "customs"], under=one["id"], code="SCOPE_BEYOND_GRANTOR", field="scope"
    )
    for item in ("secret", "retired", "nope"):
        await _refused(world, token, c[zhao.id], [item], code="ITEM_NOT_DELEGABLE", field="scope")
    await _refused(world, token, c[zhao.id], [], code="REQUIRED", field="scope")
    # period: beyond the grantor's, in the past, inverted
    await _refused(
        world,
        li_token,
        c[zhao.id],
        ["tax"],
        under=one["id"],
        period={"endsAt": world.later(31)},
        code="PERIOD_BEYOND_GRANTOR",
        field="period",
    )
    await _refused(
        world,
        token,
        c[zhao.id],
        ["tax"],
        period={"endsAt": world.later(-1)},
        code="PERIOD_IN_PAST",
        field="period.endsAt",
    )
    await _refused(
        world,
        token,
        c[zhao.id],
        ["tax"],
        period={"startsAt": world.later(-1), "endsAt": world.later(3)},
        code="PERIOD_IN_PAST",
        field="period.startsAt",
    )
    await _refused(
        world,
        token,
        c[zhao.id],
        ["tax"],
        period={"startsAt": world.later(3), "endsAt": world.later(2)},
        code="PERIOD_INVALID",
        field="period.endsAt",
    )
    # a fourth level
    zhao_token = tree["zhao"][1]
    three = await world.granted(wang_token, c[zhao.id], ["tax"], days=10, under=two["id"])
    await _refused(
        world,
        zhao_token,
        c[outsider.id] if outsider.id in c else c[li.id],
        ["tax"],
        under=three["id"],
        code="GRANT_DEPTH_EXCEEDED",
        field=None,
    )
    # a cycle, and a grant to oneself
    await _refused(world, wang_token, c[li.id], ["tax"], under=two["id"], code="GRANT_CYCLE", field="grantee")
    await _refused(world, wang_token, c[wang.id], ["tax"], under=two["id"], code="SELF_GRANT", field="grantee")
    # onward rights a level-3 grant cannot have
    await _refused(
        world,
        wang_token,
        c[zhao.id],
        ["tax"],
        under=two["id"],
        mayGrantOnward=False,
        mayManageCandidates=True,
        code="SCOPE_BEYOND_GRANTOR",
        field="mayManageCandidates",
    )


async def test_a_grant_by_someone_who_holds_no_active_grant_is_refused(world, tree):
    """Who could grant for the entity without holding its grant: a stranger, a person naming someone else's
    grant, a grantee whose grant forbids onward grants, is cancelled, expired or not yet started."""
    token, one = tree["token"], tree["one"]
    zhao, zhao_token = tree["zhao"]
    c = tree["candidates"]
    wang = tree["wang"][0]
    await _refused(world, zhao_token, c[wang.id], ["tax"], code="NO_ACTIVE_GRANT", field="underGrant")
    await _refused(world, zhao_token, c[wang.id], ["tax"], under=one["id"], code="NO_ACTIVE_GRANT", field="underGrant")
    plain = await world.granted(token, c[zhao.id], ["tax"], days=5)
    await _refused(world, zhao_token, c[wang.id], ["tax"], under=plain["id"], code="NO_ACTIVE_GRANT", field=None)
    later = await world.call(
        CREATE,
        token,
        input={
            "grantee": c[zhao.id],
            "scope": ["tax"],
            "mayGrantOnward": True,
            "period": {"startsAt": world.later(1), "endsAt": world.later(5)},
        },
    )
    await _refused(
        world,
        zhao_token,
        c[wang.id],
        ["tax"],
        under=later["grant"]["id"],
        period={"startsAt": world.later(2), "endsAt": world.later(4)},
        code="NO_ACTIVE_GRANT",
        field=None,
    )
    await world.call(REVOKE, token, input={"grantId": later["grant"]["id"]})
    await _refused(
        world, zhao_token, c[wang.id], ["tax"], under=later["grant"]["id"], code="NO_ACTIVE_GRANT", field=None
    )
    # an entity session cannot pretend to act under a grant
    await _refused(world, token, c[wang.id], ["tax"], under=one["id"], code="FORBIDDEN", field="underGrant")


async def test_change_narrows_and_ends_what_no_longer_fits(world, tree):
    token, one, two = tree["token"], tree["one"], tree["two"]
    zhao = tree["zhao"][0]
    social = await world.granted(tree["li"][1], tree["candidates"][zhao.id], ["social"], days=10, under=one["id"])
    world.rt.clock.advance(60)
    changed = await world.call(CHANGE, token, input={"grantId": one["id"], "scope": ["tax"]})
    assert changed["__typename"] == "GrantChanged" and changed["endedBelow"] == 1, changed
    assert changed["grant"]["scope"] == ["tax"]
    ended = await world.call(READ, token, id=social["id"])
    assert (ended["status"], ended["endReason"]) == ("CANCELLED", "no_longer_fits")
    assert (await world.call(READ, token, id=two["id"]))["status"] == "ACTIVE"
    world.rt.clock.advance(60)
    shorter = await world.call(CHANGE, token, input={"grantId": one["id"], "period": {"endsAt": world.later(15)}})
    assert shorter["endedBelow"] == 1  # 王五's 20 days no longer fit in 15
    assert (await world.call(READ, token, id=two["id"]))["endReason"] == "no_longer_fits"
    history = (await world.call(READ, token, id=one["id"]))["history"]
    assert [h["action"] for h in history] == ["created", "changed", "changed"]
    # widening beyond the grantor's, or changing an ended grant, is refused
    wider = await world.call(
        CHANGE, tree["li"][1], input={"grantId": two["id"], "underGrant": one["id"], "scope": ["tax", "social"]}
    )
    assert wider["code"] == "GRANT_CANCELLED"
    refused = await world.call(CHANGE, token, input={"grantId": one["id"], "scope": ["secret"]})
    assert refused["code"] == "ITEM_NOT_DELEGABLE"


async def test_only_a_grantor_above_changes_or_cancels(world, tree):
    """Who could change or cancel a grant without acting for the entity: its own holder, someone below it, a
    stranger, another entity. Each gets NOT_FOUND (or NO_ACTIVE_GRANT) and the grant stays."""
    one, two = tree["one"], tree["two"]
    wang_token = tree["wang"][1]
    li_token = tree["li"][1]
    _, other_token = await world.entity("91420100MA4KYYYY5J")
    _, stranger = await world.person("路人")
    for token, under, grant in (
        (wang_token, two["id"], two),
        (li_token, one["id"], one),
        (other_token, None, one),
        (stranger, None, one),
    ):
        for query, extra in ((REVOKE, {}), (CHANGE, {"scope": ["tax"]})):
            answer = await world.call(query, token, input={"grantId": grant["id"], "underGrant": under, **extra})
            assert answer["code"] in {"NOT_FOUND", "NO_ACTIVE_GRANT"}, answer
    assert await Grant.filter(state="ACTIVE").count() == 2
    # the grantor above may
    assert (await world.call(REVOKE, li_token, input={"grantId": two["id"], "underGrant": one["id"]}))[
        "endedBelow"
    ] == 0


async def test_cancel_ends_the_grant_and_everything_below(world, tree):
    token, one, two = tree["token"], tree["one"], tree["two"]
    revoked = await world.call(REVOKE, token, input={"grantId": one["id"]})
    assert (revoked["grant"]["status"], revoked["endedBelow"]) == ("CANCELLED", 1)
    below = await world.call(READ, token, id=two["id"])
    assert (below["status"], below["endReason"]) == ("CANCELLED", "parent_ended")
    again = await world.call(REVOKE, token, input={"grantId": one["id"]})
    assert again["code"] == "GRANT_CANCELLED"


async def test_a_proxy_session_grants_onward_within_its_grant_and_never_as_the_entity(world, tree):
    """A proxy session has exactly its grant's rights: it grants onward inside them, but cannot cancel or change
    the grant it rests on or any other grant of the entity, and cannot grant beyond its scope."""
    entity, one, two = tree["entity"], tree["one"], tree["two"]
    li = tree["li"][0]
    zhao = tree["zhao"][0]
    proxy, _ = await world.proxy_session(entity, li, one["id"])
    made = await world.granted(proxy, tree["candidates"][zhao.id], ["social"], days=10)
    assert (made["depth"], made["grantor"]["id"]) == (2, str(li.id))
    assert await world.parent_of(made) == one["id"]
    for grant_id in (one["id"],):
        refused = await world.call(REVOKE, proxy, input={"grantId": grant_id})
        assert refused["code"] == "NOT_FOUND", refused
    wider = await _refused(
        world, proxy, tree["candidates"][zhao.id], ["customs"], code="SCOPE_BEYOND_GRANTOR", field="scope"
    )
    assert wider["__typename"] == "FieldError"
    # naming another grant than the one it rests on is refused
    await _refused(
        world, proxy, tree["candidates"][zhao.id], ["tax"], under=two["id"], code="NO_ACTIVE_GRANT", field="underGrant"
    )
    assert (await world.call(REVOKE, proxy, input={"grantId": made["id"]}))["__typename"] == "GrantRevoked"


async def test_grants_made_while_the_grant_above_is_cancelled_do_not_outlive_it(world, tree):
    """Onward grants racing a cancel of the grantor's grant: each either lands before the cancel (and the cancel
    ends it) or finds the grant cancelled (NO_ACTIVE_GRANT). None stays active under a cancelled grant."""
    token, one = tree["token"], tree["one"]
    li_token = tree["li"][1]
    others = [await world.person("并发" + "甲乙丙丁戊己"[i]) for i in range(6)]
    candidates = [await world.candidate(token, person) for person, _ in others]
    racing = [world.grant(li_token, candidate, ["tax"], days=5, under=one["id"]) for candidate in candidates]
    answers = await asyncio.gather(*racing[:3], world.call(REVOKE, token, input={"grantId": one["id"]}), *racing[3:])
    made = [a for a in answers if a["__typename"] == "GrantCreated"]
    refused = [a for a in answers if a.get("code") == "NO_ACTIVE_GRANT"]
    assert len(made) + len(refused) == 6, answers
    assert await Grant.filter(root_id=one["id"], state="ACTIVE").count() == 0
