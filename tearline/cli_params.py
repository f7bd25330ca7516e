"""Parameter types every command shares, so a date or a probability is read one way.

``DATETIME`` accepts ``YYYY-MM-DD`` or any ISO 8601 time and returns an aware
datetime (UTC when no offset is given); ``PROBABILITY`` is a number from 0 to 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

__all__ = ["DATETIME", "PROBABILITY", "DateTimeParam", "parse_datetime"]


def parse_datetime(value: str) -> datetime:
    """An aware datetime from ``YYYY-MM-DD`` or ISO 8601; raises ``ValueError`` otherwise."""
    dt = datetime.fromisoformat(value.strip())
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class DateTimeParam(click.ParamType):
    """A date or time on the command line (naive times are taken as UTC)."""

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        try:
            return parse_datetime(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date or time; use YYYY-MM-DD or ISO 8601, "
                      "e.g. 2025-03-06T12:00", param, ctx)


DATETIME = DateTimeParam()
#: A probability typed by an analyst: 0 to 1 inclusive; anything else is refused.
PROBABILITY = click.FloatRange(0.0, 1.0)
