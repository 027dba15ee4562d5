"""The channels the hosted login page offers, read from the plugin host (``rt.plugins.login_methods()``), and the
fields each form takes (checked at the edge before any lookup)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from starlette.datastructures import FormData

from uidp.domain.errors import DomainError, ErrorCode
from uidp.hookspecs import BuiltinLoginMethod
from uidp.ports import StartableLoginMethod
from uidp.runtime import Runtime


class Form(StrEnum):
    """How a channel's panel logs in: a server-side form (works without JavaScript) or the page's script."""

    PERSON = "person"  # P3: phone / ID number / other certificate number + password
    ENTITY = "entity"  # E2: credit code + password
    AGENT = "agent"  # E3: credit code + the agent's identifier + the agent's password
    CERTIFICATE = "ca"  # E4: the USB key signs a challenge
    STARTED = "start"  # a plugin's method with a first step: a QR code to scan, or a redirect (Alipay)


@dataclass(frozen=True)
class Channel:
    id: str  # the tab: /login?method=<id>
    label: str
    form: Form


def channels(rt: Runtime) -> list[Channel]:
    """Every channel the installed plugins offer, the password forms first."""
    found: list[Channel] = []
    methods = rt.plugins.login_methods()
    ids = {method.id for method in methods}
    if BuiltinLoginMethod.PASSWORD in ids:
        found += [
            Channel(Form.PERSON, "个人登录", Form.PERSON),
            Channel(Form.ENTITY, "法人登录", Form.ENTITY),
            Channel(Form.AGENT, "代理登录", Form.AGENT),
        ]
    builtin = {BuiltinLoginMethod.PASSWORD, BuiltinLoginMethod.CA, *Form}
    found += [Channel(m.id, m.label, Form.STARTED) for m in methods if isinstance(m, StartableLoginMethod)
              and m.id not in builtin]  # fmt: skip
    ca = rt.plugins.login_method(BuiltinLoginMethod.CA)
    if ca is not None:
        found.append(Channel(Form.CERTIFICATE, ca.label, Form.CERTIFICATE))
    return found


# ---- the edge: lengths and code points, before any lookup --------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    max_length: int
    multiline: bool = False


IDENTIFIER = Field("identifier", 64)
PASSWORD = Field("password", 128)
CREDIT_CODE = Field("creditCode", 32)
CAPTCHA_ID = Field("captchaId", 64)
CAPTCHA_ANSWER = Field("captchaAnswer", 16)
CERTIFICATE = Field("certificate", 16 * 1024, multiline=True)
CHAIN = Field("chain", 64 * 1024, multiline=True)
CHALLENGE = Field("challenge", 256)
SIGNATURE = Field("signature", 4096)

_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r]")


def text(form: FormData, field: Field) -> str:
    """The field's text ("" when absent): INPUT_TOO_LONG or INVALID_CHARACTERS on the field otherwise."""
    value = form.get(field.name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(ErrorCode.INVALID_FORMAT, "表单内容格式不正确", field.name)
    if len(value) > field.max_length:
        raise DomainError(ErrorCode.INPUT_TOO_LONG, f"输入过长，最多 {field.max_length} 个字符", field.name)
    if _REFUSED.search(value) or (not field.multiline and _LINE_BREAKS.search(value)):
        raise DomainError(ErrorCode.INVALID_CHARACTERS, "输入含有不允许的字符（如控制字符）", field.name)
    return value
