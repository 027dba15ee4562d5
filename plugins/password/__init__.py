"""Built-in password login (P3): phone, certificate number or staff username + password."""

from __future__ import annotations

from uidp.plugin_api import Assertion, LoginFailure, LoginPorts, LoginRequest, RegisterLoginMethod, Trust, hookimpl


class PasswordLogin:
    """Checks an identifier + password. Unknown identifiers still cost one hash."""

    id = "password"
    label = "密码登录"
    sandbox = False
    trust = frozenset({Trust.ACCOUNT})  # the subject is the account the core's lookup found

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        identifier = request.params.get("identifier", "")
        password = request.params.get("password", "")
        subject = await ports.find_password_subject(identifier) if identifier else None
        ok = await ports.verify_password(password, subject.password_hash if subject else None)
        if subject is None or not ok:
            raise LoginFailure("identifier or password is wrong")
        return Assertion(provider=self.id, subject=subject.subject_id, subject_kind=subject.subject_kind)


@hookimpl
def register_login_methods(register: RegisterLoginMethod) -> None:
    register(PasswordLogin())
