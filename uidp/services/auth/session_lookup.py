"""The session behind a token, the account it speaks for and, for a proxy session (E3), its grant chain, in one
round trip to the database.

Every authenticated request needs the first two; a proxy session's request needs the chain too, checked at every
use (``grant_use.held_facts``). Two ORM lookups (session by digest, then the account by id) cost two
round trips and, measured under `me` load, a third of a worker's time, half of it building the queries. Here
the SQL is built once per dialect from the models' own column lists, the account is LEFT JOINed by the
session's subject kind, the session's grant and the (at most two) grants above it by ``parent_id`` (NULL
columns for any other session), and the rows are turned into model instances the way Tortoise's executor
does (``Model._init_from_db``). The statement text never changes, so asyncpg reuses its prepared statement.

Nothing is cached between requests: the session row and a proxy session's grants are read on every request, so
a revocation or the end of a grant written by any worker or host is seen by every other one on its very next
request.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections, fields
from tortoise.models import Model

from uidp.domain.accounts import SubjectKind
from uidp.domain.delegation import MAX_DEPTH, GrantFacts
from uidp.models.entity import Entity
from uidp.models.grant import Grant
from uidp.models.person import Person
from uidp.models.session import Session
from uidp.models.staff import StaffAccount
from uidp.sqlite import reader_for

# subject kind -> (alias, model); the account a session of that kind belongs to
ACCOUNTS: dict[str, tuple[str, type[Model]]] = {
    SubjectKind.PERSON: ("p", Person),
    SubjectKind.STAFF: ("st", StaffAccount),
    SubjectKind.ENTITY: ("e", Entity),
}
_SESSION_ALIAS = "s"
#: the session's grant, its parent, its parent's parent: a chain has at most MAX_DEPTH links
_GRANT_ALIASES = tuple(f"g{level}" for level in range(MAX_DEPTH))


@dataclass(frozen=True)
class SessionRow:
    """A session and its account (None when the account no longer exists); for a proxy session the grants read
    with it (``stored_chain``, level 1 first, as far up as the rows go) and, once checked in force
    (``Sessions.resolve_with_account``), ``grant_chain``."""

    session: Session
    account: Model | None
    grant_chain: tuple[Grant, ...] | None = None
    grant_facts: tuple[GrantFacts, ...] | None = None  # grant_chain as the delegation rules see it
    stored_chain: tuple[Grant, ...] = ()


def _projection(model: type[Model]) -> list[str]:
    return list(model._meta.fields_db_projection.values())


#: (alias, model, its columns) in the order of the SELECT list, so a row is cut into models by position.
_LAYOUT: list[tuple[str, type[Model], list[str]]] = (
    [(_SESSION_ALIAS, Session, _projection(Session))]
    + [(alias, model, _projection(model)) for alias, model in ACCOUNTS.values()]
    + [(alias, Grant, _projection(Grant)) for alias in _GRANT_ALIASES]
)


def _sql(placeholder: str) -> str:
    select = [f'{alias}."{column}"' for alias, _, columns in _LAYOUT for column in columns]
    joins = [
        f'LEFT JOIN "{model._meta.db_table}" {alias} ON {_SESSION_ALIAS}."subject_kind" = \'{kind}\''
        f' AND {alias}."{model._meta.db_pk_column}" = {_SESSION_ALIAS}."subject_id"'
        for kind, (alias, model) in ACCOUNTS.items()
    ]
    grant_table, below = Grant._meta.db_table, (_SESSION_ALIAS, "grant_id")
    for alias in _GRANT_ALIASES:
        joins.append(f'LEFT JOIN "{grant_table}" {alias} ON {alias}."id" = {below[0]}."{below[1]}"')
        below = (alias, "parent_id")
    return (
        f'SELECT {", ".join(select)} FROM "{Session._meta.db_table}" {_SESSION_ALIAS} {" ".join(joins)}'
        f' WHERE {_SESSION_ALIAS}."token_hash" = {placeholder}'
    )


_SQL: dict[str, str] = {}


def lookup_sql(dialect: str) -> str:
    """The statement for this dialect (built once): ``?`` for SQLite, ``$1`` for PostgreSQL."""
    if dialect not in _SQL:
        _SQL[dialect] = _sql("?" if dialect == "sqlite" else "$1")
    return _SQL[dialect]


def _offsets() -> dict[str, tuple[int, int, list[str], frozenset[str]]]:
    found, start = {}, 0
    for alias, model, columns in _LAYOUT:
        moments = frozenset(
            model._meta.fields_db_projection[name]
            for name, field in model._meta.fields_map.items()
            if isinstance(field, fields.DatetimeField)
        )
        found[alias] = (start, start + len(columns), columns, moments)
        start += len(columns)
    return found


_OFFSETS = _offsets()


def _columns_of(values: tuple[Any, ...], alias: str) -> dict[str, Any]:
    start, end, columns, moments = _OFFSETS[alias]
    found = dict(zip(columns, values[start:end], strict=True))
    for column in moments:  # SQLite answers ISO text: parsed in C here, not by Tortoise's pure-Python parser
        if isinstance(value := found[column], str):
            found[column] = datetime.fromisoformat(value)
    return found


async def session_with_account(digest: str) -> SessionRow | None:
    """The session whose token has this digest, with its account, in one query; None if no such session."""
    db = connections.get("default")
    sql = lookup_sql(db.capabilities.dialect)
    rows: Any = None
    # A serving worker on SQLite reads on its own read-only connection (uidp.sqlite); inside a transaction
    # the connection is Tortoise's transaction wrapper (no filename), which must see its own writes.
    reader = reader_for(getattr(db, "filename", None)) if db.capabilities.dialect == "sqlite" else None
    if reader is not None:
        with contextlib.suppress(sqlite3.OperationalError):  # busy (WAL recovery): Tortoise's path instead
            rows = reader.execute(sql, [digest]).fetchall()
    if rows is None:
        _, rows = await db.execute_query(sql, [digest])
    if not rows:
        return None
    values = tuple(rows[0])
    session = Session._init_from_db(**_columns_of(values, _SESSION_ALIAS))
    account: Model | None = None
    alias_model = ACCOUNTS.get(session.subject_kind)
    if alias_model is not None:
        alias, model = alias_model
        columns = _columns_of(values, alias)
        if columns.get(model._meta.db_pk_column) is not None:
            account = model._init_from_db(**columns)
    return SessionRow(session, account, stored_chain=_chain(values) if session.grant_id is not None else ())


def _chain(values: tuple[Any, ...]) -> tuple[Grant, ...]:
    """The joined grants, level 1 first: the session's grant, then each parent while the row has one."""
    chain: list[Grant] = []
    for alias in _GRANT_ALIASES:
        columns = _columns_of(values, alias)
        if columns["id"] is None:
            break
        chain.append(Grant._init_from_db(**columns))
    return tuple(reversed(chain))
