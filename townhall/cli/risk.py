"""`townhall risk`: train, score, audit and review risk models that point a team's time at the likeliest cases."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli import risk_audit, risk_queue
from townhall.cli.cohort import parse_as_of
from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.decisions import (
    MODEL_KIND_NAMES,
    ScoringResult,
    TrainingResult,
    load_definition,
    one_in_n_sentence,
    score_model,
    train_model,
)
from townhall.workspace import current_actor

app = typer.Typer(help="Risk models for targeted work: train and test them honestly, score today's cases, audit them "
                       "for bias and review the lists.", no_args_is_help=True)


@app.command("train")
@friendly_errors
def train(
    model: Annotated[str, typer.Argument(help="A model definition: a YAML file, or the name of a built-in one "
                                              "(hidden-hmos, business-rates, childrens-escalation).")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Train a risk model and test it on later periods: prints precision at k, lift, AUC and warnings."""
    opened = open_workspace(workspace)
    definition = load_definition(model, opened)
    with progress_bar(f"Training {definition.name}") as update:
        result = train_model(opened, definition, progress=update, actor=current_actor())
    _print_training(result)


def _print_training(result: TrainingResult) -> None:
    """The figures an inspector needs, with their intervals, the choice of model and the warnings."""
    evaluation = result.evaluation
    settings = evaluation.settings
    chosen = evaluation.chosen
    console.print(f"[bold]{escape(result.definition.title)}[/bold] ({escape(settings.model)}): "
                  f"{evaluation.labelled_rows:,} {settings.unit_noun} at {len(result.training['as_of_dates'])} as-of "
                  f"dates with known outcomes, {evaluation.positives:,} of them with the outcome.")
    console.print(f"Outcome: {escape(result.definition.outcome.description)}")
    console.print(f"Base rate: {evaluation.base_rate:.2%} (what picking at random would find).")
    console.print(f"[bold]Out-of-time tests over {len(evaluation.splits)} rolling splits[/bold] (mean and 95% "
                  f"t-interval across the splits), {MODEL_KIND_NAMES[evaluation.chosen_kind]}:")
    rows = [("precision_at_k", f"Precision in the top {settings.capacity} (the team's capacity)", True),
            ("recall_at_k", f"Recall in the top {settings.capacity}", True),
            ("precision_at_top_share", "Precision in the top 5%", True),
            ("lift_over_random", f"Lift over random at {settings.capacity}", False),
            ("lift_at_top_share", "Lift over random in the top 5%", False),
            ("lift_over_rule", f"Lift over the current rule at {settings.capacity}", False),
            ("roc_auc", "ROC AUC", False), ("brier", "Brier score (lower is better)", False)]
    for key, label, percent in rows:
        if key in chosen:
            digits = 4 if key == "brier" else 3
            console.print(f"  {escape(label)}: {escape(chosen[key].describe(percent=percent, digits=digits))}")
    console.print(f"1 in N: {escape(evaluation.headline())}.")
    top_share = one_in_n_sentence(chosen["precision_at_top_share"].mean, evaluation.base_rate,
                                  units=settings.unit_noun, outcome=settings.outcome_phrase)
    console.print(f"In the top 5%: {escape(top_share)}.")
    console.print(f"Chosen model: {escape(MODEL_KIND_NAMES[evaluation.chosen_kind])}, calibrated with "
                  f"{result.fitted.calibration} calibration. {escape(evaluation.choice_reason)}")
    for warning in evaluation.warnings:
        console.print(f"[bold yellow]Warning:[/bold yellow] {escape(warning)}")
    console.print(f"Saved the model, its figures and charts in {escape(str(result.folder))} (run {result.run_id}).")
    console.print(f"Next: 'townhall risk score {escape(settings.model)}' to make today's list.")


@app.command("score")
@friendly_errors
def score(
    model: Annotated[str, typer.Argument(help="The name of a trained model, e.g. hidden-hmos.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Score the units as they stood on this date "
                                                              "(2026-03-31); by default the latest data date.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Score today's cases with a trained model: a ranked list with bands and reasons for the review queue."""
    opened = open_workspace(workspace)
    with progress_bar(f"Scoring {model}") as update:
        result = score_model(opened, model, as_of=parse_as_of(as_of), actor=current_actor(), progress=update)
    _print_scoring(result)


def _print_scoring(result: ScoringResult) -> None:
    """How many were scored, how many are on the list and in each band, and any drift warnings."""
    console.print(f"Scored {result.scored:,} units for [bold]{escape(result.model)}[/bold] as of "
                  f"{result.as_of:%d %B %Y} (run {result.run_id}).")
    console.print(f"On the team's list (top {result.top_k:,}): {result.top_k:,}, each with its top reasons.")
    bands = Table(title="Units by band")
    bands.add_column("Band")
    bands.add_column("Units", justify="right")
    for band in ("high", "medium", "low"):
        bands.add_row(band.capitalize(), f"{result.band_counts.get(band, 0):,}")
    console.print(bands)
    if result.drift_warnings:
        for warning in result.drift_warnings:
            console.print(f"[bold yellow]Drift:[/bold yellow] {escape(warning)}")
    else:
        console.print("No drift warnings.")
    for warning in result.warnings:
        if warning not in result.drift_warnings:
            console.print(f"[dim]{escape(warning)}[/dim]")
    console.print("The list is for people to review: nothing leaves the queue without a practitioner's decision.")


app.command("audit")(risk_audit.audit)
app.command("card")(risk_audit.card)
app.command("outcome")(risk_queue.outcome)
app.command("decisions")(risk_queue.decisions)
