"""E9 §2.6.1 through HTTP: the candidate list (可授权人): find, add, search by name, delete; who may change it."""

from __future__ import annotations

import asyncio

import pytest

from tests.graph.delegation_api import ADD, CANDIDATES, FIND, REMOVE, Delegation
from uidp.models.audit import AuditEvent
from uidp.models.candidate import DelegationCandidate
from uidp.services.delegation import candidates

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world(api, rt):
    world = Delegation(api, rt)
    await world.items("tax", "social")
    return world


async def test_the_entity_finds_adds_searches_and_removes_a_candidate(world):
    entity, token = await world.entity()
    li, _ = await world.person("李四")
    wang, _ = await world.person("王小五")
    found = await world.call(FIND, token, input={"certificateNumber": li.number})
    assert found == {
        "__typename": "GrantCandidateFound",
        "maskedName": "李*",
        "maskedCertificateNumber": "***********" + li.number[-4:],
        "level": 2,
    }
    assert await DelegationCandidate.all().count() == 0  # finding stores nothing
    li_id = await world.candidate(token, li)
    world.rt.clock.advance(1)
    await world.candidate(token, wang)
    listed = await world.call(CANDIDATES, token)
    assert [edge["node"]["maskedName"] for edge in listed["edges"]] == ["李*", "王**"]
    searched = await world.call(CANDIDATES, token, name="王小五")
    assert [edge["node"]["maskedName"] for edge in searched["edges"]] == ["王**"]
    assert (await world.call(CANDIDATES, token, name="王小"))["edges"] == []  # exact names only (blind index)
    again = await world.call(ADD, token, input={"certificateNumber": li.number.lower()})
    assert (again["code"], again["field"]) == ("ALREADY_EXISTS", "certificateNumber")
    removed = await world.call(REMOVE, token, input={"candidateId": li_id})
    assert removed == {"__typename": "GrantCandidateRemoved", "candidateId": li_id}
    assert [e["node"]["maskedName"] for e in (await world.call(CANDIDATES, token))["edges"]] == ["王**"]
    events = [e.event_type for e in await AuditEvent.filter(subject_id=str(entity.id)).order_by("at", "id")]
    assert events.count("delegation.candidate_added") == 2 and "delegation.candidate_removed" in events
    stored = await AuditEvent.filter(event_type="delegation.candidate_added").first()
    assert stored.details["masked_name"] in {"李*", "王**"} and li.number not in str(stored.details)


@pytest.mark.parametrize(
    ("number", "code"),
    [("", "REQUIRED"), ("4201-0219<>", "INVALID_FORMAT"), ("420102199001019999", "NOT_FOUND")],
)
async def test_bad_certificate_numbers_are_typed_errors(world, number, code):
    _, token = await world.entity()
    for query in (FIND, ADD):
        answer = await world.call(query, token, input={"certificateNumber": number})
        assert (answer["code"], answer["field"]) == (code, "certificateNumber"), answer
    assert await DelegationCandidate.all().count() == 0


async def test_a_person_below_level_two_cannot_be_a_candidate(world):
    _, token = await world.entity()
    basic, _ = await world.person("赵六", level=1)
    for query in (FIND, ADD):
        answer = await world.call(query, token, input={"certificateNumber": basic.number})
        assert (answer["code"], answer["field"]) == ("GRANTEE_LEVEL_TOO_LOW", "certificateNumber")
    assert await DelegationCandidate.all().count() == 0


async def test_only_the_entity_or_a_grantee_allowed_to_manage_candidates_changes_the_list(world):
    """Who could change an entity's candidate list without proving they act for it: a stranger with a
    person session, a grantee whose grant does not include the right, another entity. All fail."""
    entity, token = await world.entity()
    other, other_token = await world.entity("91420100MA4KYYYY5J")
    manager, manager_token = await world.person("钱七")
    helper, helper_token = await world.person("孙八")
    stranger, stranger_token = await world.person("周九")
    target, _ = await world.person("吴十")
    manager_grant = await world.granted(token, await world.candidate(token, manager), ["tax"], mayManageCandidates=True)
    helper_grant = await world.granted(token, await world.candidate(token, helper), ["tax"])
    listed = await world.candidate(token, target)
    # a stranger: no grant at all, or someone else's grant
    for under in (None, manager_grant["id"]):
        refused = await world.call(
            ADD, stranger_token, input={"certificateNumber": stranger.number, "underGrant": under}
        )
        assert refused["code"] == "NO_ACTIVE_GRANT", refused
    refused = await world.call(REMOVE, stranger_token, input={"candidateId": listed, "underGrant": manager_grant["id"]})
    assert refused["code"] == "NO_ACTIVE_GRANT"
    # a grantee without the right
    refused = await world.call(REMOVE, helper_token, input={"candidateId": listed, "underGrant": helper_grant["id"]})
    assert refused["code"] == "NO_ACTIVE_GRANT"
    # another entity sees no such candidate
    assert (await world.call(REMOVE, other_token, input={"candidateId": listed}))["code"] == "NOT_FOUND"
    assert (await world.call(CANDIDATES, stranger_token))["code"] == "NO_ACTIVE_GRANT"
    assert await DelegationCandidate.filter(entity_id=entity.id).count() == 3
    assert await DelegationCandidate.filter(entity_id=other.id).count() == 0
    # the grantee allowed to manage candidates may, under that grant
    newcomer, _ = await world.person("郑十一")
    await world.candidate(manager_token, newcomer, under=manager_grant["id"])
    removed = await world.call(REMOVE, manager_token, input={"candidateId": listed, "underGrant": manager_grant["id"]})
    assert removed["__typename"] == "GrantCandidateRemoved"
    listed = await world.call(CANDIDATES, None, underGrant=manager_grant["id"])
    assert listed["code"] == "NOT_AUTHENTICATED"


async def test_a_proxy_session_manages_candidates_only_if_its_grant_allows(world):
    entity, token = await world.entity()
    agent, _ = await world.person("钱七")
    plain = await world.granted(token, await world.candidate(token, agent), ["tax"])
    proxy, _ = await world.proxy_session(entity, agent, plain["id"])
    target, _ = await world.person("吴十")
    refused = await world.call(ADD, proxy, input={"certificateNumber": target.number})
    assert refused["code"] == "NO_ACTIVE_GRANT"
    assert await DelegationCandidate.filter(person_id=target.id).count() == 0


async def test_lookups_are_counted_before_the_lookup_under_concurrency(world, rt, monkeypatch):
    monkeypatch.setattr(candidates, "LOOKUPS_PER_HOUR", 5)
    _, token = await world.entity()
    people = [await world.person(f"测试{'甲乙丙丁戊己庚辛壬癸'[i]}") for i in range(8)]
    answers = await asyncio.gather(
        *(world.call(FIND, token, input={"certificateNumber": person.number}) for person, _ in people)
    )
    kinds = sorted(answer["__typename"] for answer in answers)
    assert kinds == ["GrantCandidateFound"] * 5 + ["RateLimited"] * 3, answers
    limited = await world.call(ADD, token, input={"certificateNumber": people[0][0].number})
    assert limited["__typename"] == "RateLimited"
    assert await DelegationCandidate.all().count() == 0
