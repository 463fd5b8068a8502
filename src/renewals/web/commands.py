"""`renewals serve`: the web app and REST API on Uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from renewals.kit.cli import console, state


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Interface to listen on; 0.0.0.0 for every interface.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the dashboards (http://HOST:PORT/) and the REST API (/api/v1, OpenAPI at /docs).

    Users sign in with the passwords set by `renewals user add` / `renewals user password`;
    scripts use `Authorization: Bearer <token>` from `renewals user token`. Stop with Ctrl-C.
    """
    import uvicorn

    from renewals.web.app import create_app

    settings = state(ctx).settings
    app = create_app(settings)
    console.print(
        f"renewals is serving on [bold]http://{host}:{port}/[/] (API docs at /docs). Ctrl-C stops it."
    )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
