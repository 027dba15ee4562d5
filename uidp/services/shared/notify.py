"""Plain notifications by SMS (review decisions and the like), through the installed SMS gateway."""

from __future__ import annotations

import logging

from uidp.runtime import Runtime

log = logging.getLogger("uidp.notify")


async def notify_by_sms(rt: Runtime, phone: str, text: str, *, purpose: str) -> bool:
    """Send ``text``; a gateway failure is logged and reported as False, never raised (the decision stands)."""
    try:
        await rt.plugins.sms_gateway().send(phone, "【湖北政务服务】" + text, purpose=purpose)
    except Exception:
        log.exception("notification failed purpose=%s", purpose)
        return False
    return True
