"""The consent and step-up pages through HTTP: 同意 gives the code, 拒绝 gives access_denied (state and iss
either way), only from our own page in this browser (CSRF), a proxy session shown as the entity and its agent
and asked every time, an entity's own session, and the step-up page of a system that needs a higher level."""

from __future__ import annotations

import pytest

from tests.graph.proxy_support import AGENT_PHONE, Delegation
from tests.http.oidc.flow_support import (
    SAME,
    authorize_url,
    consent,
    landed,
    log_in,
    pending_of,
    person,
    query_of,
    request_params,
    to_consent_page,
    token_of,
)
from tests.services.oidc.rp import Rp
from uidp.events import EventType
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcConsent
from uidp.models.person import Person
from uidp.services.oidc.codes import AuthorizationCodes

pytestmark = pytest.mark.anyio


async def codes_issued() -> int:
    return await AuditEvent.filter(event_type=EventType.OIDC_CODE_ISSUED).count()


async def test_deny_sends_access_denied_and_remembers_nothing(client, rt):
    rp = await Rp.basic(rt)
    await person(rt)
    page = await to_consent_page(client, authorize_url(rp, **request_params()))
    values = landed(await consent(client, page, "deny"))
    assert values == {"error": "access_denied", "error_description": "the user declined", "state": "st-http",
                      "iss": rt.settings.oidc_issuer}  # fmt: skip
    assert await OidcConsent.all().count() == 0 and await codes_issued() == 0
    assert await AuditEvent.filter(event_type=EventType.OIDC_CONSENT_DENIED).count() == 1
    again = await consent(client, page, "approve")  # the request ended with the refusal
    assert again.status_code == 400 and "location" not in again.headers


async def test_approve_records_the_consent_and_a_double_submit_issues_one_code(client, rt):
    rp = await Rp.basic(rt)
    await person(rt)
    page = await to_consent_page(client, authorize_url(rp, **request_params()))
    first = await consent(client, page, "approve")
    second = await consent(client, page, "approve")
    assert "code" in landed(first) and first.status_code == 303
    assert second.status_code == 400 and "location" not in second.headers
    assert await codes_issued() == 1
    remembered = await OidcConsent.get(client_id=rp.row.id)
    assert set(remembered.scopes) == {"openid", "profile", "phone"}


async def test_the_form_must_come_from_our_page_in_this_browser(client, rt):
    rp = await Rp.basic(rt)
    await person(rt)
    page = await to_consent_page(client, authorize_url(rp, **request_params()))
    pending, token = pending_of(page.text), token_of(page.text)
    form = {"csrf_token": token, "pending": pending, "decision": "approve"}
    for headers, data in (
        ({"sec-fetch-site": "cross-site"}, form),
        ({"origin": "https://evil.example"}, form),
        (SAME, {**form, "csrf_token": "x" * 43}),
        (SAME, {"pending": pending, "decision": "approve"}),
    ):
        answer = await client.post("/oidc/consent", data=data, headers=headers)
        assert answer.status_code == 403 and "location" not in answer.headers
    for data in ({**form, "decision": "maybe"}, {"csrf_token": token, "decision": "approve"}):
        answer = await client.post("/oidc/consent", data=data, headers=SAME)
        assert answer.status_code == 400 and "location" not in answer.headers
    assert await codes_issued() == 0 and await OidcConsent.all().count() == 0
    assert "code" in landed(await consent(client, page, "approve"))  # the page still works


async def test_a_session_ended_before_the_answer_logs_in_again(client, rt):
    rp = await Rp.basic(rt)
    await person(rt)
    page = await to_consent_page(client, authorize_url(rp, **request_params()))
    await rt_logout(client)
    answer = await consent(client, page, "approve")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?return_to=")
    assert await codes_issued() == 0


async def rt_logout(client) -> None:
    answer = await client.post("/graphql", json={"query": "mutation { logout { __typename } }"})
    assert answer.status_code == 200, answer.text


async def test_a_proxy_session_shows_the_entity_and_the_agent_every_time(client, rt):
    rp = await Rp.basic(rt)
    world = await Delegation.build(rt)
    start = await client.get(authorize_url(rp, **request_params(scope="openid entity delegation")))
    return_to = query_of(start.headers["location"])["return_to"]
    await log_in(client, return_to, method="agent", creditCode=world.credit_code, identifier=AGENT_PHONE,
                 password=world.agent_password)  # fmt: skip
    page = await client.get(return_to)
    assert page.status_code == 200
    assert "代理人 <strong>赵**</strong>" in page.text and "湖北楚天测试科技有限公司" in page.text
    assert "<li>您代理法人办事的授权范围和期限</li>" in page.text and "代理登录时每次都需要确认" in page.text
    code = landed(await consent(client, page, "approve"))["code"]
    grant = await AuthorizationCodes(rt).take(code)
    assert grant is not None and grant.actor_id == str(world.agent.id) and grant.subject_id == str(world.entity.id)
    again = await client.get(authorize_url(rp, **request_params(scope="openid entity")))
    assert again.status_code == 200 and "授权确认" in again.text  # never remembered for the agent
    assert await OidcConsent.all().count() == 0


async def test_an_entity_session_consents_for_the_entity(client, rt):
    rp = await Rp.basic(rt)
    world = await Delegation.build(rt)
    start = await client.get(authorize_url(rp, **request_params(scope="openid entity")))
    return_to = query_of(start.headers["location"])["return_to"]
    await log_in(client, return_to, method="entity", creditCode=world.credit_code, password=world.entity_password)
    page = await client.get(return_to)
    assert "以法人 <strong>湖北楚天测试科技有限公司</strong> 的身份" in page.text
    assert "<li>法人的名称和统一社会信用代码</li>" in page.text and "姓名" not in page.text
    assert "code" in landed(await consent(client, page, "approve"))


async def test_the_step_up_page_for_a_system_that_needs_a_higher_level(client, rt):
    rp = await Rp.basic(rt, min_level=2)
    someone = await person(rt)
    page = await to_consent_page(client, authorize_url(rp, **request_params()))
    assert page.status_code == 200 and "需要提升认证等级" in page.text
    assert "<strong>中级认证</strong>" in page.text and "<strong>初级认证</strong>" in page.text
    assert "银行卡四要素核验" in page.text and "我已完成，继续" in page.text
    assert "form-action 'self' https://rp.example.gov.cn" in page.headers["content-security-policy"]
    continue_href = page.text.split('href="', 2)[2].split('"', 1)[0].replace("&amp;", "&")
    assert continue_href.startswith("/oidc/authorize?pending=")
    assert "需要提升认证等级" in (await client.get(continue_href)).text  # not yet
    await Person.filter(id=someone.id).update(level=2)  # a bank card verified meanwhile
    consent_page = await client.get(continue_href)
    assert "授权确认" in consent_page.text
    assert "code" in landed(await consent(client, consent_page, "approve"))

    high = await client.get(authorize_url(rp, **request_params(acr_values="urn:uidp:level:3")))
    assert "绑定数字证书" in high.text and "<strong>高级认证</strong>" in high.text
    declined = landed(await consent(client, high, "deny"))  # 返回业务系统
    assert declined["error"] == "access_denied" and "code" not in declined
    silent = landed(await client.get(authorize_url(rp, **request_params(acr_values="urn:uidp:level:3",
                                                                         prompt="none"))))  # fmt: skip
    assert silent["error"] == "unmet_authentication_requirements"
