"""`townhall assistant`: serve the residents' assistant (the public site), check flows, measure intent matching,
delete expired transcripts and list service requests. A thin layer over ``townhall.assistant``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, error_console, friendly_errors, open_workspace

app = typer.Typer(help="The residents' assistant: serve the public site, check flow files, measure how well it "
                       "understands residents, and delete transcripts after the retention period.",
                  no_args_is_help=True)


@app.command("serve")
@friendly_errors
def serve(
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
    host: Annotated[str, typer.Option(help="Address to listen on. Keep 127.0.0.1 unless an HTTPS proxy sits in "
                                           "front.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (the staff app uses 8000).", min=1,
                                      max=65535)] = 8001,
) -> None:
    """Serve the public site with the residents' assistant, apart from the staff app (no sign-in, no records)."""
    from townhall.cli.serve import _is_loopback
    from townhall.public import serve_public
    from townhall.web.assets import check_assets_built

    check_assets_built()
    opened = open_workspace(workspace)
    folder, council = opened.path, opened.config.council_name
    opened.settings.assistant  # noqa: B018 - a wrong [assistant] setting stops here, not on the first visitor
    opened.close()
    if not _is_loopback(host):
        error_console.print(
            f"[bold yellow]Warning:[/bold yellow] listening on {escape(host)} lets other computers connect, and this "
            "server does not encrypt traffic. Put it behind an HTTPS proxy before residents use it.", highlight=False)
    shown_host = f"[{host}]" if ":" in host else host
    console.print(f"Serving the residents' assistant for [bold]{escape(council)}[/bold] at "
                  f"http://{shown_host}:{port}/assistant — press Ctrl+C to stop.", highlight=False)
    serve_public(folder, host=host, port=port)


@app.command("check-flow")
@friendly_errors
def check_flow(
    files: Annotated[list[Path], typer.Argument(help="Flow files (YAML) to check.")],
) -> None:
    """Check flow files: every step reachable, no loops, no personal data the flow has not declared."""
    from townhall.assistant import load_flow

    for file in files:
        flow = load_flow(file)
        console.print(f"{escape(str(file))}: the flow '{escape(flow.name)}' is fine ({len(flow.steps)} steps, "
                      f"{len(flow.examples)} example phrasings).", highlight=False)


@app.command("evaluate")
@friendly_errors
def evaluate(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Measure intent matching on phrasings it never saw: accuracy per flow, and 'not sure' for the rest."""
    from townhall.assistant import evaluate_intents, held_out_phrasings, load_flows, train_intents

    opened = open_workspace(workspace)
    settings = opened.settings.assistant
    folder = opened.path / settings.flows_folder if settings.flows_folder else None
    matcher = train_intents(load_flows(folder), threshold=settings.confidence_threshold)
    for line in evaluate_intents(matcher, held_out_phrasings()).lines():
        console.print(escape(line), highlight=False)


@app.command("purge")
@friendly_errors
def purge(workspace: WorkspaceOption = None) -> None:  # type: ignore[assignment]
    """Delete conversations older than [assistant] transcript_retention_days (the public site also does this)."""
    from townhall.assistant import delete_expired_transcripts
    from townhall.workspace import current_actor

    opened = open_workspace(workspace)
    deleted = delete_expired_transcripts(opened, actor=current_actor())
    days = opened.settings.assistant.transcript_retention_days
    console.print(f"Deleted {deleted:,} conversations untouched for more than {days} days.")


@app.command("requests")
@friendly_errors
def requests(
    team: Annotated[str | None, typer.Option(help="Only this team's requests.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """List the newest service requests and hand-overs (reference, team, status), without residents' details."""
    from townhall.assistant import service_requests

    table = Table(title="Service requests from the residents' assistant")
    for column in ("Reference", "Kind", "Service", "Team", "Status", "Received"):
        table.add_column(column)
    for request in service_requests(open_workspace(workspace), team=team):
        table.add_row(request.reference, request.kind, escape(request.flow), escape(request.team), request.status,
                      f"{request.created_at:%d/%m/%Y %H:%M}")
    console.print(table)
