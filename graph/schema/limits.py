"""The one table of what a string input may hold: its maximum length and whether it may span lines.

Every String and ID the schema accepts (input-object fields and field arguments) gets a limit from here,
looked up in this order: the exact ``Owner.field`` (input type name, or ``Parent.field(arg)`` for an
argument), the field name, the field name's ending, and for the ID scalar :data:`ID_LIMIT`. A name that
matches nothing falls back to :data:`DEFAULT_LIMIT`, so a new field is never unlimited;
``tests/graph/test_malformed_input.py`` names such fields so each gets a deliberate rule here.

Where a value is stored in a plain column, the limit is that column's ``max_length`` (read from the model,
so they cannot drift apart). PII columns are encrypted, so their limits come from the domain's formats.
"""

from __future__ import annotations

from dataclasses import dataclass

from uidp.domain.contact import NAME_MAX_LENGTH
from uidp.models.audit import AuditEvent
from uidp.models.binding import ExternalBinding
from uidp.models.oidc import OidcClient
from uidp.models.review import ReviewCase
from uidp.models.service_item import ServiceItem
from uidp.models.staff import StaffAccount
from uidp.models.staff_token import StaffApiToken


def _column(model: type, name: str) -> int:
    return int(model._meta.fields_map[name].max_length)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Limit:
    max_length: int
    multiline: bool = False  # tab, line feed and carriage return allowed (other control characters never are)


PHONE = Limit(32)  # normalize_phone accepts "+86 150-1234-0058" and the like
CODE = Limit(16)  # SMS, TOTP and captcha answers
CERTIFICATE_NUMBER = Limit(32)  # 18-digit resident ID; permits, passports and "other" numbers are shorter
PASSWORD = Limit(128)  # the policy allows 18; longer is refused by the policy, not by a crash
PERSON_NAME = Limit(NAME_MAX_LENGTH)
ID_LIMIT = Limit(64)  # record ids are UUIDs (36 characters)
DEFAULT_LIMIT = Limit(256)

EXACT: dict[str, Limit] = {
    "UpsertServiceItemInput.name": Limit(_column(ServiceItem, "name")),
    "LoginParamInput.name": Limit(64),
    "LoginParamInput.value": Limit(64 * 1024, multiline=True),  # a partner code, or a CA certificate chain
    "CreateApiTokenInput.name": Limit(_column(StaffApiToken, "name")),
    "RegisterConnectedSystemInput.name": Limit(_column(OidcClient, "name")),
    "UpdateConnectedSystemInput.name": Limit(_column(OidcClient, "name")),
}

BY_NAME: dict[str, Limit] = {
    "identifier": Limit(64),  # phone, ID number, other certificate number
    "username": Limit(_column(StaffAccount, "username")),
    "staffUsername": Limit(_column(StaffAccount, "username")),
    "displayName": Limit(_column(StaffAccount, "display_name")),
    "name": PERSON_NAME,
    "entityName": Limit(200),
    "creditCode": Limit(32),  # 18 characters (GB 32100), spaces tolerated
    "cardNumber": Limit(32),
    "captchaId": Limit(64),
    "ticket": Limit(128),
    "secret": Limit(128),  # a scan ticket's secret: 43 characters
    "setupCode": Limit(64),  # staff first-login code: groups of letters and digits with hyphens
    "challenge": Limit(256),
    "signature": Limit(4096),  # base64 of an RSA-4096 signature is 684 characters
    "certificate": Limit(16 * 1024, multiline=True),  # PEM or base64 DER
    "chain": Limit(64 * 1024, multiline=True),
    "csv": Limit(1_000_000, multiline=True),  # bulk import (P2); the body limit still applies
    "reason": Limit(_column(ReviewCase, "decision_reason"), multiline=True),
    "code": Limit(_column(ServiceItem, "code")),
    "scope": Limit(_column(ServiceItem, "code")),  # a grant's scope: service-item codes
    "serviceItem": Limit(_column(ServiceItem, "code")),  # a service item's catalogue code (E3, the check)
    "provider": Limit(_column(ExternalBinding, "provider")),
    "method": Limit(_column(ExternalBinding, "provider")),  # a login method id, stored as the provider
    "state": Limit(128),  # startLogin's state: 43 characters
    "scopes": Limit(32),
    "eventType": Limit(_column(AuditEvent, "event_type")),
    # connected systems (the OpenID provider's clients)
    "clientId": Limit(_column(OidcClient, "client_id")),
    "sectorId": Limit(_column(OidcClient, "sector_id")),
    "redirectUris": Limit(_column(OidcClient, "jwks_uri")),  # every URI of a system: 500
    "postLogoutRedirectUris": Limit(_column(OidcClient, "jwks_uri")),
    "jwksUri": Limit(_column(OidcClient, "jwks_uri")),
    "backchannelLogoutUri": Limit(_column(OidcClient, "backchannel_logout_uri")),
    "eventUri": Limit(_column(OidcClient, "event_uri")),
    "eventTypes": Limit(128),  # security event type URIs
    "claims": Limit(32),
    "jwks": Limit(32 * 1024, multiline=True),  # a JWK Set as JSON text (uidp.services.oidc.clients)
    "after": Limit(256),  # pagination cursors
    "before": Limit(256),
}

# Lower-case endings of field names: new fields named like existing ones get their limit automatically.
BY_ENDING: tuple[tuple[str, Limit], ...] = (
    ("certificatenumber", CERTIFICATE_NUMBER),
    ("phone", PHONE),
    ("password", PASSWORD),
    ("confirmation", PASSWORD),
    ("token", Limit(128)),  # opaque tokens (enrolment, sessions): 43 characters today
    ("code", CODE),
    ("answer", CODE),
    ("name", PERSON_NAME),
    ("id", ID_LIMIT),
)


def limit_for(owner: str, name: str, scalar: str) -> tuple[Limit, str]:
    """The limit of one string input and which rule gave it ("exact", "name", "ending", "id" or "default")."""
    if f"{owner}.{name}" in EXACT:
        return EXACT[f"{owner}.{name}"], "exact"
    if name in BY_NAME:
        return BY_NAME[name], "name"
    lowered = name.lower()
    for ending, limit in BY_ENDING:
        if lowered.endswith(ending):
            return limit, "ending"
    if scalar == "ID":
        return ID_LIMIT, "id"
    return DEFAULT_LIMIT, "default"
