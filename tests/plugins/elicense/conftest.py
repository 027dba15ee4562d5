"""The elicense tests' entity (its legal representative has a person account) and licence platform."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.ca_factory import make_entity, make_person
from tests.plugins.scan_channels import Partner
from tests.support import browser
from uidp.plugin_api import SignAlgorithm, make_credit_code

REPRESENTATIVE = "42010219900101121X"  # name 张三 (make_person)
MANAGER = "110101199003077774"


@pytest.fixture
async def entity(rt: Any) -> Any:
    representative = await make_person(rt, number=REPRESENTATIVE)
    row = await make_entity(rt, make_credit_code("91", "420100", "MA4K0000"))
    row.representative_id = representative.id
    await row.save()
    row.representative = representative
    row.code = make_credit_code("91", "420100", "MA4K0000")
    return row


@pytest.fixture
async def licence(app: Any, rt: Any):
    async with browser(app, "198.51.100.30") as http:
        yield Partner(http, rt, "elicense", SignAlgorithm.RSA)


def scan(entity: Any, **changes: str) -> dict[str, str]:
    return {"credit_code": entity.code, "name": "张三", "id_number": REPRESENTATIVE, "role": "legal_representative",
            **changes}  # fmt: skip
