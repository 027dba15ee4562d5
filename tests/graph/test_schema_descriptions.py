"""Every root field, type, input, input field, enum and union has a plain-language description (issue 8, part 4).

The walk reads the schema the app builds (graphql-core's view of it, what introspection answers). A
description that is only a spec id ("X1.", "P1a-P1e.", "P9b step 1") fails: spec ids may follow the words,
in brackets, but a front-end engineer has to understand the field without the spec at hand.
"""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
)

from graph.app import build_schema
from uidp.config import Settings

ROOTS = ("Query", "Mutation", "Subscription")

SPEC_ID = re.compile(r"\b[PXEA]\d+[a-z]?\b|§[\d.]+|\bsteps?\b|\bmanual\b|\d+")
WORD = re.compile(r"[A-Za-z]{3,}|[\u4e00-\u9fff]{2,}")


def plain(description: str | None) -> bool:
    """At least two words (or one Chinese term) left once spec ids, step numbers and brackets are removed."""
    if not description:
        return False
    words = WORD.findall(SPEC_ID.sub(" ", re.sub(r"\([^)]*\)", " ", description)))
    return len(words) >= 2 or any("\u4e00" <= ch <= "\u9fff" for word in words for ch in word)


def undescribed(schema) -> list[str]:
    missing = []
    for name, type_ in schema.type_map.items():
        if name.startswith("__"):
            continue
        if name in ROOTS:
            missing += [f"{name}.{f}" for f, field in type_.fields.items() if not plain(field.description)]
            continue
        kinds = (GraphQLObjectType, GraphQLInputObjectType, GraphQLEnumType, GraphQLUnionType, GraphQLInterfaceType)
        if isinstance(type_, kinds) and not plain(type_.description):
            missing.append(name)
        if isinstance(type_, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in type_.fields.items() if not plain(field.description)]
    return sorted(missing)


def test_every_root_field_type_input_enum_and_union_is_described(tmp_path):
    schema = build_schema(Settings.from_env({}, data_dir=tmp_path))._schema
    missing = undescribed(schema)
    hint = (
        "give each a plain-language description (decision 98): strawberry.type/input/enum(description=...), "
        'strawberry.field(description=...) on input fields and root fields, result_union("XResult") for unions'
    )
    assert not missing, f"no plain-language description ({hint}):\n" + "\n".join(missing)


def test_a_spec_id_alone_is_not_a_description():
    assert not plain("X1.")
    assert not plain("P1a-P1e.")
    assert not plain("P9b step 1.")
    assert not plain("P3, X7.")
    assert not plain(None)
    assert plain("Log in with a phone or certificate number and a password (P3, X7).")
    assert plain("法人类型 (manual §2.1).")
