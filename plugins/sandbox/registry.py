"""The sandbox business registry (工商登记): a fixed, documented table of credit codes (docs/plugins.md).

Every code in ``TEST_ENTITIES`` is a valid GB 32100 code with a fixed name, type, legal representative and
status; any other code is unknown (``lookup`` answers None), and ``UNAVAILABLE_CODE`` plays an unreachable
registry (``lookup`` raises). The representatives are the documented test persons, so a front-end team can
register 陈心 (``REPRESENTATIVE_ID``) as a person first and then her entities.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from uidp.plugin_api import RegistryRecord, gb11643_check_char, make_credit_code


class SandboxRegistryUnavailable(Exception):
    """The sandbox playing an unreachable registry (``UNAVAILABLE_CODE``)."""


def _resident_id(first17: str) -> str:
    return first17 + gb11643_check_char(first17)


# The documented test persons (the same as tests.support's defaults).
REPRESENTATIVE_NAME = "陈心"
REPRESENTATIVE_ID = _resident_id("42010219900101121")  # 42010219900101121X
OTHER_REPRESENTATIVE_NAME = "李明"
OTHER_REPRESENTATIVE_ID = _resident_id("42010219900101131")  # 420102199001011316
FOREIGN_REPRESENTATIVE_NAME = "JOHN SMITH"
FOREIGN_REPRESENTATIVE_PASSPORT = "E12345678"

ACTIVE_ENTERPRISE = make_credit_code("91", "420100", "MA4KTC01")
INDIVIDUAL_BUSINESS = make_credit_code("92", "420102", "MA4KTC02")
OTHER_REPRESENTATIVE = make_credit_code("91", "420100", "MA4KTC03")
REVOKED = make_credit_code("91", "420100", "MA4KTC04")
CANCELLED = make_credit_code("91", "420100", "MA4KTC05")
FOREIGN_REPRESENTATIVE = make_credit_code("91", "420100", "MA4KTC06")
PUBLIC_INSTITUTION = make_credit_code("12", "420100", "MB1KTC07")
UNAVAILABLE_CODE = make_credit_code("91", "420100", "MA4KTC99")
UNKNOWN_CODE = make_credit_code("91", "420100", "MA4KTC98")  # valid, but not in the table: does not exist


def _record(code: str, name: str, kind: str, rep: str, rep_id: str, status: str = "ACTIVE") -> RegistryRecord:
    return RegistryRecord(code, name, kind, rep, rep_id, status)


TEST_ENTITIES: dict[str, RegistryRecord] = {
    record.credit_code: record
    for record in (
        _record(ACTIVE_ENTERPRISE, "湖北楚天测试科技有限公司", "ENTERPRISE", REPRESENTATIVE_NAME, REPRESENTATIVE_ID),
        _record(
            INDIVIDUAL_BUSINESS, "武汉市江岸区测试餐饮店", "INDIVIDUAL_BUSINESS", REPRESENTATIVE_NAME, REPRESENTATIVE_ID
        ),
        _record(
            OTHER_REPRESENTATIVE,
            "湖北江汉测试贸易有限公司",
            "ENTERPRISE",
            OTHER_REPRESENTATIVE_NAME,
            OTHER_REPRESENTATIVE_ID,
        ),
        _record(REVOKED, "武汉测试建材有限公司", "ENTERPRISE", REPRESENTATIVE_NAME, REPRESENTATIVE_ID, "REVOKED"),
        _record(CANCELLED, "武汉测试物流有限公司", "ENTERPRISE", REPRESENTATIVE_NAME, REPRESENTATIVE_ID, "CANCELLED"),
        _record(
            FOREIGN_REPRESENTATIVE,
            "湖北测试外资咨询有限公司",
            "ENTERPRISE",
            FOREIGN_REPRESENTATIVE_NAME,
            FOREIGN_REPRESENTATIVE_PASSPORT,
        ),
        _record(
            PUBLIC_INSTITUTION, "武汉市测试政务服务中心", "PUBLIC_INSTITUTION", REPRESENTATIVE_NAME, REPRESENTATIVE_ID
        ),
    )
}


class SandboxBusinessRegistry:
    """Answers from ``TEST_ENTITIES``; ``records`` may be replaced per instance (tests of E8 changes)."""

    id = "sandbox"
    sandbox = True

    def __init__(self, records: dict[str, RegistryRecord] | None = None) -> None:
        self.records = dict(TEST_ENTITIES if records is None else records)
        # The last codes asked for, so tests can check what reached the registry (bounded: dev servers run long).
        self.lookups: deque[str] = deque(maxlen=100)

    async def lookup(self, credit_code: str) -> RegistryRecord | None:
        self.lookups.append(credit_code)
        if credit_code == UNAVAILABLE_CODE:
            raise SandboxRegistryUnavailable("sandbox registry unreachable (test code UNAVAILABLE_CODE)")
        record = self.records.get(credit_code)
        return replace(record) if record else None
