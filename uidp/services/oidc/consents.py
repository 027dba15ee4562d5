"""Consent (C3): what a person (or an entity) agreed that a connected system may receive, remembered per
subject and client, listed and revocable in the user space.

A consent covers a request when it is live and holds every scope and claim the request asks for; approving a
request that asks for more records the union, so that consenting to a narrower request later never takes back
what was given. Revoking a consent also revokes, in the same transaction, every authorization (token family)
the client holds for that subject: the token checks read ``OidcAuthorization.revoked_at``, so the client's
tokens stop working at once on every worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.oidc import OidcAuthorization, OidcClient, OidcConsent
from uidp.models.session import Session
from uidp.runtime import Runtime
from uidp.services.oidc.requests import scope_labels
from uidp.services.shared.audit import Audit
from uidp.services.shared.pagination import Page, Window, keyset_page
from uidp.services.shared.principal import ClientInfo, Principal

REVOKED_REASON = "consent_revoked"
# The scopes that release something for each kind of session (uidp.services.oidc.claims releases the claims):
# a person's own data, an entity's, and for a proxy session the grant the agent acts under.
PERSON_SCOPES = frozenset({"openid", "profile", "id_card", "phone", "level"})
ENTITY_SCOPES = frozenset({"openid", "entity", "level"})
PROXY_SCOPES = ENTITY_SCOPES | {"delegation"}


def receivable_labels(scopes: Sequence[str], session: Session) -> list[str]:
    """What the consent page lists for this session: the labels of the asked scopes that release something for
    its kind (a person's name means nothing to an entity's session)."""
    if session.subject_kind != SubjectKind.ENTITY:
        kept = PERSON_SCOPES
    else:
        kept = PROXY_SCOPES if session.actor_role == ActorRole.AGENT else ENTITY_SCOPES
    return scope_labels([scope for scope in scopes if scope in kept], [])


@dataclass(frozen=True)
class ConsentView:
    """One live consent as the user space lists it."""

    id: uuid.UUID
    client_name: str
    client_id: str  # the connected system's public client_id
    scopes: list[str]
    claims: list[str]
    labels: list[str]  # what the system receives, in Chinese (uidp.domain.oidc.SCOPES)
    granted_at: datetime
    updated_at: datetime


class Consents:
    """Remember, check, list and revoke consents."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)

    async def covers(
        self, subject: tuple[str, uuid.UUID], client: OidcClient, scopes: Sequence[str], claims: Sequence[str]
    ) -> bool:
        """Whether a live consent of ``subject`` for ``client`` holds every scope and claim asked for."""
        kind, subject_id = subject
        consent = await OidcConsent.get_or_none(
            subject_kind=kind, subject_id=subject_id, client_id=client.id, revoked_at__isnull=True
        )
        if consent is None:
            return False
        return set(scopes) <= set(consent.scopes or []) and set(claims) <= set(consent.claims or [])

    async def grant(
        self,
        subject: tuple[str, uuid.UUID],
        client: OidcClient,
        scopes: Sequence[str],
        claims: Sequence[str],
        *,
        actor: Principal | None,
        client_info: ClientInfo,
    ) -> OidcConsent:
        """Record that ``subject`` agreed to ``scopes`` and ``claims`` for ``client`` (added to a live consent;
        a revoked one starts afresh). Audited. Two concurrent approvals leave one row."""
        kind, subject_id = subject
        now = self.rt.clock.now()
        for attempt in range(2):
            try:
                async with in_transaction():
                    consent = (
                        await OidcConsent.filter(subject_id=subject_id, client_id=client.id).select_for_update().first()
                    )
                    if consent is None:
                        consent = await OidcConsent.create(
                            id=uuid.uuid4(),
                            subject_kind=kind,
                            subject_id=subject_id,
                            client_id=client.id,
                            scopes=list(dict.fromkeys(scopes)),
                            claims=list(dict.fromkeys(claims)),
                            granted_at=now,
                            updated_at=now,
                        )
                    else:
                        live = consent.revoked_at is None
                        consent.scopes = list(dict.fromkeys([*(consent.scopes if live else []), *scopes]))
                        consent.claims = list(dict.fromkeys([*(consent.claims if live else []), *claims]))
                        consent.granted_at = consent.granted_at if live else now
                        consent.updated_at = now
                        consent.revoked_at = None
                        await consent.save()
                    await self.audit.record(
                        "oidc.consent_granted",
                        actor=actor,
                        subject=subject,
                        client=client_info,
                        client_id=client.client_id,
                        scopes=list(scopes),
                        claims=list(claims),
                    )
                return consent
            except IntegrityError:
                if attempt:  # the other approval won twice: nothing left to race for
                    raise
        raise AssertionError("unreachable")

    async def page(self, principal: Principal, window: Window) -> tuple[list[ConsentView], Page[OidcConsent]]:
        """The caller's live consents, newest first, with each system's name."""
        query = OidcConsent.filter(subject_kind=principal.kind, subject_id=principal.id, revoked_at__isnull=True)
        page = await keyset_page(query, window, at="granted_at", newest_first=True)
        clients = {c.id: c for c in await OidcClient.filter(id__in=[row.client_id for row in page.rows])}
        views = [
            ConsentView(
                id=row.id,
                client_name=clients[row.client_id].name if row.client_id in clients else "",
                client_id=clients[row.client_id].client_id if row.client_id in clients else "",
                scopes=list(row.scopes or []),
                claims=list(row.claims or []),
                labels=scope_labels(row.scopes or [], row.claims or []),
                granted_at=row.granted_at,
                updated_at=row.updated_at,
            )
            for row in page.rows
        ]
        return views, page

    async def revoke(self, principal: Principal, consent_id: str, client_info: ClientInfo) -> int:
        """Revoke one of the caller's consents and every authorization the client holds for the caller; the
        number of authorizations revoked. NOT_FOUND (``consentId``) for anything not the caller's live consent."""
        try:
            wanted = uuid.UUID(consent_id)
        except (ValueError, AttributeError, TypeError):
            raise DomainError(ErrorCode.NOT_FOUND, "未找到该授权记录", "consentId") from None
        now = self.rt.clock.now()
        async with in_transaction():
            consent = (
                await OidcConsent.filter(
                    id=wanted, subject_kind=principal.kind, subject_id=principal.id, revoked_at__isnull=True
                )
                .select_for_update()
                .first()
            )
            if consent is None:
                raise DomainError(ErrorCode.NOT_FOUND, "未找到该授权记录", "consentId")
            consent.revoked_at = now
            consent.updated_at = now
            await consent.save(update_fields=["revoked_at", "updated_at"])
            revoked = await OidcAuthorization.filter(
                subject_kind=principal.kind,
                subject_id=principal.id,
                client_id=consent.client_id,
                revoked_at__isnull=True,
            ).update(revoked_at=now, revoked_reason=REVOKED_REASON)
            client = await OidcClient.get_or_none(id=consent.client_id)
            await self.audit.record(
                "oidc.consent_revoked",
                actor=principal,
                subject=(principal.kind, principal.id),
                client=client_info,
                client_id=client.client_id if client else str(consent.client_id),
                authorizations_revoked=revoked,
            )
        return revoked
