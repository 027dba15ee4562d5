"""Assurance levels (认证等级, §1.4 / P7)."""

from __future__ import annotations

from enum import IntEnum


class AssuranceLevel(IntEnum):
    """How well an account's identity is proven: 1 初级, 2 中级, 3 高级."""

    BASIC = 1  # registered (person) with a checked certificate number
    MEDIUM = 2  # bank-card four-element check (person); registered entity
    HIGH = 3  # CA certificate bound

    @property
    def label(self) -> str:
        """Chinese label (初级 / 中级 / 高级)."""
        return {1: "初级", 2: "中级", 3: "高级"}[self.value]
