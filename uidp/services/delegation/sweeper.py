"""The grant sweeper (E9): expire grants at their end time (with the cascade) and remind grantees before it.

A grant past its end opens nothing even before the sweep (the domain reads the period at every use); the sweep
writes the end down, ends what rests on it, and tells the grantee beforehand. A reminder is claimed with one
conditional update (``reminded_at`` was null) before its SMS goes out, so two sweepers never send it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from uidp.domain.delegation import EndReason, GrantState
from uidp.domain.working_days import SHANGHAI
from uidp.models.entity import Entity
from uidp.models.grant import Grant
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.delegation.cascade import Cascade
from uidp.services.entities.entities import mask_entity_name
from uidp.services.entities.entity_records import open_entity
from uidp.services.shared.audit import Audit
from uidp.services.shared.notify import notify_by_sms
from uidp.services.shared.pii import Pii

BATCH = 500  # grants per kind and sweep; the next sweep takes the rest


@dataclass(frozen=True)
class SweepReport:
    expired: int  # grants that reached their end time
    ended_below: int  # grants below them that the cascade ended
    sessions_ended: int
    reminded: int

    def line(self) -> str:
        return (
            f"expired {self.expired} grants ({self.ended_below} below them ended, "
            f"{self.sessions_ended} proxy sessions ended), sent {self.reminded} expiry reminders"
        )


class GrantSweeper:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)

    async def sweep(self) -> SweepReport:
        """One pass: expire, then remind. Idempotent; safe beside another sweeper."""
        now = self.rt.clock.now()
        due = await Grant.filter(state=GrantState.ACTIVE, ends_at__lte=now).order_by("depth", "ends_at").limit(BATCH)
        ended = await Cascade(self.rt).end([(grant, EndReason.EXPIRED) for grant in due], actor=None)
        expired = sum(1 for reason in ended.grants.values() if reason == EndReason.EXPIRED)
        if ended.grants:
            await Audit(self.rt).record(
                "delegation.grants_expired",
                grants_expired=expired,
                grants_ended=len(ended.grants) - expired,
                sessions_ended=ended.sessions,
            )
        reminded = await self._remind()
        return SweepReport(expired, len(ended.grants) - expired, ended.sessions, reminded)

    async def _remind(self) -> int:
        now = self.rt.clock.now()
        horizon = now + timedelta(hours=self.rt.settings.grant_reminder_hours)
        soon = await Grant.filter(
            state=GrantState.ACTIVE, reminded_at__isnull=True, ends_at__gt=now, ends_at__lte=horizon
        ).limit(BATCH)
        sent = 0
        for grant in soon:
            claimed = await Grant.filter(id=grant.id, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue  # another sweeper has it
            person = await Person.get_or_none(id=grant.grantee_id)
            if person is None or person.phone_enc is None:
                continue
            entity = await Entity.get_or_none(id=grant.entity_id)
            name = mask_entity_name(open_entity(self.pii, entity).name) if entity else "该单位"
            local = grant.ends_at.astimezone(SHANGHAI)
            text = f"您获得的{name}授权将于{local:%Y-%m-%d %H:%M}到期，如需继续办理请联系授权单位续期。"
            phone = self.pii.open("person.phone", person.id, person.phone_enc)
            if await notify_by_sms(self.rt, phone, text, purpose="grant_expiry_reminder"):
                sent += 1
        if sent:
            await Audit(self.rt).record("delegation.grant_reminders_sent", reminders=sent)
        return sent
