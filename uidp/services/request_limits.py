"""Simple fixed-window limits per client address (or per account) for actions that could be used to enumerate."""

from __future__ import annotations

from uidp.domain.errors import DomainError, ErrorCode
from uidp.runtime import Runtime
from uidp.services.principal import ClientInfo


async def limit_per_client(rt: Runtime, action: str, client: ClientInfo, *, per_hour: int) -> None:
    """Raise RATE_LIMITED once a client address used ``action`` more than ``per_hour`` times this hour."""
    await limit_per_key(rt, action, rt.blind.digest("client", client.address), per_hour=per_hour)


async def limit_per_key(rt: Runtime, action: str, key: str, *, per_hour: int) -> None:
    """Count one use of ``action`` by ``key`` (atomically, before the action) and raise RATE_LIMITED once the
    count passes ``per_hour`` this hour. ``key`` must carry no PII (an account id or a digest)."""
    counter = f"limit:{action}:{key}"
    count = await rt.store.incr(counter, 3600)
    if count > per_hour:
        left = int(await rt.store.ttl(counter) or 3600)
        raise DomainError(ErrorCode.RATE_LIMITED, "操作过于频繁，请稍后再试", None, retry_after=left)
