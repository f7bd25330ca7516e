"""Schemathesis against the OpenAPI document: no request makes the API answer 5xx.

Runs in process over ASGI with an admin's bearer token, so cases get past
authentication into the routes; every answer must be below 500 and, under
``/api/v1``, in the one JSON error shape when it is an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tearline.security.credentials import issue_user_token
from tearline.security.users import add_user
from tearline.store.db import ensure_current, make_engine
from tearline.web.app import make_app

_TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    db = Path(tmp_path_factory.mktemp("st")) / "st.db"
    engine = make_engine(str(db))
    ensure_current(engine)
    with engine.begin() as conn:
        add_user(conn, "root", actor="test", roles=["admin", "approver", "analyst"],
                 clearance="TOP SECRET", compartments=["*"])
        _TOKEN["value"] = issue_user_token(conn, "root", actor="test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield schemathesis.openapi.from_asgi("/openapi.json", make_app(engine))
    engine.dispose()


def test_no_request_gets_a_5xx(api_schema: Any) -> None:
    """Every operation in the document, a few generated cases each."""
    headers = {"Authorization": f"Bearer {_TOKEN['value']}"}
    failures: list[str] = []
    calls: list[int] = []
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) > 10

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: "
                                f"{response.status_code} {response.text[:200]}")
            elif response.status_code >= 400 and case.path.startswith("/api/v1"):
                body = response.json()
                if set(body) != {"ok", "error", "errors", "status"}:
                    failures.append(f"{case.method} {case.formatted_path}: shape {body}")

        run()
    assert not failures, failures[:10]
    assert len(calls) >= 2 * len(operations) and any(c < 300 for c in calls)
