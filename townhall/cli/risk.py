"""`townhall risk`: train, score, audit and review risk models that point a team's time at the likeliest cases.

The decision-support library (scikit-learn, LightGBM, fairlearn) is imported inside each command, so the rest of the
command line starts at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from townhall.cli import risk_audit, risk_queue
from townhall.cli.cohort import parse_as_of
from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace, progress_bar
from townhall.workspace import current_actor

if TYPE_CHECKING:
    from townhall.decisions import ScoringResult, TrainingResult

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
    from townhall.decisions import load_definition, train_model

    opened = open_workspace(workspace)
    definition = load_definition(model, opened)
    with progress_bar(f"Training {definition.name}") as update:
        result = train_model(opened, definition, progress=update, actor=current_actor())
    _print_training(result)


TRAINING_ROWS = (
    ("precision_at_k", "Precision in the top {k} (the team's capacity): the share of the list with the outcome", True),
    ("recall_at_k", "Recall in the top {k}: the share of all cases with the outcome that the list found", True),
    ("precision_at_top_share", "Precision in the top 5%", True),
    ("lift_over_random", "Lift over random at {k}: how many times the base rate the list finds", False),
    ("lift_at_top_share", "Lift over random in the top 5%", False),
    ("lift_over_rule", "Lift over the current rule at {k}", False),
    ("roc_auc", "ROC AUC: the chance a case with the outcome scores above one without it (0.5 is chance)", False),
    ("brier", "Brier score: the mean squared gap between probability and outcome (lower is better)", False),
    ("days_earlier", "Days earlier: how much sooner a case with the outcome is reached in score order", False),
)


def _print_training(result: TrainingResult) -> None:
    """The figures an inspector needs, with their intervals and what they rest on, the choice of model, the leak
    check and the warnings."""
    from townhall.decisions import MODEL_KIND_NAMES, one_in_n_sentence, scheduling_sentence

    evaluation = result.evaluation
    settings = evaluation.settings
    chosen = evaluation.chosen
    definition = result.definition
    dated = "cases at their own dates" if definition.by_case else (
        f"{settings.unit_noun} at {len(result.training['as_of_dates'])} as-of dates")
    console.print(f"[bold]{escape(definition.title)}[/bold] ({escape(settings.model)}): "
                  f"{evaluation.labelled_rows:,} {escape(dated)} with known outcomes, {evaluation.positives:,} of "
                  "them with the outcome.")
    console.print(f"Outcome: {escape(definition.outcome.description)}")
    console.print(f"Base rate: {evaluation.base_rate:.2%} (what picking at random would find).")
    periods = len(evaluation.splits)
    console.print(f"[bold]Out-of-time tests over {periods} test {'period' if periods == 1 else 'periods'}[/bold] "
                  f"(mean and 95% t-interval across the periods, when there are several), "
                  f"{MODEL_KIND_NAMES[evaluation.chosen_kind]}:")
    for key, label, percent in TRAINING_ROWS:
        if key in chosen:
            digits = 4 if key == "brier" else 3
            text = label.format(k=settings.capacity)
            console.print(f"  {escape(text)}: {escape(chosen[key].describe(percent=percent, digits=digits))}")
    scheduling = scheduling_sentence(evaluation.scheduling(), settings.unit_noun)
    if scheduling:
        console.print(escape(scheduling))
    console.print(f"1 in N: {escape(evaluation.headline())}.")
    top_share = one_in_n_sentence(chosen["precision_at_top_share"].mean, evaluation.base_rate,
                                  units=settings.unit_noun, outcome=settings.outcome_phrase)
    console.print(f"In the top 5%: {escape(top_share)}.")
    console.print(f"Chosen model: {escape(MODEL_KIND_NAMES[evaluation.chosen_kind])}, calibrated with "
                  f"{result.fitted.calibration} calibration and ranked by it, ties broken by the model's raw score. "
                  f"{escape(evaluation.choice_reason)}")
    leak = result.training.get("leak_check", {})
    console.print(f"Leak check passed at {escape(str(leak.get('as_of')))}: every feature came out the same with the "
                  "data after that date removed.")
    declared = list(result.training.get("not_leak_checked", {}))
    if declared:
        console.print(f"[bold yellow]Not leak-checked:[/bold yellow] {escape(', '.join(declared))}: the definition "
                      "declares these known at the time (or unchanging); the check cannot prove it, and the model card "
                      "says so.")
    for warning in evaluation.warnings:
        console.print(f"[bold yellow]Warning:[/bold yellow] {escape(warning)}")
    console.print(f"Saved the model, its figures and charts in {escape(str(result.folder))} (run {result.run_id}).")
    console.print(f"Next: 'townhall risk score {escape(settings.model)}' to make today's list.")


@app.command("score")
@friendly_errors
def score(
    model: Annotated[str, typer.Argument(help="The name of a trained model, e.g. hidden-hmos.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Score the units as they stood on this date "
                                                              "(2026-03-31); by default the latest data date. For a "
                                                              "model that ranks cases at their own dates, the first "
                                                              "case date to score.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="For a model that ranks cases at their own dates: the "
                                                              "last case date to score (by default one training "
                                                              "step after --as-of).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Score today's cases with a trained model: a ranked list with bands and reasons for the review queue."""
    from townhall.decisions import score_model

    opened = open_workspace(workspace)
    with progress_bar(f"Scoring {model}") as update:
        result = score_model(opened, model, as_of=parse_as_of(as_of), until=parse_as_of(until),
                             actor=current_actor(), progress=update)
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
app.command("audit-scores")(risk_audit.audit_scores)
app.command("card")(risk_audit.card)
app.command("outcome")(risk_queue.outcome)
app.command("decisions")(risk_queue.decisions)
