"""Who is acting and from where; services take these explicitly."""

from __future__ import annotations

import getpass
import ipaddress
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from uuid import UUID

from uidp.domain.accounts import ActorRole, SubjectKind
from uidp.domain.delegation import GrantFacts
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.grant import Grant

AGENT_FORBIDDEN_MESSAGE = "代理登录不能办理此项业务，请使用法人账号登录"

# Names a command-line operator's stable actor id: uuid5(CLI_NAMESPACE, "cli:<os user>").
CLI_NAMESPACE = uuid.UUID("6f1c2a4e-2b0d-5c36-9a51-7d3e8f0b1c22")


@dataclass(frozen=True)
class ClientInfo:
    """The caller's network address (already resolved through trusted proxies) and user agent."""

    address: str = "unknown"
    user_agent: str = ""

    @property
    def limit_key(self) -> str:
        """What per-address limits count by: an IPv4 address, or an IPv6 address's /64 (one subscriber's LAN).

        An IPv4-mapped IPv6 address counts as its IPv4 address; anything unparsable is "unknown".
        """
        try:
            ip = ipaddress.ip_address(self.address)
        except ValueError:
            return "unknown"
        if ip.version == 6 and ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        if ip.version == 4:
            return str(ip)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))

    @property
    def masked_address(self) -> str:
        """IPv4 keeps three octets (203.0.113.*), IPv6 its /48; enough to investigate, not to track."""
        return _masked(self.address)


@lru_cache(maxsize=4096)
def _masked(address: str) -> str:
    """:attr:`ClientInfo.masked_address` of an address (every request's log line asks; callers come back)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".*"
    network = ipaddress.ip_network(f"{ip}/48", strict=False)
    return f"{network.network_address}/48"


@dataclass(frozen=True)
class Principal:
    """An authenticated subject: a person, a staff member (later an entity or an agent)."""

    kind: str
    id: UUID
    session_id: UUID  # the session, or the API token for a script
    roles: tuple[str, ...] = field(default_factory=tuple)
    # None: a session, with all of its roles' rights. A tuple: an API token limited to these scopes.
    scopes: tuple[str, ...] | None = None
    label: str | None = None  # a human name for actors without an account (the CLI operator), for the audit
    # A session opened by a person acting for its subject (Session.actor_*): the person, their role, the grant.
    actor_id: UUID | None = None
    actor_role: str | None = None
    grant_id: UUID | None = None
    # The account row read with the session (uidp.services.auth.session_lookup), so the request does not read
    # it again; None when not loaded. Never compared: two principals of one subject are equal.
    account: object | None = field(default=None, compare=False, repr=False)
    # A proxy session's grant chain (level 1 first) as checked when the session was resolved, so the
    # authorisation check judges it without reading it again; None when not loaded. Never compared.
    grant_chain: tuple[Grant, ...] | None = field(default=None, compare=False, repr=False)
    grant_facts: tuple[GrantFacts, ...] | None = field(default=None, compare=False, repr=False)  # the same, as facts

    @property
    def via_token(self) -> bool:
        return self.scopes is not None

    @property
    def is_staff(self) -> bool:
        return self.kind == SubjectKind.STAFF

    @property
    def is_agent(self) -> bool:
        """A proxy session (E3): a person acting for an entity under a grant, within its scope and period."""
        return self.actor_role == ActorRole.AGENT


def refuse_agent(principal: Principal) -> None:
    """AGENT_FORBIDDEN for a proxy session: it never changes who controls the entity (password, contact,
    certificates, legal information), whatever its grant says (decision 201)."""
    if principal.is_agent:
        raise DomainError(ErrorCode.AGENT_FORBIDDEN, AGENT_FORBIDDEN_MESSAGE)


def cli_actor(os_user: str | None = None) -> Principal:
    """The operator running a ``uidp`` chore: actor kind ``cli``, named ``cli:<os user>`` in the audit."""
    if os_user is None:
        try:
            os_user = getpass.getuser()
        except (OSError, KeyError):  # no login name in this environment (a bare container)
            os_user = "unknown"
    name = f"cli:{os_user}"[:64]
    actor_id = uuid.uuid5(CLI_NAMESPACE, name)
    return Principal("cli", actor_id, actor_id, label=name)


CLI_CLIENT = ClientInfo("unknown", "uidp-cli")
