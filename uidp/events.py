"""Security events: what the audit log records and ``on_event`` observers receive, and the catalogue of their types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Event:
    """One security event. ``details`` carries masked values only (never secrets or raw PII).

    ``type`` is one of :class:`EventType`'s values (compare with ``event.type == EventType.LOGIN_FAILED``);
    ``outcome`` is ``"success"`` or ``"failure"``.
    """

    type: str
    outcome: str
    at: datetime
    actor_kind: str | None = None
    actor_id: str | None = None
    subject_kind: str | None = None
    subject_id: str | None = None
    client_address: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


class EventType(StrEnum):
    """Every event type the core records (tests/test_events_catalogue.py keeps this list complete)."""

    # logins and sessions
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_REFUSED = "login.refused"  # right password, but the account may not log in (yet)
    LOGIN_STARTED = "login.started"  # startLogin: a partner method's first step
    LOGIN_START_FAILED = "login.start_failed"  # the partner method could not start
    LOGIN_BINDING_REQUIRED = "login.binding_required"  # a partner subject bound to no account
    SCAN_CALLBACK_REFUSED = "scan.callback_refused"  # a scan partner's callback failed its checks
    BINDING_CREATED = "binding.created"  # a partner subject bound to an account (trusted claim or password)
    SCAN_TICKET_ISSUED = "scan_ticket.issued"  # startLogin of a scan method: a QR code to scan
    SCAN_TICKET_SCANNED = "scan_ticket.scanned"  # the partner's app scanned it
    SCAN_TICKET_CONFIRMED = "scan_ticket.confirmed"  # the person confirmed in the app; the partner asserted who
    SCAN_TICKET_REJECTED = "scan_ticket.rejected"  # the person declined in the app
    SCAN_TICKET_REFUSED = "scan_ticket.refused"  # a partner's transition refused (order, channel, expiry)
    SCAN_TICKET_REDEEMED = "scan_ticket.redeemed"  # the creating page used the confirmed ticket to log in
    LOGOUT = "logout"
    ACCOUNT_LOCKED = "account.locked"
    ACCOUNT_UNLOCKED = "account.unlocked"
    SESSION_ENDED = "session.ended"
    SESSIONS_ENDED_BY_STAFF = "sessions.ended_by_staff"
    SMS_CODE_SENT = "sms_code.sent"
    SMS_CODE_REFUSED = "sms_code.refused"

    # persons: registration, activation, levels, recovery, appeals, the user space
    PERSON_REGISTERED = "person.registered"
    PERSON_REGISTRATION_REFUSED = "person.registration_refused"
    PERSON_REGISTERED_BY_APPEAL = "person.registered_by_appeal"
    PERSON_ACTIVATED = "person.activated"
    PERSONS_IMPORTED = "persons.imported"
    PERSONS_SEEDED = "persons.seeded"
    PERSON_CANCELLED = "person.cancelled"
    PERSON_APPEAL_APPLIED = "person.appeal_applied"
    PERSON_PHONE_LOST_TO_APPEAL = "person.phone_lost_to_appeal"
    PERSON_PHONE_BOUND = "person.phone_bound"
    PHONE_CHANGED = "phone.changed"
    PHONE_BIND_FAILED = "phone.bind_failed"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_CHANGE_FAILED = "password.change_failed"
    PASSWORD_RECOVERED = "password.recovered"
    RECOVERY_STARTED = "recovery.started"
    APPEAL_SUBMITTED = "appeal.submitted"
    LEVEL_RAISED = "level.raised"
    BANK_CHECK_PENDING = "bank_check.pending"
    BANK_CHECK_FAILED = "bank_check.failed"
    BANK_CHECK_REFUSED = "bank_check.refused"
    BANK_CHECK_UNAVAILABLE = "bank_check.unavailable"
    BINDING_REMOVED = "binding.removed"
    NOTICE_ACKNOWLEDGED = "notice.acknowledged"
    UPLOAD_STORED = "upload.stored"
    UPLOADS_SWEPT = "uploads.swept"
    AUDIT_PURGED = "audit.purged"  # the retention sweep deleted audit events older than the setting

    # CA certificates
    CA_CERTIFICATE_BOUND = "ca.certificate_bound"
    CA_BIND_REFUSED = "ca.bind_refused"

    # legal persons (entities)
    ENTITY_REGISTERED = "entity.registered"
    ENTITY_REGISTRATION_REFUSED = "entity_registration.refused"
    ENTITY_REGISTRATION_REPRESENTATIVE_PROVEN = "entity_registration.representative_proven"
    ENTITY_CONTACT_CHANGED = "entity.contact_changed"
    ENTITY_CONTACT_CHANGE_VERIFIED = "entity.contact_change_verified"
    ENTITY_CONTACT_CHANGE_REFUSED = "entity.contact_change_refused"
    ENTITY_LEGAL_INFORMATION_CHANGED = "entity.legal_information_changed"
    ENTITY_LEGAL_CHANGE_REFUSED = "entity.legal_change_refused"
    ENTITY_APPEAL_APPLIED = "entity.appeal_applied"

    # delegation (E9): candidates, grants, applications, the sweeper
    DELEGATION_CANDIDATE_ADDED = "delegation.candidate_added"
    DELEGATION_CANDIDATE_REMOVED = "delegation.candidate_removed"
    DELEGATION_GRANT_CREATED = "delegation.grant_created"
    DELEGATION_GRANT_CHANGED = "delegation.grant_changed"  # details: grants_ended below, sessions_ended
    DELEGATION_GRANT_CANCELLED = "delegation.grant_cancelled"  # details: grants_ended (itself included)
    DELEGATION_GRANTS_EXPIRED = "delegation.grants_expired"  # the sweeper
    DELEGATION_GRANT_REMINDERS_SENT = "delegation.grant_reminders_sent"  # the sweeper
    DELEGATION_APPLICATION_SUBMITTED = "delegation.application_submitted"
    DELEGATION_APPLICATION_DECIDED = "delegation.application_decided"  # details: decision APPROVED / REJECTED

    # single sign-on: client authentication (oidc-auth)
    OIDC_CLIENT_AUTH_REFUSED = "oidc.client_auth_refused"  # details: method, reason, client_id (never the credential)

    # staff and their tools
    STAFF_CREATED = "staff.created"
    STAFF_SETUP_CODE_ISSUED = "staff.setup_code_issued"
    STAFF_ENROLMENT_STARTED = "staff.enrolment_started"
    STAFF_ENROLLED = "staff.enrolled"
    STAFF_ENROLMENT_REFUSED = "staff.enrolment_refused"
    STAFF_ENROLMENT_LOCKED = "staff.enrolment_locked"
    STAFF_PROOF_FAILED = "staff.proof_failed"
    STAFF_TOTP_RESET = "staff.totp_reset"
    API_TOKEN_CREATED = "api_token.created"
    API_TOKEN_REVOKED = "api_token.revoked"
    REVIEW_DECIDED = "review.decided"
    REVIEW_CERTIFICATE_NUMBER_SHOWN = "review.certificate_number_shown"
    DOCUMENT_VIEWED = "document.viewed"
    AUDIT_QUERIED = "audit.queried"
    SERVICE_ITEM_SAVED = "service_item.saved"
    SERVICE_ITEM_RETIRED = "service_item.retired"
    SANDBOX_VIEWED = "sandbox.viewed"
    AUTHORISATION_CHECKED = "authorisation.checked"  # staff asked whether a named person may act for an entity

    # single sign-on: tokens (oidc-tokens)
    OIDC_TOKEN_ISSUED = "oidc.token_issued"  # details: client_id, grant_type, authorization_id, dpop_bound
    OIDC_TOKEN_REFUSED = "oidc.token_refused"  # details: client_id, grant_type, error, reason (never a code/token)
    OIDC_AUTHORIZATION_REVOKED = "oidc.authorization_revoked"  # details: authorization_id, reason
    OIDC_TOKEN_REVOKED = "oidc.token_revoked"  # RFC 7009, one access token; details: client_id, authorization_id
    OIDC_USERINFO_REFUSED = "oidc.userinfo_refused"  # a genuine token refused; details: authorization_id, reason

    # single sign-on: authorization requests and consent
    OIDC_REQUEST_PUSHED = "oidc.request_pushed"  # PAR: a connected system pushed an authorization request
    OIDC_AUTHORIZATION_REFUSED = "oidc.authorization_refused"  # an error went back to the system; details: error
    OIDC_CODE_ISSUED = "oidc.code_issued"  # an authorization code went back to the connected system
    OIDC_CONSENT_DENIED = "oidc.consent_denied"  # the person declined on the consent or step-up page
    OIDC_CONSENT_GRANTED = "oidc.consent_granted"  # details: client_id, scopes, claims
    OIDC_CONSENT_REVOKED = "oidc.consent_revoked"  # details: client_id, authorizations_revoked
    # single sign-on
    OIDC_CLIENT_REGISTERED = "oidc.client_registered"  # staff registered a connected system
    OIDC_CLIENT_UPDATED = "oidc.client_updated"  # details: changed (the settings' names)
    OIDC_CLIENT_DISABLED = "oidc.client_disabled"
    OIDC_CLIENT_ENABLED = "oidc.client_enabled"
    OIDC_CLIENT_SECRET_ROTATED = "oidc.client_secret_rotated"  # a basic system's new secret (never in details)
    OIDC_SIGNING_KEY_ROTATED = "oidc.signing_key_rotated"  # a new signing key; details: kid, retired kids
    OIDC_SIGNING_KEYS_DROPPED = "oidc.signing_keys_dropped"  # retired keys past drop_after left the JWKS (sweep)
    # single sign-on: logout and security events (oidc-logout)
    OIDC_AUTHORIZATIONS_REVOKED = "oidc.authorizations_revoked"  # their session ended or the person cancelled
    OIDC_DELIVERY_GIVEN_UP = "oidc.delivery_given_up"  # a logout or event token refused 8 times; no body kept
    OIDC_RP_LOGOUT = "oidc.rp_logout"  # a connected system's RP-initiated logout ended the session
