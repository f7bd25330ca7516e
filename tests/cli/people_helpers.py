"""Running the ``tearline`` command on a real database, for the people-facing CLI tests."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from sqlalchemy import Engine

from tearline.cli import main


def db_arg(engine: Engine) -> str:
    """What ``--db`` names for this engine (a SQLite path or the PostgreSQL URL)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=False)


def run(engine: Engine, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of one command."""
    result = CliRunner().invoke(main, ["--db", db_arg(engine), *args], env=env,
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_json(engine: Engine, *args: str, env: dict[str, str] | None = None) -> Any:
    code, out, err = run(engine, *args, "--json", env=env)
    assert code == 0, out + err
    return json.loads(out)
