"""E3 proxy login (代理登录, manual §2.3.2, FAQ 3.3): credit code + the agent's phone or ID number + the agent's
own password opens a session of the entity, acted in by the agent under one active grant.

The agent's password is proven by the password form itself (``LoginService.prove_password``, realm person), so
the attempt is counted on the agent's account before the password is checked and the agent's lockout and
captcha rules apply unchanged; a wrong password, an unknown identifier and a locked agent answer exactly as
``loginWithPassword`` does. Only after the password is right does the grant tell its state (expired, cancelled,
not yet started, out of scope, none): the agent owns the account and may know what it was granted. The entity
must be able to log in itself (the pipeline's status rule). The session is the entity's, with
``actor_id`` = the agent, ``actor_role`` = ``agent`` and ``grant_id`` = the grant (``Sessions.issue``), and
``login.succeeded`` names both. The grant is checked again at every use (``grant_use.held_facts``).
"""

from __future__ import annotations

from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_credit_code
from uidp.runtime import Runtime
from uidp.services.auth.bindings import AccountRef
from uidp.services.auth.grant_use import choose_grant
from uidp.services.auth.login import LoginService
from uidp.services.auth.pipeline import LoginOutcome
from uidp.services.auth.sessions import SessionActor
from uidp.services.entities.entities import EntityLookup
from uidp.services.shared.principal import ClientInfo

METHOD_ID = "agent"  # Session.login_method and the audit's method of a proxy login
MAX_SERVICE_ITEM = 64  # ServiceItem.code


class ProxyLogin:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.login = LoginService(rt)

    async def login_as_agent(
        self,
        credit_code: str,
        identifier: str,
        password: str,
        client: ClientInfo,
        *,
        service_item: str | None = None,
        captcha_id: str | None = None,
        captcha_answer: str | None = None,
    ) -> LoginOutcome:
        """Open the entity's proxy session for the agent; typed refusals for every grant state but active."""
        code = normalize_credit_code(credit_code)  # the edge: format and check characters before any lookup
        item = (service_item or "").strip() or None
        if item is not None and len(item) > MAX_SERVICE_ITEM:
            raise DomainError(ErrorCode.INPUT_TOO_LONG, "服务事项编码过长", "serviceItem")
        proof = await self.login.prove_password(
            identifier, password, client, captcha_id=captcha_id, captcha_answer=captcha_answer
        )
        pipeline = self.login.pipeline
        agent = proof.account
        entity = await EntityLookup(self.rt).by_credit_code(code)
        try:
            grant = await choose_grant(self.rt, entity.id if entity else None, agent.id, item)
        except DomainError as refusal:
            await self.login.throttle.succeeded(proof.attempt)  # the password was right: not a guess
            await pipeline.audit.record(
                "login.refused",
                outcome="failure",
                subject=(SubjectKind.ENTITY, entity.id) if entity else None,
                client=client,
                method=METHOD_ID,
                reason=f"grant_{refusal.code.lower()}",
                agent_id=str(agent.id),
                credit_code=mask_credit_code(code),
            )
            raise
        assert entity is not None
        account = AccountRef(SubjectKind.ENTITY, entity.id)
        row = await pipeline.admit(account, client, method_id=METHOD_ID, attempt=proof.attempt, row=entity)
        actor = SessionActor(agent.id, ActorRole.AGENT, grant.id)
        return await pipeline.open_session(account, METHOD_ID, client, attempt=proof.attempt, row=row, actor=actor)
