"""uidp.events.EventType lists every event type the core records, and nothing else.

Read from the code: the first argument of every ``....record(...)`` call in uidp/ and graph/ (Audit.record),
and, where that argument is a parameter of the calling function (``_refused(event, ...)``), the literals its
callers pass for it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from uidp.events import EventType
from uidp.plugin_api import EventType as ExportedEventType

ROOT = Path(__file__).resolve().parent.parent


def literals(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def recorded_types() -> tuple[set[str], list[str]]:
    """(event types found, the record calls whose type could not be read)."""
    found: set[str] = set()
    unresolved: list[str] = []
    for path in sorted([*(ROOT / "uidp").rglob("*.py"), *(ROOT / "graph").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        forwarded: dict[str, tuple[int, str]] = {}  # function -> (index of the parameter, its name)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = [a.arg for a in function.args.args if a.arg != "self"]
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                if call.func.attr != "record" or not call.args:
                    continue
                first = call.args[0]
                if isinstance(first, ast.Name) and first.id in params:
                    forwarded[function.name] = (params.index(first.id), first.id)
                elif literals(first):
                    found |= literals(first)
                else:
                    unresolved.append(f"{path.relative_to(ROOT)}:{call.lineno}")
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            if name not in forwarded:
                continue
            index, keyword = forwarded[name]
            given = [k.value for k in call.keywords if k.arg == keyword]
            given += call.args[index : index + 1] if len(call.args) > index else []
            for value in given:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.add(value.value)
                else:
                    unresolved.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    return found, unresolved


def test_the_catalogue_is_the_set_of_recorded_types():
    found, unresolved = recorded_types()
    assert not unresolved, "event types the catalogue test cannot read (pass a literal):\n" + "\n".join(unresolved)
    catalogue = {member.value for member in EventType}
    assert found - catalogue == set(), "add these to uidp.events.EventType"
    assert catalogue - found == set(), "no code records these any more; remove them from uidp.events.EventType"


def test_the_plugin_api_offers_the_catalogue():
    assert ExportedEventType is EventType
    assert EventType.LOGIN_FAILED == "login.failed" and f"{EventType.LOGIN_FAILED}" == "login.failed"
