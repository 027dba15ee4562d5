"""Connected systems (C1): the rules a staff member's registration of an OpenID client keeps. Pure data and rules.

Redirect URIs are matched exactly (RFC 9700 §4.1.3), so they are checked as written and never normalised:
https only, absolute, no fragment (RFC 6749 §3.1.2), no user part, no wildcard. The dev profile also admits
``http://localhost`` and ``http://127.0.0.1`` (RFC 8252 §7.3) for systems under development.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.oidc import SCOPES
from uidp.domain.oidc_events import SecurityEventType

NAME_MAX = 100  # OidcClient.name
URI_MAX = 500  # OidcClient.jwks_uri / backchannel_logout_uri / event_uri
MAX_URIS = 10  # redirect URIs, post-logout redirect URIs
CLIENT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,63}")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")  # RFC 8252 §7.3, dev only

# Security events (RFC 8417) a system may subscribe to: the event type URI and what it tells.
SECURITY_EVENT_TYPES: dict[str, str] = {
    SecurityEventType.ACCOUNT_CANCELLED.value: "账号注销",
    SecurityEventType.LEVEL_CHANGED.value: "认证等级变更",
    SecurityEventType.GRANT_REVOKED.value: "法人授权撤销",
}


def clean_name(name: str) -> str:
    folded = " ".join((name or "").split())
    if not folded or len(folded) > NAME_MAX or any(not char.isprintable() for char in folded):
        raise DomainError(ErrorCode.INVALID_FORMAT, f"请填写 1-{NAME_MAX} 个字符的系统名称", "name")
    return folded


def check_identifier(value: str, field: str) -> str:
    """A client id or sector id: 3-64 letters, digits, '.', '-' or '_', starting with a letter or digit."""
    if not CLIENT_ID_RE.fullmatch(value or ""):
        raise DomainError(ErrorCode.INVALID_FORMAT, "标识须为 3-64 位字母、数字、点、横线或下划线", field)
    return value


def check_uri(uri: str, field: str, *, dev: bool, code: ErrorCode = ErrorCode.INVALID_URI) -> str:
    """An https URI as written (http only for loopback hosts in dev); DomainError naming ``field`` otherwise."""
    text = uri or ""
    problem = _uri_problem(text, dev=dev)
    if problem:
        raise DomainError(code, f"地址{problem}：{_shown(text)}", field)
    return text


def _uri_problem(text: str, *, dev: bool) -> str | None:
    if not text:
        return "不能为空"
    if len(text) > URI_MAX:
        return f"超过 {URI_MAX} 个字符"
    if any(char.isspace() or not char.isprintable() or ord(char) > 126 for char in text):
        return "含有空白、控制或非 ASCII 字符"
    if "#" in text:
        return "不能带片段（#）"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return "格式不正确"
    if not parts.hostname or "*" in parts.netloc:
        return "须为完整的网址，不能含通配符"
    if parts.username is not None or parts.password is not None:
        return "不能含用户名或密码"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return None if dev else "在生产环境须为 https"
    return "须为 https"


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def check_uris(uris: Iterable[str], field: str, *, dev: bool, required: bool) -> list[str]:
    """A list of exact URIs, duplicates dropped in order; at least one when ``required``, at most MAX_URIS."""
    found = list(dict.fromkeys(check_uri(uri, field, dev=dev, code=ErrorCode.INVALID_REDIRECT_URI) for uri in uris))
    if required and not found:
        raise DomainError(ErrorCode.REQUIRED, "请至少填写一个回调地址", field)
    if len(found) > MAX_URIS:
        raise DomainError(ErrorCode.INVALID_FORMAT, f"最多 {MAX_URIS} 个地址", field)
    return found


def check_scopes(scopes: Iterable[str]) -> list[str]:
    """Scopes the system may ask for: known ones, ``openid`` among them, in the catalogue's order."""
    wanted = set(scopes)
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise DomainError(ErrorCode.UNKNOWN_SCOPE, "不支持的权限范围：" + "、".join(unknown)[:200], "scopes")
    if "openid" not in wanted:
        raise DomainError(ErrorCode.REQUIRED, "权限范围须包含 openid", "scopes")
    return [name for name in SCOPES if name in wanted]


def check_claims(claims: Iterable[str] | None, scopes: list[str]) -> list[str]:
    """Claims the system may receive: each released by one of its scopes (all of them when none are named)."""
    released = [claim for name in scopes for claim in SCOPES[name].claims]
    if claims is None:
        return released
    wanted = set(claims)
    beyond = sorted(wanted - set(released))
    if beyond:
        raise DomainError(ErrorCode.UNKNOWN_CLAIM, "这些声明不属于所选权限范围：" + "、".join(beyond)[:200], "claims")
    return [claim for claim in released if claim in wanted]


def check_level(level: int) -> int:
    if level not in (1, 2, 3):
        raise DomainError(ErrorCode.INVALID_FORMAT, "最低认证等级须为 1（初级）、2（中级）或 3（高级）", "minLevel")
    return level


def check_event_types(types: Iterable[str], event_uri: str | None) -> list[str]:
    wanted = list(dict.fromkeys(types))
    unknown = [name for name in wanted if name not in SECURITY_EVENT_TYPES]
    if unknown:
        raise DomainError(ErrorCode.UNKNOWN_EVENT_TYPE, "不支持的安全事件类型", "eventTypes")
    if wanted and not event_uri:
        raise DomainError(ErrorCode.REQUIRED, "订阅安全事件须填写事件接收地址", "eventUri")
    return wanted
