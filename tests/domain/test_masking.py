"""Masking exactly as the manual shows (X4)."""

from __future__ import annotations

from uidp.domain.masking import mask_bank_card, mask_credit_code, mask_id_number, mask_name, mask_phone


def test_manual_examples() -> None:
    assert mask_name("陈心") == "陈*"
    assert mask_id_number("420102199001011211") == "***********1211"
    assert mask_phone("15012340058") == "150****0058"


def test_mask_name() -> None:
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("阿卜杜·热合曼") == "阿******"
    assert mask_name("John Smith") == "J*** *****"
    assert mask_name(" 陈心 ") == "陈*"
    assert mask_name("") == ""


def test_mask_id_number_hides_length() -> None:
    assert mask_id_number("H12345678") == "***********5678"
    assert mask_id_number("USA123456789012") == "***********9012"
    assert mask_id_number("11010519491231002X") == "***********002X"
    assert mask_id_number("12345") == "***********2345"
    assert mask_id_number("1234") == "****"
    assert mask_id_number("") == ""


def test_mask_phone() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("123") == "****"
    assert mask_phone("") == ""


def test_mask_bank_card() -> None:
    assert mask_bank_card("6222021234567890123") == "6222 **** **** 0123"
    assert mask_bank_card("6222 0212 3456 7890 123") == "6222 **** **** 0123"
    assert mask_bank_card("4111111111111111") == "4111 **** **** 1111"
    assert mask_bank_card("123") == "****"
    assert mask_bank_card("") == ""


def test_mask_credit_code() -> None:
    masked = mask_credit_code("91420100MA4KXXXX0X")
    assert masked == "91" + "*" * 12 + "XX0X"
    assert len(masked) == 18
    assert mask_credit_code("") == ""


def test_nothing_leaks() -> None:
    number = "420102199001011211"
    assert "19900101" not in mask_id_number(number)
    assert "1234" not in mask_phone("15012340058")
