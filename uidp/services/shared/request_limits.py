"""Per-address limits: the one key every per-address counter uses, and fixed-window allowances per action."""

from __future__ import annotations

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.services.shared.principal import ClientInfo


def client_key(rt: Runtime, client: ClientInfo) -> str:
    """The store key part naming the caller's address for limits: a keyed digest of ``ClientInfo.limit_key``
    (IPv6 by its /64), so the store never holds an address and every per-address limit counts alike."""
    return rt.blind.digest("client", client.limit_key)


async def spend(
    rt: Runtime,
    key: str,
    *,
    limit: int,
    window: int,
    message: str = "操作过于频繁，请稍后再试",
    field: str | None = None,
) -> None:
    """Count one use of the allowance at ``key`` first, then raise RATE_LIMITED if it went over ``limit``.

    One atomic increment decides, so of a concurrent burst exactly ``limit`` uses get through in each fixed
    ``window`` (seconds). A use that turns out not to count (a right answer, a provider that failed) is
    handed back by the caller with ``rt.store.decr(key)``.
    """
    count = await rt.store.incr(key, window)
    if count > limit:
        left = int(await rt.store.ttl(key) or window)
        raise DomainError(ErrorCode.RATE_LIMITED, message, field, retry_after=left)


async def limit_per_client(rt: Runtime, action: str, client: ClientInfo, *, per_hour: int) -> None:
    """Raise RATE_LIMITED once a client address used ``action`` more than ``per_hour`` times this hour."""
    await limit_per_key(rt, action, client_key(rt, client), per_hour=per_hour)


async def limit_per_key(rt: Runtime, action: str, key: str, *, per_hour: int) -> None:
    """Count one use of ``action`` by ``key`` (atomically, before the action) and raise RATE_LIMITED once the
    count passes ``per_hour`` this hour. ``key`` must carry no PII (an account id or a digest)."""
    await spend(rt, f"limit:{action}:{key}", limit=per_hour, window=3600)


async def limit_anonymous_call(rt: Runtime, client: ClientInfo) -> None:
    """Count one anonymous root mutation field (an alias is one) against the address's hourly budget."""
    await limit_per_client(rt, "anonymous-mutation", client, per_hour=rt.settings.anonymous_mutations_per_hour)
