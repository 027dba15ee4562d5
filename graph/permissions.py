"""Who may call each staff root field: the roles (any of them) and the API-token scope, in one table.

Every staff field calls :func:`require_staff`. A session acts with all of its roles' rights; an API token
(``uidp_pat_...``) also needs the field's scope. Add one line to ``STAFF_FIELDS`` per new staff field.
"""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.types import Info

from uidp.domain.accounts import StaffRole, SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.services.shared.principal import Principal

REVIEWER, OPERATOR, ADMINISTRATOR = StaffRole.REVIEWER, StaffRole.OPERATOR, StaffRole.ADMINISTRATOR
REVIEWERS = (REVIEWER, ADMINISTRATOR)
OPERATORS = (OPERATOR, ADMINISTRATOR)
ADMINISTRATORS = (ADMINISTRATOR,)
ANY_STAFF = (REVIEWER, OPERATOR, ADMINISTRATOR)


@dataclass(frozen=True)
class StaffAccess:
    roles: tuple[str, ...]
    scope: str
    sessions_only: bool = False  # refused to API tokens whatever their scopes


# GraphQL root field name -> access. Scopes are those of uidp.services.auth.api_tokens.SCOPES.
STAFF_FIELDS: dict[str, StaffAccess] = {
    # A1 review queue
    "reviewQueue": StaffAccess(REVIEWERS, "review"),
    "reviewCase": StaffAccess(REVIEWERS, "review"),
    "decideReviewCase": StaffAccess(REVIEWERS, "review"),
    # A2 persons
    "importPersons": StaffAccess(OPERATORS, "persons"),
    "unlockAccount": StaffAccess(OPERATORS, "persons"),
    "endPersonSessions": StaffAccess(OPERATORS, "sessions"),
    # A2 catalogue
    "upsertServiceItem": StaffAccess(OPERATORS, "catalogue"),
    "retireServiceItem": StaffAccess(OPERATORS, "catalogue"),
    # A2 staff and tokens
    "createStaff": StaffAccess(ADMINISTRATORS, "staff"),
    "issueStaffSetupCode": StaffAccess(ADMINISTRATORS, "staff"),
    # every staff member mints tokens for themselves, from a session only (a token cannot mint its successor)
    "createApiToken": StaffAccess(ANY_STAFF, "staff", sessions_only=True),
    "revokeApiToken": StaffAccess(ANY_STAFF, "staff"),
    "apiTokens": StaffAccess(ANY_STAFF, "staff"),
    # A3
    "auditEvents": StaffAccess(ADMINISTRATORS, "audit"),
    # issue 11: connected systems ask whether a named person may act for an entity (persons and entities
    # ask for themselves without staff rights)
    "checkAuthorisation": StaffAccess(OPERATORS, "authorisation"),
    # issue 12: connected systems (the OpenID provider's clients)
    "connectedSystems": StaffAccess(ADMINISTRATORS, "connected_systems"),
    "connectedSystem": StaffAccess(ADMINISTRATORS, "connected_systems"),
    "registerConnectedSystem": StaffAccess(ADMINISTRATORS, "connected_systems"),
    "updateConnectedSystem": StaffAccess(ADMINISTRATORS, "connected_systems"),
    "disableConnectedSystem": StaffAccess(ADMINISTRATORS, "connected_systems"),
    "enableConnectedSystem": StaffAccess(ADMINISTRATORS, "connected_systems"),
    "rotateConnectedSystemSecret": StaffAccess(ADMINISTRATORS, "connected_systems"),
    # dev profile only: the sandbox SMS outbox and captcha answers
    "sandboxOutbox": StaffAccess(ANY_STAFF, "sandbox"),
    "sandboxCaptchaAnswer": StaffAccess(ANY_STAFF, "sandbox"),
}


# Root fields that need a session and that a proxy session (E3, an agent acting for an entity under a grant)
# may call; it is refused every other such field with AGENT_FORBIDDEN (deny by default, decision 201), so a
# field added later is closed to agents until it is listed here. Public fields do not ask for a session.
AGENT_FIELDS: frozenset[str] = frozenset(
    {
        "logout",  # the agent ends their own proxy session
        # delegation (E9): a proxy session acts with exactly its grant's rights (uidp.services.delegation.acting,
        # decision 183): onward grants inside it, candidates only if it allows, never the entity's own grants
        "delegationCandidates",
        "grant",
        "findGrantCandidate",
        "addGrantCandidate",
        "removeGrantCandidate",
        "createGrant",
        "changeGrant",
        "revokeGrant",
        "approveGrantApplication",
        "rejectGrantApplication",
        "checkAuthorisation",  # may this session act for the entity on a service item now (its grant's scope)
    }
)


def access_for(field_name: str) -> StaffAccess:
    try:
        return STAFF_FIELDS[field_name]
    except KeyError:
        raise LookupError(f"staff field {field_name!r} has no entry in graph.permissions.STAFF_FIELDS") from None


async def require_staff(info: Info, role_any: tuple[str, ...] | None = None, scope: str | None = None) -> Principal:
    """The calling staff member, or a DomainError: NOT_AUTHENTICATED, FORBIDDEN (not staff, or no role),
    TOKEN_SCOPE (an API token without the field's scope), API_TOKEN_NOT_A_SESSION (an API token on a
    ``sessions_only`` field) or TOKEN_EXPIRED.

    ``role_any`` and ``scope`` default to the field's entry in ``STAFF_FIELDS``.
    """
    sessions_only = False
    if role_any is None or scope is None:
        access = access_for(info.field_name)
        role_any = role_any or access.roles
        scope = scope or access.scope
        sessions_only = access.sessions_only
    principal = await info.context.principal()
    if principal is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "请先登录")
    if principal.kind != SubjectKind.STAFF or not set(role_any) & set(principal.roles):
        raise DomainError(ErrorCode.FORBIDDEN, "无权执行此操作")
    if sessions_only and principal.via_token:
        raise DomainError(ErrorCode.API_TOKEN_NOT_A_SESSION, "此操作需要登录会话，API 令牌不能执行")
    if principal.scopes is not None and scope not in principal.scopes:
        raise DomainError(ErrorCode.TOKEN_SCOPE, f"API 令牌没有“{scope}”权限范围")
    return principal
