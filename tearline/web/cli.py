"""Web-facing commands: ``tearline serve`` (and ``tearline sync``, the TAXII client side).

Registered on the main group from ``tearline.cli``; kept here so the web
stack is only imported when one of these commands runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

if TYPE_CHECKING:  # the main CLI imports this module; typing only
    from tearline.cli import Ctx

console = Console()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, log_level: str) -> None:
    """Run the REST API and the TAXII 2.1 server (discovery at /taxii2/)."""
    import uvicorn

    from tearline.share.stix_store import publish_reports
    from tearline.web.app import make_app

    engine = obj.engine
    _warn_identity(engine)
    published = publish_reports(engine)
    if published:
        console.print(f"published {published} native report(s) as STIX for TAXII")
    from tearline.share.publisher import start_publisher

    start_publisher(engine)  # reports ingested from now on reach TAXII too
    console.print(f"Tearline TAXII 2.1 at http://{host}:{port}/taxii2/", highlight=False)
    uvicorn.run(make_app(engine), host=host, port=port, log_level=log_level,
                access_log=False)


@click.command()
@click.option("--partner", "partner_code", required=True,
              help="Partner code of the remote agency (its tier decides what is pushed).")
@click.option("--url", help="Remote TAXII discovery or API root URL (default: the partner's "
              "taxii_url).")
@click.option("--user", envvar="TEARLINE_SYNC_USER", help="Basic user on the remote.")
@click.option("--password", envvar="TEARLINE_SYNC_PASSWORD", help="Basic password on the remote.")
@click.option("--token", envvar="TEARLINE_SYNC_TOKEN", help="Bearer token on the remote.")
@click.option("--pull/--no-pull", default=True, show_default=True,
              help="Fetch new objects from the remote's readable collections.")
@click.option("--push/--no-push", default=True, show_default=True,
              help="Send what the policy releases to this partner to the remote's inbox.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def sync(obj: Ctx, partner_code: str, url: str | None, user: str | None,
         password: str | None, token: str | None, pull: bool, push: bool,
         as_json: bool) -> None:
    """Pull from and push to another TAXII 2.1 server, incrementally and idempotently."""
    import orjson

    from tearline.share.sync import SyncOptions, run_sync

    _warn_identity(obj.engine)
    result = run_sync(obj.engine, SyncOptions(partner=partner_code, url=url, user=user,
                                              password=password, token=token, pull=pull,
                                              push=push))
    if as_json:
        click.echo(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    console.print(result.summary(), highlight=False)


def _warn_identity(engine: Any) -> None:
    """Adopt the instance's identity and say so loudly when nobody configured it."""
    from tearline.security.instance import default_identity_warning, load_instance

    warning = default_identity_warning(load_instance(engine))
    if warning:
        click.echo(warning, err=True)


COMMANDS = [serve, sync]
