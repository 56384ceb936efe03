"""`townhall serve`: run the web app on this machine."""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated

import typer

from townhall.cli.common import WorkspaceOption, console, error_console, friendly_errors, open_workspace


def _is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
        except (OSError, ValueError):
            return False


@friendly_errors
def serve(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    host: Annotated[str, typer.Option(help="Address to listen on. Keep 127.0.0.1 unless an HTTPS proxy sits in "
                                           "front.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the web app on this machine."""
    from townhall.web import serve as serve_web
    from townhall.web.assets import check_assets_built

    check_assets_built()
    opened = open_workspace(workspace)
    folder = opened.path
    council = opened.config.council_name
    opened.close()
    if not _is_loopback(host):
        error_console.print(
            f"[bold yellow]Warning:[/bold yellow] listening on {host} lets other computers connect, and this server "
            "does not encrypt traffic. Put it behind an HTTPS proxy before anyone uses it over a network.",
            highlight=False,
        )
    shown_host = f"[{host}]" if ":" in host else host
    console.print(f"Serving townhall for [bold]{council}[/bold] at http://{shown_host}:{port}/ — press Ctrl+C to stop.",
                  highlight=False)
    serve_web(folder, host=host, port=port)
