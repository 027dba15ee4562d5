"""Retention: what is deleted once it is no longer needed, and after how long (docs/operations.md, "Retention").

Each chore is one conditional delete of rows past their time, so several workers or a cron ``uidp sweep``
running at once delete each row once and never a live one. The audit log is kept ``UIDP_AUDIT_RETENTION_DAYS``
(3 years by default; the cybersecurity law asks for at least 6 months of logs, which the settings check
enforces); ended sessions and expired enrolment codes ``UIDP_SESSION_RETENTION_DAYS`` after they ended;
delivered and given-up OpenID outbox rows ``UIDP_OIDC_DELIVERY_RETENTION_DAYS`` after they finished; OpenID
authorizations with their tokens, and revoked consents, ``UIDP_SESSION_RETENTION_DAYS`` after they stopped
counting (an authorization revoked with its logout staged, or expired past the back-channel look-back).
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization, OidcConsent, OidcToken
from uidp.models.oidc_delivery import OidcDelivery
from uidp.models.session import Session
from uidp.models.staff import StaffEnrolment
from uidp.runtime import Runtime
from uidp.services.oidc.backchannel import LOOK_BACK
from uidp.services.shared.audit import Audit

BATCH = 1000


class Retention:
    """The retention chores; each returns how many rows it deleted."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def purge_audit_events(self) -> int:
        """Delete audit events older than ``UIDP_AUDIT_RETENTION_DAYS``."""
        cutoff = self.rt.clock.now() - timedelta(days=self.rt.settings.audit_retention_days)
        deleted = await AuditEvent.filter(at__lt=cutoff).delete()
        if deleted:
            await Audit(self.rt).record("audit.purged", count=deleted, before=cutoff.isoformat())
        return deleted

    async def purge_sessions(self) -> int:
        """Delete sessions that ended (expired, idle too long, or ended by someone) over the retention ago."""
        settings = self.rt.settings
        cutoff = self.rt.clock.now() - timedelta(days=settings.session_retention_days)
        longest_idle = timedelta(minutes=max(settings.session_idle_minutes, settings.staff_session_idle_minutes))
        ended = Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff) | Q(last_seen_at__lt=cutoff - longest_idle)
        return await Session.filter(ended).delete()

    async def purge_oidc_deliveries(self) -> int:
        """Delete logout and security event deliveries that finished (delivered or given up) over the retention
        ago; pending ones stay whatever their age (the sender gives them up after its last attempt)."""
        cutoff = self.rt.clock.now() - timedelta(days=self.rt.settings.oidc_delivery_retention_days)
        return await OidcDelivery.filter(
            state__in=["delivered", "given_up"], finished_at__isnull=False, finished_at__lt=cutoff
        ).delete()

    async def purge_oidc_authorizations(self) -> int:
        """Delete OpenID authorizations (with their tokens) that can issue nothing and owe nothing, finished over
        ``UIDP_SESSION_RETENTION_DAYS`` ago, then expired tokens and revoked consents as old; returns the
        authorizations deleted.

        Finished: revoked with its back-channel logout staged (``logout_sent_at``), or expired longer ago than
        the staging looks back (it will never be staged). A live authorization, one still owed a logout and a
        live consent are never touched."""
        now = self.rt.clock.now()
        cutoff = now - timedelta(days=self.rt.settings.session_retention_days)
        revoked = Q(revoked_at__lt=cutoff, logout_sent_at__isnull=False)
        finished = revoked | Q(expires_at__lt=min(cutoff, now - LOOK_BACK))
        deleted = 0
        while ids := await OidcAuthorization.filter(finished).limit(BATCH).values_list("id", flat=True):
            async with in_transaction():
                await OidcToken.filter(authorization_id__in=ids).delete()
                deleted += await OidcAuthorization.filter(Q(id__in=ids) & finished).delete()
        await OidcToken.filter(expires_at__lt=cutoff).delete()
        await OidcConsent.filter(revoked_at__lt=cutoff).delete()
        return deleted

    async def purge_enrolment_codes(self) -> int:
        """Delete staff enrolments whose setup code and enrolment token both expired over the retention ago."""
        cutoff = self.rt.clock.now() - timedelta(days=self.rt.settings.session_retention_days)
        spent = Q(token_expires_at__isnull=True) | Q(token_expires_at__lt=cutoff)
        return await StaffEnrolment.filter(Q(code_expires_at__lt=cutoff) & spent).delete()
