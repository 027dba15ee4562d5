"""Staff operations (A2) and the audit query (A3). Every action takes the acting staff Principal and is audited."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.audit import AuditEvent
from uidp.models.person import Person
from uidp.models.service_item import ServiceItem
from uidp.runtime import Runtime
from uidp.services.auth.login_throttle import LoginThrottle
from uidp.services.auth.sessions import Sessions
from uidp.services.persons.activation import ActivationService, ImportReport
from uidp.services.shared.audit import Audit
from uidp.services.shared.pagination import Page, Window, encode_cursor, keyset_page
from uidp.services.shared.principal import ClientInfo, Principal

CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,63}")
MAX_CSV_CHARS = 2_000_000
MAX_PAGE = 100
PERSON_NOT_FOUND = "没有该用户"


def parse_person_id(raw: str) -> uuid.UUID:
    """A person id from input; malformed ids answer exactly like unknown ones."""
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, PERSON_NOT_FOUND, "personId") from None


class StaffOps:
    """Catalogue, account unlock, session ending and bulk import, on behalf of a staff member."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.audit = Audit(rt)

    # -- service-item catalogue -------------------------------------------------------------

    async def service_items(self, *, include_retired: bool = False) -> list[ServiceItem]:
        query = ServiceItem.all() if include_retired else ServiceItem.filter(active=True)
        return await query.order_by("code")

    async def upsert_service_item(
        self, actor: Principal, client: ClientInfo, *, code: str, name: str, delegable: bool
    ) -> ServiceItem:
        """Create or change an item by code; saving a retired item brings it back."""
        code = (code or "").strip().upper()
        if not CODE_RE.fullmatch(code):
            raise DomainError(ErrorCode.INVALID_FORMAT, "事项编码为 1-64 位大写字母、数字、点、横线或下划线", "code")
        name = " ".join((name or "").split())
        if not name or len(name) > 100:
            raise DomainError(ErrorCode.INVALID_FORMAT, "请填写 1-100 个字符的事项名称", "name")
        now = self.rt.clock.now()
        changes = {"name": name, "delegable": delegable, "active": True, "updated_at": now}
        created = False
        try:
            async with in_transaction():
                if not await ServiceItem.filter(code=code).update(**changes):
                    await ServiceItem.create(id=uuid.uuid4(), code=code, created_at=now, **changes)
                    created = True
        except IntegrityError:  # a concurrent create of the same code: it exists now, so change it
            await ServiceItem.filter(code=code).update(**changes)
            created = False
        item = await ServiceItem.get(code=code)
        await self.audit.record(
            "service_item.saved", actor=actor, client=client, code=code, created=created, delegable=delegable
        )
        return item

    async def retire_service_item(self, actor: Principal, client: ClientInfo, *, code: str) -> ServiceItem:
        """Take an item out of the catalogue (grants keep their history); NOT_FOUND for unknown codes."""
        code = (code or "").strip().upper()
        changed = await ServiceItem.filter(code=code, active=True).update(active=False, updated_at=self.rt.clock.now())
        item = await ServiceItem.get_or_none(code=code)
        if item is None:
            raise DomainError(ErrorCode.NOT_FOUND, "没有该服务事项", "code")
        if changed:
            await self.audit.record("service_item.retired", actor=actor, client=client, code=code)
        return item

    # -- persons -------------------------------------------------------------------------------

    async def _person(self, person_id: uuid.UUID) -> Person:
        person = await Person.get_or_none(id=person_id)
        if person is None:
            raise DomainError(ErrorCode.NOT_FOUND, PERSON_NOT_FOUND, "personId")
        return person

    async def unlock_account(self, actor: Principal, client: ClientInfo, person_id: uuid.UUID) -> None:
        """Clear a person's login lock and failure count (X7)."""
        person = await self._person(person_id)
        await LoginThrottle(self.rt).unlock(f"person:{person.id}")
        await self.audit.record("account.unlocked", actor=actor, subject=(SubjectKind.PERSON, person.id), client=client)

    async def end_person_sessions(self, actor: Principal, client: ClientInfo, person_id: uuid.UUID) -> int:
        """End every live session of a person; returns how many were ended."""
        person = await self._person(person_id)
        ended = await Sessions(self.rt).revoke_all(SubjectKind.PERSON, person.id, "staff")
        await self.audit.record(
            "sessions.ended_by_staff", actor=actor, subject=(SubjectKind.PERSON, person.id), client=client, count=ended
        )
        return ended

    async def import_persons(self, actor: Principal, client: ClientInfo, csv_text: str) -> ImportReport:
        """Pre-provision persons (P2) from CSV text; each bad row is reported and nothing of it kept."""
        if not (csv_text or "").strip():
            raise DomainError(ErrorCode.REQUIRED, "请提供 CSV 内容", "csv")
        if len(csv_text) > MAX_CSV_CHARS:
            raise DomainError(ErrorCode.INVALID_FORMAT, "CSV 内容过大，请分批导入", "csv")
        return await ActivationService(self.rt).import_csv(csv_text, actor=actor)


# -- A3 audit query -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    event_type: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def encode_audit_cursor(event: AuditEvent) -> str:
    return encode_cursor(event.at, event.id)


class AuditLog:
    """Reads the audit trail for staff: newest first, one SQL query per page (two when paging from a cursor)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def page(
        self,
        actor: Principal,
        where: AuditFilter,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Page[AuditEvent]:
        """A page of events (``first`` / ``last`` capped at 100; Relay arguments, see ``shared.pagination``)."""
        query = AuditEvent.all()
        if where.event_type:
            query = query.filter(event_type=where.event_type.strip())
        if where.subject_id:
            try:
                query = query.filter(subject_id=uuid.UUID(where.subject_id))
            except ValueError:
                raise DomainError(ErrorCode.INVALID_FORMAT, "对象编号格式不正确", "subjectId") from None
        if where.since and where.until and where.since > where.until:
            raise DomainError(ErrorCode.INVALID_FORMAT, "开始时间晚于结束时间", "from")
        if where.since:
            query = query.filter(at__gte=where.since)
        if where.until:
            query = query.filter(at__lt=where.until)
        page = await keyset_page(query, Window(first, after, last, before), at="at", newest_first=True)
        # Reading the trail is a staff action too; recorded after the read, so a page never shows itself.
        await Audit(self.rt).record(
            "audit.queried",
            actor=actor,
            filter_event_type=where.event_type,
            filter_subject_id=where.subject_id,
            paged=bool(after or before),
        )
        return page
