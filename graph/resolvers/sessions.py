"""What every login answers (the session cookie, LoginSuccess) and who a principal is (Viewer); used by
every area that logs someone in."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph.resolvers.common import ctx
from graph.schema.notice_types import AccountNotice
from graph.schema.types import EntityAccount, LoginSuccess, PersonAccount, StaffMember
from uidp.domain.accounts import SubjectKind
from uidp.http.auth import set_session_cookie
from uidp.models.entity import Entity
from uidp.models.person import Person
from uidp.models.staff import StaffAccount
from uidp.services.auth.login import LoginOutcome
from uidp.services.auth.sessions import principal_of, session_limits
from uidp.services.entities.entities import EntityViews
from uidp.services.persons.persons import PersonViews
from uidp.services.shared.notices import Notices
from uidp.services.shared.principal import Principal
from uidp.services.staff.staff import StaffService


async def viewer_of(info: Info, principal: Principal) -> PersonAccount | StaffMember | EntityAccount | None:
    """The Viewer of a principal, from the account row read with its session when there is one (no query)."""
    rt, account = ctx(info).rt, principal.account
    if principal.kind == SubjectKind.ENTITY:
        entity = (
            EntityViews(rt).view(account) if isinstance(account, Entity) else await EntityViews(rt).get(principal.id)
        )
        return EntityAccount.of(entity, acting=principal) if entity else None
    if principal.kind == SubjectKind.STAFF:
        staff = account if isinstance(account, StaffAccount) else await StaffService(rt).get(principal.id)
        if staff is None:
            return None
        return StaffMember(
            id=strawberry.ID(str(staff.id)),
            username=staff.username,
            display_name=staff.display_name,
            roles=list(staff.roles),
        )
    view = PersonViews(rt).view(account) if isinstance(account, Person) else await PersonViews(rt).get(principal.id)
    return PersonAccount.of(view) if view else None


async def _success(info: Info, outcome: LoginOutcome) -> LoginSuccess:
    c = ctx(info)
    session = outcome.issued.session
    _, lifetime = session_limits(c.rt.settings, outcome.subject_kind)
    set_session_cookie(c.response, c.rt.settings, outcome.issued.token, int(lifetime.total_seconds()))
    if outcome.person is not None:
        viewer: PersonAccount | StaffMember | EntityAccount | None = PersonAccount.of(
            PersonViews(c.rt).view(outcome.person)
        )
    else:
        viewer = await viewer_of(info, principal_of(session))
    pending = await Notices(c.rt).pending(outcome.subject_kind, outcome.subject_id)
    return LoginSuccess(
        token=outcome.issued.token,
        expires_at=session.expires_at,
        viewer=viewer,
        notices=[AccountNotice.of(notice) for notice in pending],
    )
