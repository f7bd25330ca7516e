"""All environment configuration, read once, from ``TEARLINE_``-prefixed variables.

Keeping every knob here means a deployment can be understood by reading one
file, and tests can override a setting by setting one variable.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the installed package (templates, schemas, demo data live below it).
PACKAGE_DIR = Path(__file__).resolve().parent
#: Repository root when running from a checkout.
REPO_ROOT = PACKAGE_DIR.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TEARLINE_{name}", default)


def database_url() -> str:
    """The database to use: ``TEARLINE_DB`` (a SQLAlchemy URL or a file path).

    A bare path means a SQLite file, the embedded default.
    """
    return normalize_db_url(_env("DB", "tearline.db"))


def normalize_db_url(value: str) -> str:
    """Turn a path or a short URL into the SQLAlchemy URL we actually use.

    ``postgresql://`` URLs are pinned to the psycopg 3 driver so users can paste
    the URL their tooling prints without knowing about drivers.
    """
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def shared_data_dir() -> Path:
    """Where the public test/benchmark data lives (never copied into the repo)."""
    explicit = os.environ.get("TEARLINE_SHARED_DATA")
    if explicit:
        return Path(explicit)
    return REPO_ROOT.parent / "shared" / "data"


def postgres_test_url() -> str:
    """The PostgreSQL server the test suite uses for the second backend."""
    return _env("TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


#: Rows per batch when writing; keeps SQLite under its variable limit and
#: bounds memory on huge bundles.
WRITE_BATCH = int(_env("WRITE_BATCH", "2000"))
#: Agency that owns this instance; its cleared users see everything they need to know.
OWNER_AGENCY = _env("AGENCY", "HOME")
#: TLP assumed for objects that carry no TLP marking (e.g. reference data):
#: conservative, so unmarked material is never shared to the community by accident.
DEFAULT_TLP = _env("DEFAULT_TLP", "amber")


def cli_token() -> str | None:
    """The CLI's bearer token: ``TEARLINE_TOKEN``, else the file ``TEARLINE_TOKEN_FILE``.

    A token names a local user (issued by ``tearline users token NAME``); the CLI
    then acts as that user, with that user's roles and clearance.
    """
    token = os.environ.get("TEARLINE_TOKEN", "").strip()
    if token:
        return token
    path = os.environ.get("TEARLINE_TOKEN_FILE", "").strip()
    if path:
        try:
            return Path(path).expanduser().read_text(encoding="utf-8").strip() or None
        except OSError:
            return None
    return None


def cache_dir() -> Path:
    """Where derived data is cached (the merged actor catalog): ``TEARLINE_CACHE_DIR``,
    else ``$XDG_CACHE_HOME/tearline``, else ``~/.cache/tearline``."""
    explicit = os.environ.get("TEARLINE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tearline"


def assess_config_path() -> str | None:
    """An assessment-thresholds TOML overlaying the packaged one (``TEARLINE_ASSESS_CONFIG``)."""
    return os.environ.get("TEARLINE_ASSESS_CONFIG") or None


def secret_from_env(name: str) -> str | None:
    """A secret kept in the environment variable ``name`` (a partner's outbound password).

    The database stores only the variable's name, never the secret; this is the
    one place the process environment is read for it.
    """
    return os.environ.get(name) or None


# -- security (issue 14) --------------------------------------------------------
def audit_key_file() -> Path | None:
    """``TEARLINE_AUDIT_KEY_FILE``: the secret that signs audit checkpoints.

    Kept outside the database on purpose: whoever can rewrite the database
    must not also be able to sign a checkpoint of the rewritten log.
    """
    value = os.environ.get("TEARLINE_AUDIT_KEY_FILE", "").strip()
    return Path(value).expanduser() if value else None


def audit_sink() -> Path | None:
    """``TEARLINE_AUDIT_SINK``: the append-only file audit checkpoints go to."""
    value = os.environ.get("TEARLINE_AUDIT_SINK", "").strip()
    return Path(value).expanduser() if value else None


def audit_checkpoint_every() -> int:
    """``TEARLINE_AUDIT_CHECKPOINT_EVERY``: a checkpoint each time the log passes N rows."""
    return max(1, int(_env("AUDIT_CHECKPOINT_EVERY", "100")))


def login_limits() -> tuple[int, int, int]:
    """(failures per user, failures per address, window seconds) before a lockout.

    ``TEARLINE_LOGIN_MAX_FAILURES`` (5), ``TEARLINE_LOGIN_MAX_FAILURES_PER_ADDRESS``
    (20) and ``TEARLINE_LOGIN_WINDOW`` (900 s): that many failed logins within
    the window lock the user name (or the address) until the window has passed
    since the last failure.
    """
    return (max(1, int(_env("LOGIN_MAX_FAILURES", "5"))),
            max(1, int(_env("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))),
            max(1, int(_env("LOGIN_WINDOW", "900"))))


def input_limits() -> dict[str, int]:
    """Limits on hostile input, each ``TEARLINE_MAX_<NAME>`` (see docs/security.md).

    ``JSON_DEPTH`` nesting of any JSON value (64), ``FILE_BYTES`` one input file
    (128 MiB; MITRE ATT&CK is about 45), ``BODY_CHARS`` one report's body (1 M),
    ``TITLE_CHARS`` (2,000), ``OBJECT_BYTES`` one STIX object serialized (4 MiB),
    ``REQUEST_BYTES`` one REST/TAXII request body (16 MiB), ``UPLOAD_BYTES`` one
    console post (64 MiB: its upload form takes a 50 MiB file plus the form around it).
    """
    return {k: input_limit(k) for k in _INPUT_LIMITS}


_INPUT_LIMITS = {"JSON_DEPTH": 64, "FILE_BYTES": 128 << 20, "BODY_CHARS": 1_000_000,
                 "TITLE_CHARS": 2_000, "OBJECT_BYTES": 4 << 20, "REQUEST_BYTES": 16 << 20,
                 "UPLOAD_BYTES": 64 << 20}


def input_limit(name: str) -> int:
    """One of ``input_limits`` (``TEARLINE_MAX_<NAME>``), reading only its own variable.

    Parsers ask once per STIX object; reading all six each time was a third of
    the CPU of a TAXII add (issue 9 benchmark).
    """
    return max(1, int(_env(f"MAX_{name}", str(_INPUT_LIMITS[name]))))


def extract_workers() -> int | None:
    """Processes for extraction in ``fuse``: ``TEARLINE_EXTRACT_WORKERS`` (unset: the cores).

    ``1`` keeps extraction in the fusing process (no pool at all).
    """
    value = _env("EXTRACT_WORKERS", "").strip()
    return max(1, int(value)) if value else None


def sqlite_mmap_bytes() -> int:
    """``TEARLINE_SQLITE_MMAP_MB`` (256; 0 turns it off): how much of a SQLite store each
    connection reads through a memory map instead of ``read`` calls.

    A TAXII walk of a store larger than a connection's page cache reads every
    page back from the operating system; through the map that is a memory
    access shared by all connections of the process rather than a system call
    and a copy per page (docs/benchmarks-taxii.md, session 8).
    """
    return max(0, int(_env("SQLITE_MMAP_MB", "256"))) * 1024 * 1024
