"""Built-in password login (P3): phone, certificate number or staff username + password."""

from __future__ import annotations

from collections.abc import Mapping

from uidp.plugin_api import Assertion, LoginFailure, LoginPorts, RegisterLoginMethod, hookimpl


class PasswordLogin:
    """Checks an identifier + password. Unknown identifiers still cost one hash."""

    id = "password"
    label = "密码登录"
    sandbox = False

    async def authenticate(self, params: Mapping[str, str], ports: LoginPorts) -> Assertion:
        identifier = params.get("identifier", "")
        password = params.get("password", "")
        subject = await ports.find_password_subject(identifier) if identifier else None
        ok = await ports.verify_password(password, subject.password_hash if subject else None)
        if subject is None or not ok:
            raise LoginFailure("identifier or password is wrong")
        return Assertion(provider=self.id, subject=subject.subject_id, subject_kind=subject.subject_kind)


@hookimpl
def register_login_methods(register: RegisterLoginMethod) -> None:
    register(PasswordLogin())
