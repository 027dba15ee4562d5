"""Password policy (X3)."""

from __future__ import annotations

import unicodedata

import pytest

from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.password_policy import DEFAULT_BLOCKLIST, PasswordPolicy, check_password

POLICY = PasswordPolicy()
GOOD = "Hb7#kLm2q"


def weak(password: str, reason: str, policy: PasswordPolicy = POLICY, **kwargs: str) -> DomainError:
    with pytest.raises(DomainError) as info:
        check_password(password, password, policy=policy, **kwargs)
    assert info.value.code is ErrorCode.WEAK_PASSWORD, info.value.message
    assert info.value.field == "password"
    assert info.value.details["reason"] == reason
    return info.value


def test_good_password_returned() -> None:
    assert check_password(GOOD, GOOD, policy=POLICY) == GOOD


def test_mismatch() -> None:
    with pytest.raises(DomainError) as info:
        check_password(GOOD, GOOD + "x", policy=POLICY)
    assert info.value.code is ErrorCode.PASSWORD_MISMATCH
    assert info.value.field == "passwordConfirmation"
    assert info.value.message == "两次输入的密码不一致"


def test_mismatch_is_case_sensitive() -> None:
    with pytest.raises(DomainError) as info:
        check_password(GOOD, GOOD.lower(), policy=POLICY)
    assert info.value.code is ErrorCode.PASSWORD_MISMATCH


def test_nfc_normalisation() -> None:
    decomposed = "Hb7#kLme\u0301"  # e + combining acute
    composed = unicodedata.normalize("NFC", decomposed)
    assert check_password(decomposed, composed, policy=POLICY) == composed


@pytest.mark.parametrize("password", ["Hb7#kLm", "Hb7#kLm2q" + "x" * 10, ""])
def test_length(password: str) -> None:
    error = weak(password, "length")
    assert error.message == "密码长度须为8-18位"


def test_length_bounds_inclusive() -> None:
    for password in ("Hb7#kLm2", "Hb7#kLm2" + "qwertyui" + "zx"):
        assert check_password(password, password, policy=POLICY) == password


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("hb7#klm2q", "大写字母"),
        ("HB7#KLM2Q", "小写字母"),
        ("Hbx#kLmyq", "数字"),
        ("Hb7xkLm2q", "特殊字符"),
        ("hbxxklmyq", "大写字母、数字和特殊字符"),
    ],
)
def test_character_classes(password: str, missing: str) -> None:
    error = weak(password, "classes")
    assert error.message.startswith("密码须包含大写字母、小写字母、数字和特殊字符")
    assert error.message.endswith("缺少" + missing)


@pytest.mark.parametrize("special", ["!", "@", "#", "~", "`", "_", "^", "€", "，", "。", "￥"])
def test_special_characters(special: str) -> None:
    password = f"Hb7{special}kLm2q"
    assert check_password(password, password, policy=POLICY) == password


@pytest.mark.parametrize("bad", [" ", "\t", "\n", "\u3000", "\u0000", "\u200b"])
def test_whitespace_and_control_refused(bad: str) -> None:
    error = weak(f"Hb7#{bad}kLm2q", "whitespace")
    assert "空格" in error.message


@pytest.mark.parametrize("password", ["Password1!", "pASSW0RD!", "aA123456!", "Admin@123", "P@ssw0rd", "Aa@123456"])
def test_blocklist(password: str) -> None:
    error = weak(password, "blocklist")
    assert error.message.startswith("密码过于常见")


def test_blocklist_entries_meet_composition_rules() -> None:
    assert len(DEFAULT_BLOCKLIST) >= 28
    for password in DEFAULT_BLOCKLIST:
        with pytest.raises(DomainError) as info:
            check_password(password, password, policy=POLICY)
        assert info.value.details["reason"] == "blocklist", password


def test_custom_blocklist_is_case_insensitive() -> None:
    policy = PasswordPolicy(blocklist=frozenset({"Hb7#KLM2Q"}))
    weak(GOOD, "blocklist", policy=policy)
    assert check_password("Password1!", "Password1!", policy=policy) == "Password1!"


def test_contains_phone() -> None:
    password = "Ab#15012340058"
    error = weak(password, "contains_phone", phone="15012340058")
    assert error.message == "密码不能包含手机号"
    assert check_password(password, password, policy=POLICY, phone="13800138000") == password


def test_contains_certificate_number_case_insensitive() -> None:
    long_policy = PasswordPolicy(max_length=32)
    error = weak("Q!11010519491231002x", "contains_certificate", long_policy, certificate_number="11010519491231002X")
    assert error.message == "密码不能包含证件号码"
    weak("Pp#h12345678", "contains_certificate", certificate_number="H12345678")


def test_phone_and_certificate_optional() -> None:
    assert check_password(GOOD, GOOD, policy=POLICY, phone=None, certificate_number="") == GOOD


def test_strength_checked_before_confirmation() -> None:
    with pytest.raises(DomainError) as info:
        check_password("short", "other", policy=POLICY)
    assert info.value.code is ErrorCode.WEAK_PASSWORD


def test_custom_fields() -> None:
    with pytest.raises(DomainError) as info:
        check_password("short", "short", policy=POLICY, field="newPassword")
    assert info.value.field == "newPassword"
    with pytest.raises(DomainError) as info:
        check_password(GOOD, "x", policy=POLICY, confirmation_field="newPasswordConfirmation")
    assert info.value.field == "newPasswordConfirmation"


def test_relaxed_policy() -> None:
    policy = PasswordPolicy(min_length=6, max_length=64, require_upper=False, require_special=False)
    assert check_password("abc123", "abc123", policy=policy) == "abc123"
    error = weak("abcdef", "classes", policy=policy)
    assert error.message == "密码须包含小写字母和数字，当前缺少数字"


def test_describe() -> None:
    assert POLICY.describe() == "请输入8-18位包含大写字母、小写字母、数字和特殊字符的密码"
    relaxed = PasswordPolicy(require_upper=False, require_lower=False, require_special=False)
    assert relaxed.describe() == "请输入8-18位包含数字的密码"
    none = PasswordPolicy(require_upper=False, require_lower=False, require_digit=False, require_special=False)
    assert none.describe() == "请输入8-18位的密码"


def test_invalid_policy() -> None:
    with pytest.raises(ValueError):
        PasswordPolicy(min_length=10, max_length=8)
