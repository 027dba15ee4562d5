"""E9 applications through HTTP: a person applies; the entity or an allowed grantor approves or rejects."""

from __future__ import annotations

import asyncio

import pytest

from tests.graph.delegation_api import APPLY, APPROVE, CREDIT_CODE, REJECT, Delegation
from uidp.domain.credit_code import make_credit_code
from uidp.models.candidate import DelegationCandidate
from uidp.models.grant import Grant
from uidp.models.grant_application import GrantApplication
from uidp.services.delegation import applications
from uidp.services.shared.sandbox import sandbox_messages

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world(api, rt):
    world = Delegation(api, rt)
    await world.items("tax", "social")
    await world.items("secret", delegable=False)
    return world


async def apply(world, token, *, scope=("tax",), days=10, reason="代办年度报税", code=CREDIT_CODE):
    return await world.call(
        APPLY,
        token,
        input={"creditCode": code, "scope": list(scope), "period": {"endsAt": world.later(days)}, "reason": reason},
    )


async def test_apply_approve_and_the_applicant_is_told(world, rt):
    entity, token = await world.entity()
    applicant, applicant_token = await world.person("陈一")
    submitted = await apply(world, applicant_token)
    assert submitted["__typename"] == "GrantApplicationSubmitted", submitted
    application = submitted["application"]
    assert (application["status"], application["applicant"]["maskedName"]) == ("PENDING", "陈*")
    again = await apply(world, applicant_token)
    assert (again["code"], again["field"]) == ("ALREADY_EXISTS", "creditCode")
    decided = await world.call(APPROVE, token, input={"applicationId": application["id"]})
    assert decided["__typename"] == "GrantApplicationDecided", decided
    assert decided["application"]["status"] == "APPROVED"
    grant = decided["grant"]
    assert (grant["grantee"]["id"], grant["scope"], grant["depth"]) == (str(applicant.id), ["tax"], 1)
    assert decided["application"]["grantId"] == grant["id"]
    assert await DelegationCandidate.filter(entity_id=entity.id, person_id=applicant.id).exists()
    (sms,) = sandbox_messages(rt, phone=applicant.phone)
    assert "授权申请已通过" in sms["text"] and "湖北" in sms["text"]
    twice = await world.call(REJECT, token, input={"applicationId": application["id"], "reason": "重复"})
    assert (twice["code"], twice["field"]) == ("CASE_ALREADY_DECIDED", "applicationId")
    assert await Grant.all().count() == 1


async def test_reject_needs_a_reason_and_sends_it(world, rt):
    _, token = await world.entity()
    applicant, applicant_token = await world.person("陈一")
    application = (await apply(world, applicant_token))["application"]
    empty = await world.call(REJECT, token, input={"applicationId": application["id"], "reason": "  "})
    assert (empty["code"], empty["field"]) == ("REQUIRED", "reason")
    rejected = await world.call(REJECT, token, input={"applicationId": application["id"], "reason": "非本单位员工"})
    assert rejected["application"]["status"] == "REJECTED"
    assert rejected["application"]["decisionReason"] == "非本单位员工"
    (sms,) = sandbox_messages(rt, phone=applicant.phone)
    assert "未通过" in sms["text"] and "非本单位员工" in sms["text"]
    assert await Grant.all().count() == 0
    # once decided, a new application may be made
    assert (await apply(world, applicant_token))["__typename"] == "GrantApplicationSubmitted"


async def test_bad_applications_are_refused_and_nothing_stored(world):
    await world.entity()
    _, basic_token = await world.person("低级", level=1)
    _, token = await world.person("陈一")
    cases = [
        (basic_token, {}, "GRANTEE_LEVEL_TOO_LOW", None),
        (token, {"code": "91420100MA4KYYYY5J"}, "NOT_FOUND", "creditCode"),
        (token, {"code": "91420100MA4KYYYY5X"}, "INVALID_CREDIT_CODE", "creditCode"),
        (token, {"scope": ("secret",)}, "ITEM_NOT_DELEGABLE", "scope"),
        (token, {"days": -1}, "PERIOD_IN_PAST", "period.endsAt"),
        (token, {"reason": ""}, "REQUIRED", "reason"),
    ]
    for who, overrides, code, field in cases:
        answer = await apply(world, who, **overrides)
        assert (answer.get("code"), answer.get("field")) == (code, field), (overrides, answer)
    assert await GrantApplication.all().count() == 0


async def test_who_may_decide(world):
    """Who could approve an application without acting for the entity: the applicant, a stranger, another
    entity, a grantee who may not grant onward. All fail; a grantee who may grant onward approves under their
    grant (the applicant must be a candidate unless that grant also manages candidates)."""
    _, token = await world.entity()
    _, other_token = await world.entity("91420100MA4KYYYY5J")
    applicant, applicant_token = await world.person("陈一")
    plain, plain_token = await world.person("钱二")
    onward, onward_token = await world.person("孙三")
    plain_grant = await world.granted(token, await world.candidate(token, plain), ["tax"])
    onward_grant = await world.granted(
        token, await world.candidate(token, onward), ["tax"], days=20, mayGrantOnward=True
    )
    application = (await apply(world, applicant_token))["application"]
    for who, under in (
        (applicant_token, None),
        (applicant_token, onward_grant["id"]),
        (other_token, None),
        (plain_token, plain_grant["id"]),
    ):
        answer = await world.call(APPROVE, who, input={"applicationId": application["id"], "underGrant": under})
        assert answer["code"] in {"NO_ACTIVE_GRANT", "NOT_FOUND"}, answer
        answer = await world.call(
            REJECT, who, input={"applicationId": application["id"], "underGrant": under, "reason": "x"}
        )
        assert answer["code"] in {"NO_ACTIVE_GRANT", "NOT_FOUND"}, answer
    assert await Grant.all().count() == 2
    not_listed = await world.call(
        APPROVE, onward_token, input={"applicationId": application["id"], "underGrant": onward_grant["id"]}
    )
    assert (not_listed["code"], not_listed["field"]) == ("NOT_A_CANDIDATE", "applicationId")
    await world.candidate(token, applicant)
    decided = await world.call(
        APPROVE, onward_token, input={"applicationId": application["id"], "underGrant": onward_grant["id"]}
    )
    assert decided["grant"]["depth"] == 2 and await world.parent_of(decided["grant"]) == onward_grant["id"]


async def test_two_concurrent_approvals_make_exactly_one_grant(world):
    _, token = await world.entity()
    _, applicant_token = await world.person("陈一")
    application = (await apply(world, applicant_token))["application"]
    answers = await asyncio.gather(
        *(world.call(APPROVE, token, input={"applicationId": application["id"]}) for _ in range(4))
    )
    kinds = sorted(answer["__typename"] for answer in answers)
    assert kinds == ["FieldError"] * 3 + ["GrantApplicationDecided"], answers
    assert {a["code"] for a in answers if a["__typename"] == "FieldError"} == {"CASE_ALREADY_DECIDED"}
    assert await Grant.filter(application_id=application["id"]).count() == 1


async def test_applications_per_person_are_counted_before_they_are_stored(world, monkeypatch):
    monkeypatch.setattr(applications, "APPLICATIONS_PER_DAY", 3)
    codes = [
        make_credit_code("91", "420100", base) for base in ("MA4KXXXX", "MA4KYYYY", "MA4KAAAA", "MA4KBBBB", "MA4KCCCC")
    ]
    for code in codes:
        await world.entity(code)
    _, token = await world.person("陈一")
    answers = await asyncio.gather(*(apply(world, token, code=code) for code in codes))
    kinds = sorted(answer["__typename"] for answer in answers)
    assert kinds == ["GrantApplicationSubmitted"] * 3 + ["RateLimited"] * 2, answers
    assert await GrantApplication.all().count() == 3


async def test_an_approval_under_a_grant_keeps_the_grantors_rules(world):
    _, token = await world.entity()
    onward, onward_token = await world.person("孙三")
    onward_grant = await world.granted(
        token, await world.candidate(token, onward), ["tax"], days=20, mayGrantOnward=True
    )
    applicant, applicant_token = await world.person("陈一")
    await world.candidate(token, applicant)
    wide = (await apply(world, applicant_token, scope=("tax", "social")))["application"]
    answer = await world.call(
        APPROVE, onward_token, input={"applicationId": wide["id"], "underGrant": onward_grant["id"]}
    )
    assert (answer["code"], answer["field"]) == ("SCOPE_BEYOND_GRANTOR", "applicationId")
    assert (await GrantApplication.get(id=wide["id"])).status == "PENDING"  # nothing half-done is kept
    assert await Grant.all().count() == 1
