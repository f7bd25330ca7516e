"""Fusion test helpers."""

from __future__ import annotations

from typing import Any

import pytest

from tearline.fusion.extract import batch


@pytest.fixture
def pool_starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The start method of every extraction pool opened during the test, in order.

    A test that means to exercise the real pool asserts on it: an empty list
    says the work stayed in process.
    """
    started: list[str] = []
    real_context = batch._context

    def context() -> Any:
        ctx = real_context()
        started.append(ctx.get_start_method())
        return ctx

    monkeypatch.setattr(batch, "_context", context)
    return started
