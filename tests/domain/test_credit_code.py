"""The unified social credit code (GB 32100-2015) and its organisation code (GB 11714)."""

from __future__ import annotations

import pytest

from uidp.domain.credit_code import (
    ALPHABET,
    CHECK_MESSAGE,
    FORMAT_MESSAGE,
    credit_code_check_char,
    make_credit_code,
    normalize_credit_code,
    organisation_check_char,
    parse_credit_code,
)
from uidp.domain.errors import DomainError, ErrorCode
from uidp.domain.masking import mask_credit_code

# Codes published on the companies' own licences (营业执照), so both check characters are the real ones.
PUBLISHED = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000802100433B",
    "9111000071093465XC",  # organisation check character X
]


def test_the_alphabet_has_31_characters_without_i_o_s_v_z():
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert normalize_credit_code(code) == code


def test_check_characters_by_hand():
    # 华为: organisation code 19220382-1; the weighted sum 164 leaves 10 mod 11, so 11 - 10 = 1.
    assert organisation_check_char("19220382") == "1"
    assert credit_code_check_char("91440300192203821") == "6"


def test_organisation_check_char_10_is_x_and_11_is_0():
    assert organisation_check_char("71093465") == "X"
    zero = next(f"{n:08d}" for n in range(10**6) if organisation_check_char(f"{n:08d}") == "0")
    assert sum(int(c) * w for c, w in zip(zero, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11 == 0


def test_a_check_value_of_31_becomes_0():
    first17 = next(
        p for n in range(10**5) if credit_code_check_char(p := f"914201{n:05d}000000") == "0"
    )  # sum mod 31 == 0
    assert credit_code_check_char(first17) == "0"


def test_normalizes_case_spaces_hyphens_and_full_width():
    assert normalize_credit_code(" 91440300708461136t ") == "91440300708461136T"
    assert normalize_credit_code("91440300-70846113-6T") == "91440300708461136T"
    assert normalize_credit_code("９１４４０３００７０８４６１１３６Ｔ") == "91440300708461136T"


@pytest.mark.parametrize(
    "raw",
    [
        "91440300708461136",  # 17 characters
        "91440300708461136TT",  # 19
        "91440300708461136I",  # I is not in the alphabet
        "9144O300708461136T",  # O neither
        "91AB0300708461136T",  # the region must be six digits
        "91440300708461136!",
    ],
)
def test_length_and_characters_have_their_own_message(raw):
    with pytest.raises(DomainError) as caught:
        normalize_credit_code(raw, field="code")
    assert caught.value.code == ErrorCode.INVALID_CREDIT_CODE
    assert caught.value.message == FORMAT_MESSAGE
    assert caught.value.field == "code"


@pytest.mark.parametrize(
    "raw",
    [
        "91440300708461136U",  # wrong GB 32100 check character
        "914403001922038217",
        "91440300708461137T",  # wrong organisation check character (the 17th)
    ],
)
def test_a_wrong_check_character_has_its_own_message(raw):
    with pytest.raises(DomainError) as caught:
        normalize_credit_code(raw)
    assert caught.value.code == ErrorCode.INVALID_CREDIT_CODE
    assert caught.value.message == CHECK_MESSAGE
    assert caught.value.field == "creditCode"


def test_every_single_character_change_is_caught():
    code = PUBLISHED[0]
    for position in range(18):
        for char in ALPHABET:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1 :]
            with pytest.raises(DomainError):
                normalize_credit_code(changed)


def test_empty_is_required():
    with pytest.raises(DomainError) as caught:
        normalize_credit_code("  ")
    assert caught.value.code == ErrorCode.REQUIRED


def test_make_credit_code_builds_valid_codes_and_parts_are_named():
    code = make_credit_code("91", "420100", "MA4KTC01")
    assert code == "91420100MA4KTC011W"
    parsed = parse_credit_code(code.lower())
    assert (parsed.authority, parsed.category, parsed.region_code, parsed.organisation_code) == (
        "9",
        "1",
        "420100",
        "MA4KTC011",
    )


def test_masked_credit_code():
    assert mask_credit_code("91420100MA4KTC011W") == "91************011W"
