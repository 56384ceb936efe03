"""`townhall trial`: register a trial's plan, size it, randomise it, analyse it, and judge an area pilot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
import yaml
from rich.markup import escape
from rich.table import Table

from townhall.cli.common import WorkspaceOption, console, friendly_errors, open_workspace
from townhall.errors import InputFileError, TownhallError
from townhall.trials import (
    TrialAnalysis,
    TrialPlan,
    amend_trial,
    analyse_trial,
    effect_chart,
    event_study_chart,
    get_trial,
    list_trials,
    power_for_means,
    power_for_proportions,
    randomise_trial,
    register_trial,
    service_demand_panel,
)
from townhall.trials import add_trial_note as add_note
from townhall.trials import difference_in_differences as estimate_difference_in_differences
from townhall.workspace import current_actor

app = typer.Typer(help="Register, size, randomise and analyse trials of council services, and judge area pilots "
                       "against comparator areas.", no_args_is_help=True)


def _read_yaml(path: Path) -> dict:
    """A YAML file as a mapping, or an error naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(str(path), "the file does not exist") from None
    except yaml.YAMLError as error:
        raise InputFileError(str(path), f"it is not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise InputFileError(str(path), "it should hold the plan's fields, one 'name: value' per line")
    return data


@app.command("register")
@friendly_errors
def register(
    plan_file: Annotated[Path, typer.Argument(help="The trial's plan as a YAML file (question, arms, primary_outcome, "
                                                   "population, analysis_plan, …): see docs/trials.md.")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Register a trial's plan before it starts: frozen, time-stamped and fingerprinted so later changes show."""
    opened = open_workspace(workspace)
    trial = register_trial(opened, TrialPlan.from_dict(_read_yaml(plan_file)), registered_by=current_actor())
    console.print(f"Registered trial [bold]{escape(trial.name)}[/bold] on {trial.registered_at:%d %B %Y at %H:%M} "
                  f"UTC. Its plan's fingerprint (SHA-256) is {trial.original_hash}.")
    console.print("Any change from now on is recorded as an amendment: use 'townhall trial amend'.")


@app.command("amend")
@friendly_errors
def amend(
    name: Annotated[str, typer.Argument(help="The trial's name, as registered.")],
    changes_file: Annotated[Path, typer.Argument(help="A YAML file of the plan fields to change, with new values.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the plan is changing (shown with the amendment).")],
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Change a registered plan: the change, who made it, when and why are kept and shown beside the original."""
    opened = open_workspace(workspace)
    trial = amend_trial(opened, name, _read_yaml(changes_file), reason=reason, amended_by=current_actor())
    latest = trial.amendments[-1]
    console.print(f"Amended trial [bold]{escape(name)}[/bold]: changed {escape(', '.join(latest.changes))}. The "
                  f"original plan stays frozen beside it; this is amendment {len(trial.amendments)}.")


@app.command("power")
@friendly_errors
def power(
    baseline: Annotated[float | None, typer.Option("--baseline", help="For a yes/no outcome: the control group's "
                                                                      "rate, e.g. 0.10 for 10%.")] = None,
    standard_deviation: Annotated[float | None, typer.Option("--sd", help="For a numeric outcome: its standard "
                                                                          "deviation.")] = None,
    effect: Annotated[float | None, typer.Option("--effect", help="The effect to detect: 0.02 is 2 percentage "
                                                                  "points for a yes/no outcome.")] = None,
    per_arm: Annotated[int | None, typer.Option("--per-arm", help="Units per arm you have: gives the smallest "
                                                                  "effect they can detect.")] = None,
    arms: Annotated[int, typer.Option("--arms", help="Number of arms, control included.")] = 2,
    power_wanted: Annotated[float, typer.Option("--power", help="Chance of detecting the effect if it is real.")] = 0.8,
    alpha: Annotated[float, typer.Option("--alpha", help="Two-sided significance level.")] = 0.05,
    cluster_size: Annotated[float, typer.Option("--cluster-size", help="Average units per cluster (household, area) "
                                                                       "when randomising clusters.")] = 1.0,
    icc: Annotated[float, typer.Option("--icc", help="Intra-cluster correlation of the outcome.")] = 0.0,
    pre_period_correlation: Annotated[float, typer.Option("--pre-correlation", help="Correlation of the outcome with "
                                                                                    "a pre-period measure (CUPED).")
                                      ] = 0.0,
) -> None:
    """Work out the sample size a trial needs, or the smallest effect a given size can detect, in plain English."""
    options = {"effect": effect, "per_arm": per_arm, "power": power_wanted, "alpha": alpha, "arms": arms,
               "cluster_size": cluster_size, "intra_cluster_correlation": icc,
               "pre_period_correlation": pre_period_correlation}
    if (baseline is None) == (standard_deviation is None):
        raise TownhallError("Give --baseline for a yes/no outcome or --sd for a numeric one (one of them).")
    result = (power_for_proportions(baseline, **options) if baseline is not None  # type: ignore[arg-type]
              else power_for_means(standard_deviation, **options))  # type: ignore[arg-type]
    console.print(result.sentence())
    if result.design_effect > 1 or result.variance_factor < 1:
        console.print(f"[dim]Design effect for clustering {result.design_effect:.2f}; variance left after the "
                      f"pre-period covariate {result.variance_factor:.2f}.[/dim]")
    console.print(f"[dim]Method: {escape(result.method)}.[/dim]")
    for warning in result.warnings:
        console.print(f"[yellow]{escape(warning)}[/yellow]")


@app.command("randomise")
@friendly_errors
def randomise_units(
    name: Annotated[str, typer.Argument(help="The registered trial to randomise.")],
    units_file: Annotated[Path, typer.Argument(help="A CSV file with one row per unit to randomise (e.g. accounts).")],
    seed: Annotated[int, typer.Option("--seed", help="The random seed; recorded so anyone can repeat the draw.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the mailing list of each arm (CSV).")],
    method: Annotated[str, typer.Option("--method", help="simple, stratified or cluster.")] = "simple",
    strata: Annotated[list[str] | None, typer.Option("--stratify-by", help="Column to stratify by (repeatable), "
                                                                            "e.g. ward.")] = None,
    cluster_column: Annotated[str, typer.Option("--cluster-column", help="Column naming each unit's cluster, for "
                                                                         "cluster randomisation.")] = "",
    balance: Annotated[list[str] | None, typer.Option("--balance-on", help="Baseline column to check balance on "
                                                                           "(repeatable).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="The catalogue source the units came from, so "
                                                                "opted-out people are left out.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Assign each unit to an arm from a recorded seed, check balance, and write each arm's mailing list."""
    opened = open_workspace(workspace)
    try:
        units = pd.read_csv(units_file, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputFileError(str(units_file), str(error)) from None
    done = randomise_trial(opened, name, units, seed=seed, actor=current_actor(), out=out, method=method,
                           strata=strata or [], cluster_column=cluster_column, balance_on=balance or [], source=source)
    assignment = done.assignment
    console.print(f"Randomised {len(units):,} units ({method}, seed {seed}): " + ", ".join(
        f"{escape(arm)} {count:,}" for arm, count in assignment.counts().items()) + ".")
    if done.balance is not None:
        _print_frame(done.balance, "Balance between arms (standardised differences under 0.1 are usually taken as "
                                   "balanced)")
    for arm, path in done.files.items():
        console.print(f"Mailing list for {escape(arm)}: {escape(str(path))}")
    if done.opted_out_left_out:
        console.print(f"{done.opted_out_left_out:,} people who opted out were left out of the lists.")
    console.print("The lists hold personal data: keep them in a secure place and delete them after the mailing.")


@app.command("analyse")
@friendly_errors
def analyse(
    name: Annotated[str, typer.Argument(help="The registered trial to analyse.")],
    exploratory: Annotated[list[str] | None, typer.Option("--exploratory", help="An outcome not in the plan to look "
                                                                                "at, labelled exploratory.")] = None,
    unadjusted: Annotated[bool, typer.Option("--unadjusted", help="Leave out the pre-registered covariates.")] = False,
    chart: Annotated[Path | None, typer.Option("--chart", help="Save the effect chart (.png, .svg or .html).")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Analyse a trial by intention to treat: each arm against control, with intervals and a plain conclusion."""
    opened = open_workspace(workspace)
    analysis = analyse_trial(opened, name, actor=current_actor(), exploratory=exploratory or [],
                             adjust=not unadjusted)
    print_analysis(analysis)
    if chart is not None:
        from townhall.reports import save_chart

        save_chart(effect_chart(analysis), chart)
        console.print(f"Saved the chart to {escape(str(chart))}.")


def print_analysis(analysis: TrialAnalysis) -> None:
    """The results table, the conclusions and the method."""
    table = Table(title=f"Results of {analysis.trial} (intention to treat)")
    for column in ("Outcome", "Role", "Arm", "Units", "Arm mean", "Control mean", "Difference", "95% interval",
                   "p (corrected)"):
        table.add_column(column, justify="left" if column in ("Outcome", "Role", "Arm") else "right")
    label = analysis.labels.get
    for effect in analysis.effects:
        scale, suffix = (100, " pts") if effect.kind == "proportion" else (1, "")
        level = (lambda value: f"{value:.1%}") if effect.kind == "proportion" else (lambda value: f"{value:,.3g}")
        table.add_row(escape(label(effect.outcome, effect.outcome)), effect.role, escape(label(effect.arm, effect.arm)),
                      f"{effect.units:,}",
                      level(effect.arm_mean), level(effect.control_mean), f"{effect.difference * scale:+.2f}{suffix}",
                      f"{effect.lower * scale:+.2f} to {effect.upper * scale:+.2f}",
                      f"{effect.adjusted_p_value:.3f}")
    console.print(table)
    for sentence in analysis.conclusions():
        style = "yellow" if sentence.startswith("Warning") else "bold"
        console.print(f"[{style}]{escape(sentence)}[/{style}]")
    for sequential in analysis.sequential:
        looks = Table(title=f"Weekly looks: {escape(label(sequential.arm, sequential.arm))} against control "
                            "(the 95% confidence sequence holds at every look at once)")
        for column in ("Week ending", "Units", "Difference", "95% confidence sequence", "Always-valid p",
                       "One-look p (not valid when peeking)"):
            looks.add_column(column, justify="left" if column == "Week ending" else "right")
        scale = 100 if sequential.kind == "proportion" else 1
        for look in sequential.looks:
            looks.add_row(f"{look.date:%d %b %Y}", f"{look.units:,}", f"{look.difference * scale:+.2f}",
                          f"{look.lower * scale:+.2f} to {look.upper * scale:+.2f}", f"{look.p_value:.3f}",
                          f"{look.fixed_p_value:.3f}")
        console.print(looks)
    for note in analysis.notes:
        console.print(f"[yellow]{escape(note)}[/yellow]")
    for reason, count in analysis.left_out.items():
        console.print(f"[dim]Not analysed ({escape(reason)}): {count:,}.[/dim]")
    console.print(f"[dim]{escape(analysis.method)}[/dim]")


@app.command("did")
@friendly_errors
def did(
    pilot: Annotated[list[str], typer.Option("--pilot", help="A pilot area's code as in the data (repeatable).")],
    start: Annotated[list[str], typer.Option("--start", help="The pilot's first period, e.g. 2024-04, 2024Q2 or a "
                                                             "date; repeat it, in the order of --pilot, when areas "
                                                             "started at different times.")],
    panel_file: Annotated[Path | None, typer.Option("--panel", help="A CSV with one row per area and period; by "
                                                                    "default the demand source named in "
                                                                    "townhall.toml [forecasting].")] = None,
    service: Annotated[str | None, typer.Option("--service", help="With the demand source: the service to "
                                                                  "study.")] = None,
    unit_column: Annotated[str, typer.Option("--area-column", help="The panel file's area column.")] = "area",
    time_column: Annotated[str, typer.Option("--period-column", help="The panel file's period column.")] = "period",
    outcome_column: Annotated[str, typer.Option("--outcome-column", help="The panel file's outcome column.")
                              ] = "value",
    covariate: Annotated[list[str] | None, typer.Option("--covariate", help="A numeric column of the panel file to "
                                                                            "adjust for (repeatable).")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Save the event-study chart (.png, .svg, .html).")
                     ] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Judge an area pilot by difference-in-differences against comparator areas, with a parallel-trends check."""
    where = "The panel"
    if panel_file is not None:
        try:
            panel = pd.read_csv(panel_file, dtype={unit_column: str, time_column: str})
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise InputFileError(str(panel_file), str(error)) from None
        where = str(panel_file)
    else:
        panel = service_demand_panel(open_workspace(workspace), service)
        unit_column, time_column, outcome_column = "area", "period", "value"
        console.print(f"Using '{escape(service or 'all')}' figures by area from the demand source.")
    result = estimate_difference_in_differences(panel, unit_column=unit_column, time_column=time_column,
                                                outcome_column=outcome_column, pilot_units=pilot,
                                                start=start[0] if len(start) == 1 else start,
                                                covariates=covariate or [], where=where)
    _print_frame(result.event_study, "Event study: pilot minus comparators by period from the start")
    if result.group_time is not None:
        _print_frame(result.group_time.drop(columns=["share"]), "Group-time effects: each start date's areas in "
                                                                 "each period")
    for sentence in result.sentences():
        style = "yellow" if sentence.startswith(("Warning", "Intervals", "The parallel", "With ")) else "bold"
        console.print(f"[{style}]{escape(sentence)}[/{style}]")
    for note in result.notes:
        console.print(f"[dim]{escape(note)}[/dim]")
    console.print(f"[dim]Method: {escape(result.method)}, standard errors clustered by area.[/dim]")
    if chart is not None:
        from townhall.reports import save_chart

        save_chart(event_study_chart(result), chart)
        console.print(f"Saved the chart to {escape(str(chart))}.")


@app.command("show")
@friendly_errors
def show(
    name: Annotated[str | None, typer.Argument(help="A trial's name; leave out to list every trial.")] = None,
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Show a trial's registration, its frozen time-stamp and fingerprint, every amendment, and its notes."""
    opened = open_workspace(workspace)
    if name is None:
        trials = list_trials(opened)
        if not trials:
            console.print("No trials are registered yet. Register one with 'townhall trial register'.")
            return
        table = Table(title="Trials")
        for column in ("Name", "Title", "Registered", "Amendments", "Randomised"):
            table.add_column(column)
        for trial in trials:
            table.add_row(escape(trial.name), escape(trial.plan.title), f"{trial.registered_at:%d %b %Y}"
                          + (" (retrospective)" if trial.retrospective else ""), str(len(trial.amendments)),
                          "yes" if trial.randomisation else "no")
        console.print(table)
        return
    trial = get_trial(opened, name)
    plan = trial.plan
    console.print(f"[bold]{escape(plan.title)}[/bold] ({escape(plan.name)})")
    console.print(f"Registered by {escape(trial.registered_by)} on {trial.registered_at:%d %B %Y at %H:%M} UTC; "
                  f"plan fingerprint {trial.original_hash}"
                  + ("" if trial.intact() else " [red](the stored plan no longer matches it)[/red]") + ".")
    if trial.retrospective:
        console.print(f"[yellow]Registered retrospectively. {escape(trial.registration_note)}[/yellow]")
    for label, value in (("Question", plan.question), ("Arms", ", ".join(plan.arms)),
                         ("Control", plan.control_arm), ("Primary outcome", plan.primary_outcome),
                         ("Secondary outcomes", ", ".join(plan.secondary_outcomes) or "none"),
                         ("Population", plan.population), ("Unit of randomisation", plan.unit_of_randomisation),
                         ("Analysis plan", plan.analysis_plan),
                         ("Minimum effect of interest", f"{plan.minimum_effect_of_interest:g}")):
        console.print(f"  [bold]{label}:[/bold] {escape(str(value))}")
    if trial.randomisation:
        console.print(f"Randomised: {escape(json.dumps(trial.randomisation))}")
    if trial.amendments:
        console.print(f"[bold]{len(trial.amendments)} amendment(s) since registration:[/bold]")
        for number, amendment in enumerate(trial.amendments, start=1):
            changed = "; ".join(f"{field}: {item['before']!r} → {item['after']!r}"
                                for field, item in amendment.changes.items())
            console.print(f"  {number}. {amendment.amended_at:%d %B %Y %H:%M} by {escape(amendment.amended_by)}: "
                          f"{escape(changed)}. Why: {escape(amendment.reason)}")
    else:
        console.print("No amendments since registration.")
    for note in trial.notes:
        said = f" ({escape(note.source)})" if note.source else ""
        console.print(f"  [dim]{note.kind.title()}{said}:[/dim] {escape(note.text)}")


@app.command("note")
@friendly_errors
def note(
    name: Annotated[str, typer.Argument(help="The trial the note belongs to.")],
    text: Annotated[str, typer.Argument(help="The process-evaluation note or quote.")],
    quote: Annotated[bool, typer.Option("--quote", help="The text is a quote from a resident or member of staff.")
                     ] = False,
    source: Annotated[str, typer.Option("--source", help="Who said it or where it came from (no names).")] = "",
    workspace: WorkspaceOption = None,  # type: ignore[assignment]
) -> None:
    """Add a process-evaluation note or quote, shown beside the trial's numbers on its page."""
    add_note(open_workspace(workspace), name, text, written_by=current_actor(), kind="quote" if quote else "note",
             source=source)
    console.print(f"Added a {'quote' if quote else 'note'} to trial {escape(name)}.")


def _print_frame(frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(escape(str(column)), justify="right" if column != frame.columns[0] else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{value:,.3f}" if isinstance(value, float) else escape(str(value)) for value in row])
    console.print(table)
