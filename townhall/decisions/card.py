"""The model card of a trained risk model: what it is for, what it learnt from, how well it did out of time, what the
bias audit found, its limits and who answers for it; as standalone HTML (works offline, charts as inline SVG) and as
an Algorithmic Transparency Recording Standard record (JSON).

The card is written for publication, so the bias audit's counts in it pass disclosure control.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from townhall.decisions.atrs import ATRS_VERSION, validate_atrs
from townhall.decisions.audit import RATES, BiasAudit, audit_model
from townhall.decisions.definition import unit_noun
from townhall.decisions.metrics import Estimate
from townhall.decisions.store import model_folder, trained_definition
from townhall.errors import TownhallError
from townhall.governance.disclosure import SUPPRESSED_MARK, DisclosureRule, protect_count
from townhall.store.files import atomic_write_text

if TYPE_CHECKING:
    from townhall.workspace import Workspace

TEMPLATE_FOLDER = Path(__file__).parent / "templates"
HOW_TO_USE = (
    "The score is a decision aid: a person decides. It ranks cases so that a team with limited time looks first "
    "where the outcome is most likely; it does not say that anything has happened or will happen to anyone.",
    "Read the band (high, medium or low) and the reasons beside it, then check the case's records yourself before "
    "acting. Record your decision and why, especially when you disagree with the model: those overrides are "
    "counted and reported back to the analyst who maintains it.",
    "Never take an action against a person or household because of the score alone, and do not share the score "
    "outside the team whose queue it feeds.",
    "Most cases on the list will not have the outcome, and some cases not on the list will: see the precision and "
    "recall figures below.",
)
# The summary figures shown, in order: key in training.json, label, and whether it is a share (shown as a percent).
PERFORMANCE = (
    ("precision_at_k", "Precision in the top {k}: the share of the list that had the outcome", True),
    ("recall_at_k", "Recall in the top {k}: the share of all cases with the outcome that the list found", True),
    ("lift_over_random", "Lift over picking at random (how many times the base rate the list finds)", False),
    ("lift_over_rule", "Lift over the current rule (how many times what the rule finds)", False),
    ("precision_at_top_share", "Precision in the top 5%: the share of the top 5% that had the outcome", True),
    ("roc_auc", "ROC AUC: the chance that a case with the outcome scores above one without it (0.5 is no better "
                "than chance, 1 is perfect)", False),
    ("brier", "Brier score: the average squared gap between the probability and what happened (lower is better)",
     False),
    ("days_earlier", "Days earlier: how much sooner, on average, a case with the outcome would have been reached "
                     "working the period's cases in score order (same number a day)", False),
)


@dataclass
class ChartFigure:
    """One chart of the card: inline SVG, caption, and the same figures as a table."""

    key: str
    svg: str
    caption: str
    head: list[str]
    rows: list[list[str]]


@dataclass
class ModelCard:
    """Everything the card says about one trained model, ready to render as HTML or an ATRS record."""

    name: str
    title: str
    purpose: str
    unit: str
    team: str
    capacity: int
    owner: str
    review_date: date | None
    council: str
    outcome: str
    outcome_window_months: int
    sources: list[str]
    features: list[tuple[str, str]]  # (name, plain-English description)
    protected: list[str]
    period: tuple[str, str]  # first and last as-of dates learnt from
    labelled_rows: int
    units: int
    positives: int
    base_rate: float
    model_name: str
    choice_reason: str
    calibration: str
    headline: str
    performance: list[tuple[str, str]]  # (label, value with interval)
    splits: int
    band_thresholds: dict[str, float]
    charts: list[ChartFigure]
    audit: BiasAudit | None
    audit_rows: list[dict[str, Any]]
    disclosure_rule: str
    limitations: list[str]
    trained_at: str
    run_id: str
    published_positives: str = ""  # the count with the outcome after disclosure control ("" when hidden)
    by_case: bool = False  # each case ranked at its own date (an inspection, a referral)
    not_leak_checked: list[tuple[str, str]] = field(default_factory=list)  # (feature, description)
    leak_check: str = ""  # what the leak check compared, in words
    scheduling: str = ""  # outcomes found in the first half, in words (cases at their own dates)
    disclosure_threshold: int = 10
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def unit_noun(self) -> str:
        """What the model ranks, in the plural."""
        return unit_noun(self.unit)

    @property
    def positives_text(self) -> str:
        """How many had the outcome, as published: "fewer than 10" when the count is under the threshold."""
        return self.published_positives or f"fewer than {self.disclosure_threshold}"

    @property
    def base_rate_text(self) -> str:
        """The base rate as a percentage, unless the count behind it is hidden (it would give the count away)."""
        if not self.published_positives:
            return "not shown, as too few cases had the outcome"
        return f"{100 * self.base_rate:.1f}%"

    @property
    def how_to_use(self) -> tuple[str, ...]:
        """The "how to use this score" paragraphs."""
        return HOW_TO_USE

    @property
    def audit_sentences(self) -> list[str]:
        """The bias audit's plain-English summary (or why there is none)."""
        if self.audit is None:
            return ["No bias audit could be run: the model has no evaluation predictions in this workspace."]
        return self.audit.summary_sentences()

    def body_html(self) -> str:
        """The card's content (no page around it), for the web app to place inside its own page."""
        return render_card_body("_model_card_body.html", card=self, rates=RATES, audit_rows=self.audit_rows,
                                audit_sentences=self.audit_sentences, disclosure_rule=self.disclosure_rule)

    def to_html(self) -> str:
        """The card as one standalone HTML file: its own styles, charts as inline SVG, nothing fetched."""
        return _page(self.title, self.council, self.body_html())

    def to_atrs(self, *, phase: str = "Pre-deployment") -> dict[str, Any]:
        """The card as an Algorithmic Transparency Recording Standard record (checked against the schema)."""
        record = _atrs_record(self, phase)
        validate_atrs(record)
        return record

    def write(self, folder: Path | str) -> tuple[Path, Path]:
        """Write card.html and atrs.json into ``folder`` (each written whole, then renamed into place)."""
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        html_path, json_path = target / "card.html", target / "atrs.json"
        atomic_write_text(html_path, self.to_html())
        atomic_write_text(json_path, json.dumps(self.to_atrs(), indent=2, ensure_ascii=False) + "\n")
        return html_path, json_path


def model_card(workspace: Workspace, name: str, *, band: tuple[float, float] | None = None,
               charts: bool = True) -> ModelCard:
    """The model card of the trained model ``name``, from its folder, its evaluation and a fresh bias audit."""
    folder = model_folder(workspace, name)
    training = read_training(workspace, name)
    definition = trained_definition(workspace, name)
    rule = DisclosureRule.from_workspace(workspace)
    try:
        audit: BiasAudit | None = audit_model(workspace, name, **({"band": band} if band else {}))
    except TownhallError:
        audit = None
    units = _unit_count(folder / "training_data.parquet", training)
    as_of_dates = training.get("as_of_dates") or ["", ""]
    chosen = training.get("chosen_model", "")
    limitations = [*definition.limitations, *training.get("warnings", [])]
    if audit is not None:
        limitations += [f"{item.characteristic}: the groups {', '.join(repr(group) for group in item.too_small)} "
                        f"are too small to judge for bias." for item in audit.characteristics if item.too_small]
        if audit.flags:
            limitations.append(f"The bias audit flagged {len(audit.flags)} ratio(s) outside the "
                               f"{audit.band_text()} band: see the bias audit section.")
    if definition.outcome.note:
        limitations.append(definition.outcome.note)
    if definition.not_leak_checked:
        limitations.append(
            "These features could not be leak-checked, because the definition declares them known at the time (a "
            "field of the case's own row) or unchanging (a source with no dates): "
            + ", ".join(feature.description for feature in definition.not_leak_checked)
            + ". Check with the data's owners that each was really known before the case's date.")
    return ModelCard(
        name=definition.name, title=definition.title, purpose=definition.purpose, unit=definition.unit,
        team=definition.team, capacity=int(definition.capacity), owner=definition.owner,
        review_date=definition.review_date, council=workspace.config.council_name,
        outcome=definition.outcome.description, outcome_window_months=int(definition.outcome.window_months),
        sources=_sources(definition), features=[(feature.name, feature.description) for feature in definition.features],
        protected=definition.protected_labels(), period=(as_of_dates[0], as_of_dates[-1]),
        labelled_rows=int(training.get("labelled_rows", 0)), units=units, positives=int(training.get("positives", 0)),
        base_rate=float(training.get("base_rate") or 0.0), model_name=training.get("chosen_model_name", chosen),
        choice_reason=training.get("choice_reason", ""), calibration=training.get("calibration", ""),
        headline=training.get("headline", ""), performance=_performance(training),
        splits=len(training.get("splits", [])), band_thresholds=dict(training.get("band_thresholds", {})),
        charts=chart_figures(training) if charts else [], audit=audit,
        audit_rows=audit.published_rows(rule) if audit is not None else [], disclosure_rule=rule.describe(),
        limitations=limitations, trained_at=training.get("trained_at", ""), run_id=training.get("run_id", ""),
        published_positives=_published(int(training.get("positives", 0)), rule),
        disclosure_threshold=rule.threshold, by_case=definition.by_case,
        not_leak_checked=[(feature.name, feature.description) for feature in definition.not_leak_checked],
        leak_check=_leak_check_text(training.get("leak_check"), definition.by_case),
        scheduling=scheduling_sentence(training.get("scheduling"), definition.unit_noun),
    )


def _leak_check_text(leak_check: dict[str, Any] | None, by_case: bool) -> str:
    """What the leak check at training compared, in one sentence."""
    if not leak_check:
        return "No leak check was recorded for this training run (it was trained before townhall ran one)."
    checked = len(leak_check.get("features", [])) - len(leak_check.get("not_checked", []))
    compared = (f"the {leak_check.get('units', 0):,} cases dated before {leak_check.get('as_of')}" if by_case
                else f"the {leak_check.get('units', 0):,} units at {leak_check.get('as_of')}")
    return (f"Leak check passed: {checked} feature(s) were rebuilt for {compared} from the data with everything "
            "dated later removed, and came out the same.")


def scheduling_sentence(scheduling: dict[str, Any] | None, noun: str) -> str:
    """E.g. "Worked in score order (…), 178 of the 258 outcomes would have been found in the first half of the test
    period, against 141 as the inspections were really worked; on average 7.5 days earlier." ("" for none)."""
    if not scheduling:
        return ""
    periods = int(scheduling.get("periods") or 1)
    where = "the test period" if periods == 1 else f"each of the {periods} test periods"
    days = scheduling.get("days_earlier")
    spread = scheduling.get("days_earlier_sd")
    sooner = (f"; on average {days:.1f} days earlier" if days is not None and days >= 0
              else f"; on average {-days:.1f} days later" if days is not None else "")
    if sooner and spread is not None:
        sooner += f" (standard deviation {spread:.1f} days: the gain varies a lot from case to case)"
    return (f"Worked in score order (keeping each day's number of {noun}), "
            f"{int(scheduling.get('found_first_half_in_score_order') or 0):,} of the "
            f"{int(scheduling.get('outcomes') or 0):,} outcomes would have been found in the first half of {where}, "
            f"against {int(scheduling.get('found_first_half_as_worked') or 0):,} as the {noun} were really "
            f"worked{sooner}.")


def _published(count: int, rule: DisclosureRule) -> str:
    """A count as published under ``rule`` ("" when hidden)."""
    value = protect_count(count, rule)
    return "" if value is None else f"{value:,}"


def _lower_first(text: str) -> str:
    """The text with its first letter in lower case, to run on inside a sentence (acronyms left alone)."""
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class TrainedModelSummary:
    """One trained model in the workspace, as listed for analysts: what it is and how it did, or why it cannot be
    read (``problem``), so a broken model is listed rather than left out."""

    name: str
    title: str
    unit: str
    team: str
    trained_at: str
    model_name: str
    headline: str
    warnings: int
    problem: str = ""


def trained_models(workspace: Workspace) -> list[TrainedModelSummary]:
    """The trained risk models in the workspace (folders under models/ holding a training.json), by title; those
    that cannot be read come last, with the reason."""
    folder = workspace.path / "models"
    found, unreadable = [], []
    for training_file in sorted(folder.glob("*/training.json")) if folder.is_dir() else []:
        name = training_file.parent.name
        try:
            training = json.loads(training_file.read_text(encoding="utf-8"))
            definition = trained_definition(workspace, name)
        except (OSError, ValueError, TownhallError) as error:
            unreadable.append(TrainedModelSummary(name=name, title=name, unit="", team="", trained_at="",
                                                  model_name="", headline="", warnings=0,
                                                  problem=_unreadable_reason(error)))
            continue
        found.append(TrainedModelSummary(
            name=definition.name, title=definition.title, unit=definition.unit, team=definition.team,
            trained_at=str(training.get("trained_at", "")), model_name=str(training.get("chosen_model_name", "")),
            headline=str(training.get("headline", "")), warnings=len(training.get("warnings", []))))
    return sorted(found, key=lambda summary: summary.title.lower()) + unreadable


def _unreadable_reason(error: Exception) -> str:
    """Why a model's files cannot be read, in words."""
    if isinstance(error, TownhallError):
        return str(error)
    if isinstance(error, ValueError):
        return f"its training.json is not valid JSON ({error}). Train it again with 'townhall risk train'."
    return f"its files cannot be read ({error})."


def read_training(workspace: Workspace, name: str) -> dict[str, Any]:
    """A trained model's training.json, or a plain-English error when there is none."""
    training_file = model_folder(workspace, name) / "training.json"
    if not training_file.is_file():
        raise TownhallError(f"There is no trained model called '{name}' in this workspace. Train it first with "
                            "'townhall risk train'.")
    return json.loads(training_file.read_text(encoding="utf-8"))


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATE_FOLDER), autoescape=select_autoescape(("html",)),
                       trim_blocks=True, lstrip_blocks=True)


def render_card_body(template: str, **context: Any) -> str:
    """A card's content from one of the templates beside this module (model cards and supplied-score cards)."""
    return _environment().get_template(template).render(hidden_mark=SUPPRESSED_MARK, **context)


def _page(title: str, council: str, body: str) -> str:
    return _environment().get_template("model_card.html").render(title=title, council=council, body=body)


def render_card_page(template: str, *, title: str, council: str, **context: Any) -> str:
    """A card as one standalone HTML file: its own styles, nothing fetched."""
    return _page(title, council, render_card_body(template, **context))


def _sources(definition: Any) -> list[str]:
    """Every source the definition reads, for features, the outcome and the protected characteristics."""
    return sorted({event.source for _, event in definition.all_event_specs()})


def _unit_count(parquet: Path, training: dict[str, Any]) -> int:
    """How many different units the training data holds (the rows are units at several as-of dates)."""
    try:
        return int(pd.read_parquet(parquet, columns=["unit_id"])["unit_id"].nunique())
    except (OSError, ValueError, KeyError):
        return int(training.get("labelled_rows", 0))


def _performance(training: dict[str, Any]) -> list[tuple[str, str]]:
    """The chosen model's summary figures with their intervals across the splits, as (label, text)."""
    figures = training.get("metrics", {}).get(training.get("chosen_model", ""), {})
    capacity = training.get("capacity", "k")
    rows = []
    for key, label, percent in PERFORMANCE:
        if key in figures:
            rows.append((label.format(k=capacity), Estimate.from_dict(figures[key]).describe(percent=percent)))
    return rows


@functools.lru_cache(maxsize=64)
def _cached_svg(spec_text: str, description: str) -> str:
    """A chart drawn once per specification: pages and cards of the same trained model draw the same charts."""
    from townhall.reports import render_svg

    return render_svg(json.loads(spec_text), description=description)


def chart_svg(spec: dict[str, Any], *, description: str) -> str:
    """The chart as inline SVG (cached: drawing takes a moment and a trained model's charts never change)."""
    return _cached_svg(json.dumps(spec, sort_keys=True, default=str), description)


def chart_figures(training: dict[str, Any]) -> list[ChartFigure]:
    """Calibration, learning curve and precision at k, drawn as inline SVG with their figures as tables."""
    from townhall.decisions import charts

    def percent(value: Any) -> str:
        return "" if value is None else f"{100 * float(value):.1f}%"

    figures = []
    calibration = charts.calibration_chart(training)
    figures.append(ChartFigure(
        "calibration", chart_svg(calibration, description="Calibration chart: predicted probability against the "
                                  "share that had the outcome"),
        "Calibration: each point is a group of cases with similar scores; on the dashed line, a 20% score came "
        "true 20% of the time.", ["Group", "Cases", "Predicted", "Had the outcome"],
        [[str(index), f"{int(row.get('cases') or 0):,}", percent(row.get("mean_predicted")),
          percent(row.get("observed_rate"))] for index, row in enumerate(training.get("calibration_bins", []), 1)]))
    curve = charts.learning_curve_chart(training)
    figures.append(ChartFigure(
        "learning_curve", chart_svg(curve, description="Learning curve: performance against training rows"),
        "Learning curve: if the lines are still rising at the right, more data would likely help.",
        ["Training rows", "With the outcome", "ROC AUC", f"Precision in the top {training.get('capacity')}"],
        [[f"{int(row.get('training_rows') or 0):,}", f"{int(row.get('positives') or 0):,}",
          "" if row.get("roc_auc") is None else f"{row['roc_auc']:.3f}", percent(row.get("precision_at_k"))]
         for row in training.get("learning_curve", [])]))
    precision = charts.precision_at_k_chart(training)
    chosen = training.get("chosen_model", "")
    figures.append(ChartFigure(
        "precision_at_k", chart_svg(precision, description="Precision in the top k by test date"),
        f"Precision in the top {training.get('capacity')} on each test date, against picking at random.",
        ["Test date", "The model", "At random (base rate)"],
        [[split.get("test_as_of", ""), percent(split.get("figures", {}).get(chosen, {}).get("precision_at_k")),
          percent(split.get("figures", {}).get(chosen, {}).get("base_rate"))]
         for split in training.get("splits", [])]))
    return figures


def _atrs_record(card: ModelCard, phase: str) -> dict[str, Any]:
    """The ATRS 3.0 fields filled from the card."""
    today = date.today().isoformat()
    performance = "; ".join(f"{label}: {value}" for label, value in card.performance)
    audit_summary = " ".join(card.audit_sentences)
    flags = card.audit.flags if card.audit is not None else []
    risks = [
        {"risk_name": "Historical bias in the records",
         "risk_description": "The model learns from past recorded outcomes. If some groups were referred, inspected "
                             "or recorded more often than others at the same need, the model will repeat that.",
         "mitigation": "A bias audit compares selection rates, error rates and precision between groups of each "
                       "protected characteristic and by area deprivation, with intervals, and flags ratios outside "
                       f"a band. Current result: {audit_summary}"},
        {"risk_name": "Over-reliance on the score",
         "risk_description": "People may treat a high score as proof, or skip cases with a low one.",
         "mitigation": "The score is shown as a band with its reasons, never alone; nothing leaves the review queue "
                       "without a person's recorded decision; overrides are counted and reported to the analyst."},
        {"risk_name": "Data drift",
         "risk_description": "When the council's data changes, the model can become less accurate without anyone "
                             "noticing.",
         "mitigation": "Each scoring run compares the feature and score distributions with the training data and "
                       "warns when they have shifted (population stability index above 0.1 or 0.25)."},
    ]
    for flag in flags[:10]:
        risks.append({"risk_name": f"Bias flag: {flag.characteristic}, {flag.group}",
                      "risk_description": flag.sentence,
                      "mitigation": "Reviewed by the model owner before use; the team is told of the flag."})
    for warning in card.limitations[:10]:
        risks.append({"risk_name": "Limitation", "risk_description": warning,
                      "mitigation": "Stated on the model card; people using the list are told of it."})
    data_description = (f"{card.labelled_rows:,} rows ({card.units:,} {card.unit_noun} at as-of dates from "
                        f"{card.period[0]} to {card.period[1]}), {card.positives_text} with the outcome "
                        f"(base rate {card.base_rate_text}).")
    return {
        "metadata": {"standard_version": ATRS_VERSION, "date_completion": today, "date_update": [],
                     "organisation": card.council, "tool_name": card.title, "function": card.team, "phase": phase,
                     "region": card.council},
        "tier_1": {
            "name": card.title,
            "description": f"{card.purpose} The tool ranks {card.unit_noun} so the {card.team} team can decide where "
                           "to look first. It is a decision aid: a person decides what to do in every case.",
            "website": "", "contact_email": ""},
        "tier_2": {
            "owner_and_responsibility": {
                "organisation": card.council, "team": card.team, "senior_responsible_owner": card.owner,
                "third_party_involvement": False,
                "third_party_details": "Built by the council's own analysts with townhall, open-source software that "
                                       "runs on the council's own computers."},
            "description_and_rationale": {
                "detailed_description": f"A {card.model_name} model gives each {card.unit} a calibrated probability "
                                        f"that {_lower_first(card.outcome)} within {card.outcome_window_months} "
                                        "months, "
                                        "from features built only from records dated before the scoring date: "
                                        + "; ".join(description for _, description in card.features) + ".",
                "scope": f"Ranks {card.unit_noun} for the {card.team} team's list of {card.capacity} cases. It is not "
                         "used for any other purpose or team.",
                "benefit": card.headline or "Helps the team look first where the outcome is most likely.",
                "previous_process": f"Without the list, cases are chosen by complaints, referrals and local "
                                    f"knowledge; the base rate (what picking at random would find) is "
                                    f"{card.base_rate_text}.",
                "alternatives_considered": card.choice_reason or "A logistic regression and LightGBM were compared."},
            "decision_making_process": {
                "process_integration": f"The list appears in the {card.team} team's review queue in townhall. Each "
                                       "case is shown with its band and reasons and a link to the records behind "
                                       "them.",
                "provided_information": "A band (high, medium or low, relative to the base rate) and the top reasons "
                                        "for the score in plain English, beside the data that drove them.",
                "frequency_and_scale_of_usage": f"A list of up to {card.capacity} cases each time the model is "
                                                "scored, usually monthly.",
                "human_decisions_and_review": "A practitioner decides for every case (inspect, no action or refer) "
                                              "and records why. Nothing happens automatically. Overrides of the "
                                              "model are counted and reported to the analyst.",
                "required_training": "People using the queue are shown how to read the band and reasons, and that "
                                     "the score is a pointer to check, not evidence.",
                "appeals_and_review": "Residents can challenge any decision through the council's usual complaints "
                                      "process; decisions are made and recorded by people, so each can be reviewed. "
                                      + (f"The model is reviewed by {card.review_date:%d %B %Y}."
                                         if card.review_date else "")},
            "tool_specification": {
                "system_architecture": "townhall (open-source): data in a DuckDB file and application state in a "
                                       "database on the council's own computers; models trained with scikit-learn "
                                       "and LightGBM; nothing is sent elsewhere.",
                "phase": phase,
                "maintenance": f"Retrained when new outcomes are recorded; drift is checked at every scoring run; "
                               f"owner: {card.owner}.",
                "models": [card.model_name],
                "model_specification": [{
                    "model_name": card.name, "model_version": card.run_id or card.trained_at,
                    "model_task": f"Rank {card.unit_noun} by the probability that {_lower_first(card.outcome)} within "
                                  f"{card.outcome_window_months} months.",
                    "model_input": "; ".join(description for _, description in card.features),
                    "model_output": "A calibrated probability, shown to people as a band with reasons.",
                    "model_architecture": f"{card.model_name}, probabilities calibrated ({card.calibration}); chosen "
                                          f"over the alternative because: {card.choice_reason}",
                    "model_performance": f"Out-of-time tests over {card.splits} test period(s): {performance}.",
                    "datasets": card.sources,
                    "dataset_purposes": "Training and out-of-time testing over test periods: train on the past, "
                                        "test on a later period, never a random split across time."}],
                "data_specification": [{
                    "source_data_name": card.sources, "data_modality": "Tabular",
                    "data_description": data_description, "data_quantities": data_description,
                    "sensitive_attributes": ("Audited but not used as features: " + ", ".join(card.protected))
                    if card.protected else "None audited.",
                    "data_completeness_and_representativeness": "Records are linked across services by townhall's "
                                                                "person index; unlinked or missing records make "
                                                                "features undercount. See the limitations.",
                    "source_data_url": "",
                    "data_collection": "Collected by council services in the course of their work, for their own "
                                       "purposes; reused here under the purpose recorded in townhall.",
                    "data_cleaning": "Names, dates, postcodes and identifiers standardised; records linked into "
                                     "people and households; opted-out records removed.",
                    "data_sharing_agreements": "Used within the council under the purposes and agreements recorded "
                                               "in townhall's governance register.",
                    "data_access_and_storage": "Held on the council's own computers; access by role; every view of "
                                               "personal data is written to a tamper-evident audit log."}]},
            "risks_mitigations_and_impact_assessments": {
                "impact_assessments": [{
                    "assessment_name": "Bias audit (townhall)", "description": audit_summary,
                    "date_completed": today, "link": ""}],
                "risks": risks},
        },
    }
