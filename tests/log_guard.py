"""Every log record the suite writes, kept as uidp's JSON formatter renders it, and checked at the end of the run
for raw PII and secrets: ID numbers, phones, the names, passwords, SMS codes and tokens the tests use.

The conftest imports the two hooks below; a leak makes the whole run fail with the lines that carry it. The
helpers in tests.support add each code and token they read to :data:`SECRETS`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import pytest

from uidp.observability.logs import JsonFormatter

SECRETS: set[str] = set()  # SMS codes, setup codes and tokens the helpers saw
NAMES = ("陈心", "陈新", "王五", "王真", "李明", "李雅文", "贾某", "孙七", "赵六", "John Smith")
PATTERNS = {
    "ID number": re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])"),
    "phone": re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])"),
}


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.formatter_ = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        # Another library's debug records are seen only while a test lowers the root logger to DEBUG (the plugin
        # kit's capture_logs): a deployment configures the "uidp" logger alone. Tortoise's SQL debug lines then
        # print every parameter, and a datetime's microseconds are six digits, which an SMS code of the run is
        # now and then; those lines are not what a deployment would write.
        if record.levelno < logging.INFO and not record.name.startswith("uidp"):
            return
        try:
            self.lines.append(self.formatter_.format(record))
        except Exception:  # a record that cannot even be formatted is not ours to judge
            self.lines.append(str(record.msg))


COLLECTOR = Collector()


WORD = re.compile(r"[A-Za-z0-9_-]+")
WORKER = re.compile(r'"worker": \d+')  # the pid: a number, not a value a test typed


def leaks(lines: Iterable[str], secrets: Iterable[str], fixed: Iterable[str]) -> list[str]:
    """The lines that carry a raw value: a pattern's match, a secret as a whole word, or a fixed value anywhere."""
    words = {value for value in secrets if len(value) >= 6}
    fixed = list(fixed)
    found = []
    for raw in lines:
        line = WORKER.sub("", raw)
        kinds = [kind for kind, pattern in PATTERNS.items() if pattern.search(line)]
        if not words.isdisjoint(WORD.findall(line)):
            kinds.append("code or token")
        if any(value in line for value in fixed):
            kinds.append("password or name")
        if kinds:
            found.append(f"{', '.join(kinds)}: {line[:400]}")
    return found


def fixed_values() -> list[str]:
    from tests.support import PASSWORD, STAFF_PASSWORD

    return [PASSWORD, STAFF_PASSWORD, *NAMES]


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(COLLECTOR)
    logging.getLogger("uidp").setLevel(logging.DEBUG)  # as the app sets it: every record of ours is seen


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = leaks(COLLECTOR.lines, SECRETS, fixed_values())
    if not found:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    text = f"{len(found)} log lines carry raw PII or secrets (tests/log_guard.py):\n" + "\n".join(found[:30])
    if reporter is not None:
        reporter.write_line(text, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
