"""graph/loaders.py: a list of N items whose fields need other records costs a bounded number of SQL queries."""

from __future__ import annotations

import uuid

import pytest
from tortoise import connections

from tests.support import staff_token
from uidp.domain.accounts import StaffRole, SubjectKind
from uidp.services.auth import session_lookup
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import Principal, cli_actor
from uidp.services.staff.staff import StaffService

pytestmark = pytest.mark.anyio

EVENTS = """query($first: Int!) { auditEvents(filter: {eventType: "bulk"}, first: $first) {
  edges { node { details %s } } } }"""


class _CountingReader:
    """A serving worker's SQLite read connection (uidp.sqlite.reader_for) that counts its statements."""

    def __init__(self, reader, counted: list[str]) -> None:
        self.reader, self.counted = reader, counted

    def execute(self, *args):
        self.counted.append("reader.execute")
        return self.reader.execute(*args)


@pytest.fixture
def queries(monkeypatch) -> list[str]:
    """Every statement the database client runs from now on (the client's executor, wrapped), and the session
    lookup's on SQLite's read connection (which bypasses the client)."""
    client_class = type(connections.get("default"))
    counted: list[str] = []
    for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many"):
        original = getattr(client_class, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            counted.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(client_class, name, counting)
    reader_for = session_lookup.reader_for

    def counting_reader(path):
        reader = reader_for(path)
        return None if reader is None else _CountingReader(reader, counted)

    monkeypatch.setattr(session_lookup, "reader_for", counting_reader)
    return counted


async def test_audit_events_name_their_staff_actors_in_one_query(api, rt, queries):
    admin = await staff_token(rt, "administrator", username="root")
    staff = StaffService(rt)
    actors = []
    for n in range(10):
        member, _ = await staff.create(f"op{n}", f"Operator {n}", [StaffRole.OPERATOR], actor=cli_actor())
        actors.append(Principal(SubjectKind.STAFF, member.id, uuid.uuid4(), (StaffRole.OPERATOR,)))
    audit = Audit(rt)
    for n in range(60):
        await audit.record("bulk", actor=actors[n % 10], n=n)
    await audit.record(
        "bulk", actor=Principal(SubjectKind.STAFF, uuid.uuid4(), uuid.uuid4()), n=60
    )  # a member since gone
    await audit.record("bulk", n=61)  # no actor

    costs: dict[tuple[int, bool], int] = {}
    for first in (3, 62):
        for named in (False, True):
            await api.data(EVENTS % "", {"first": 1}, token=admin)  # the session is touched once a minute; warm it
            queries.clear()
            edges = (await api.data(EVENTS % ("actorName" if named else ""), {"first": first}, token=admin))[
                "auditEvents"
            ]["edges"]
            costs[first, named] = len(queries)
            assert len(edges) == first
            if named:
                for node in (edge["node"] for edge in edges):
                    n = node["details"]["n"]
                    assert node["actorName"] == (f"op{n % 10}" if n < 60 else None), node
    # One batched query for every name on the page, however long the page and however many actors it names.
    assert costs[3, True] == costs[3, False] + 1, costs
    assert costs[62, True] == costs[62, False] + 1, costs
    assert costs[3, True] == costs[62, True], costs
