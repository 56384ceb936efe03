"""`townhall demo`: build the fictional borough of Ashbury as a ready workspace, print a summary, serve the app."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from townhall.cli.common import console, friendly_errors, progress_bar

if TYPE_CHECKING:
    from townhall.demo.analyses import DemoAnalyses
    from townhall.demo.workspace_builder import DemoBuild


@friendly_errors
def demo(
    folder: Annotated[Path, typer.Argument(help="Where to build the demo workspace.")] = Path("ashbury"),
    residents: Annotated[int, typer.Option(min=500, max=5_000_000, help="How many fictional residents.")] = 10_000,
    seed: Annotated[int, typer.Option(help="The same seed always gives the same council.")] = 2026,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the web app when built.")] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    link: Annotated[bool, typer.Option("--link/--no-link",
                                       help="Link the records into people and households once built.")] = True,
    analyse: Annotated[bool, typer.Option("--analyse/--no-analyse",
                                          help="Train, score and audit the risk models and analyse the letter "
                                               "trial once linked.")] = True,
) -> None:
    """Generate the demo council 'Ashbury', register all its sources, create demo users, link records into people
    and households (with accuracy against the demo's ground truth), train and audit its risk models, analyse its
    letter trial, and serve the web app."""
    from townhall.cli.link import print_accuracy, print_link_summary
    from townhall.demo.workspace_builder import build_demo_workspace
    from townhall.identity import link_and_evaluate
    from townhall.workspace import Workspace

    with progress_bar("Building the Ashbury demo") as update:
        build = build_demo_workspace(folder, residents=residents, seed=seed, progress=update)
    _print_summary(build)
    if link:
        with Workspace.open(build.workspace_path) as workspace, progress_bar("Linking records") as update:
            summary, measured = link_and_evaluate(workspace, progress=update)
        print_link_summary(summary)
        print_accuracy(measured, summary.threshold)
        if analyse:
            from townhall.demo.analyses import run_demo_analyses

            with Workspace.open(build.workspace_path) as workspace, \
                    progress_bar("Training risk models and analysing the letter trial") as update:
                analyses = run_demo_analyses(workspace, progress=update)
            _print_analyses(analyses)
    if serve:
        from townhall.web import serve as serve_web_app

        console.print(f"\nServing the web app at [bold]http://{host}:{port}[/bold] (press Ctrl+C to stop).")
        serve_web_app(build.workspace_path, host=host, port=port)


def _print_analyses(analyses: DemoAnalyses) -> None:
    """One line per risk model and the letter trial's conclusion: enough to know what the web app will show."""
    models = Table(title="Risk models (out-of-time tests; a person decides every case)")
    for column in ("Model", "Chosen", "Base rate", "Precision in the team's list", "Lift", "Bias flags", "Today"):
        models.add_column(column, justify="left" if column in ("Model", "Chosen", "Today") else "right")
    for model in analyses.models:
        if model.training is None or model.scoring is None:
            models.add_row(model.name, "not trained", "", "", "", "", model.problem or "")
            continue
        evaluation = model.training.evaluation
        chosen = evaluation.chosen
        bands = model.scoring.band_counts
        models.add_row(model.name, "logistic" if evaluation.chosen_kind == "logistic" else "boosted trees",
                       f"{evaluation.base_rate:.1%}", f"{chosen['precision_at_k'].mean:.0%}",
                       f"{chosen['lift_over_random'].mean:.1f}×", str(model.audit_flags),
                       f"{model.scoring.top_k} on the list, {bands.get('high', 0):,} high")
    console.print(models)
    if analyses.letter_trial is not None:
        for sentence in analyses.letter_trial.conclusions():
            console.print(f"[bold]Direct-debit letter trial:[/bold] {sentence}", highlight=False)
    for line in analyses.text:
        console.print(line, highlight=False)
    for sentence in analyses.sensor_batches:
        console.print(f"[bold]Sensors:[/bold] {sentence}", highlight=False)


def _print_summary(build: DemoBuild) -> None:
    """The short summary the issue asks for: sources, rows, sensitive fields, problems, log-ins."""
    console.print(f"\n[bold]Ashbury demo built in {build.workspace_path}[/bold]: {build.residents:,} residents, "
                  f"{len(build.sources)} sources, {build.total_rows:,} rows (seed {build.seed}).")
    personal = sum(source.personal_fields for source in build.sources)
    special = sum(source.special_category_fields for source in build.sources)
    console.print(f"Found {personal} personal fields and {special} special-category fields (suggested tags: "
                  "confirm them with 'townhall sources tag NAME --confirm').")
    sources = Table(title="Sources registered in the catalogue")
    for column in ("Source", "Rows", "Personal", "Special", "Quality"):
        sources.add_column(column, justify="left" if column == "Source" else "right")
    for source in build.sources:
        sources.add_row(source.name, f"{source.rows:,}", str(source.personal_fields),
                        str(source.special_category_fields), f"{source.quality_score:.0%}")
    console.print(sources)
    problems = build.top_problems()
    if problems:
        console.print("[bold]Top quality problems[/bold]")
        for problem in problems:
            console.print(f"  • {problem}", highlight=False)
    logins = Table(title="Demo log-ins (passwords shown once; fictional data only)")
    for column in ("User name", "Role", "Team", "Password"):
        logins.add_column(column)
    for login in build.logins:
        logins.add_row(login.username, login.role, login.team, login.password)
    console.print(logins)
