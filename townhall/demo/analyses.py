"""The demo's main job after linking: train, score and audit its three risk models and analyse its past letter trial,
so every page of the web app has real results to show the moment the demo starts.

``townhall demo`` calls ``run_demo_analyses``; a notebook can too, on any linked demo workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from townhall.errors import TownhallError

if TYPE_CHECKING:
    from townhall.decisions import ScoringResult, TrainingResult
    from townhall.trials.analysis import TrialAnalysis
    from townhall.workspace import Workspace

Progress = Callable[[str, float], None]
DEMO_MODELS = ("hidden-hmos", "business-rates", "childrens-escalation")
DEMO_ANALYST = "demo-builder"


@dataclass
class DemoModel:
    """One trained and scored demo model, or why it could not be trained."""

    name: str
    training: TrainingResult | None = None
    scoring: ScoringResult | None = None
    audit_flags: int = 0  # ratios outside the band
    audit_findings: int = 0  # of those, the ones whose whole interval lies outside the band
    problem: str | None = None


@dataclass
class DemoAnalyses:
    """What the demo's main job produced."""

    models: list[DemoModel] = field(default_factory=list)
    letter_trial: TrialAnalysis | None = None
    text: list[str] = field(default_factory=list)  # one line per text step (townhall.demo.words)
    sensor_batches: list[str] = field(default_factory=list)  # one sentence per sensor feed stored


def store_demo_sensor_feeds(workspace: Workspace) -> list[str]:
    """Store the demo's bin, building and sheltered-housing sensor readings, so the sensors and routes pages have
    something to show; one sentence per feed."""
    from townhall.sensors import ingest_file, ingest_source

    reports = [ingest_source(workspace, "bins", actor=DEMO_ANALYST),
               ingest_source(workspace, "buildings", actor=DEMO_ANALYST)]
    feed = workspace.path / "demo-data" / "sources" / "sheltered_housing_sensors.jsonl"
    if feed.exists():
        reports.append(ingest_file(workspace, feed, "sheltered", actor=DEMO_ANALYST))
    return [f"{report.summary()} Alerts raised: {report.alerts_raised}." for report in reports]


def run_demo_analyses(workspace: Workspace, progress: Progress | None = None) -> DemoAnalyses:
    """Train, score and audit each demo risk model, register and analyse the demo's letter trial, and store the
    demo's sensor feeds.

    A model whose data cannot support training (too few outcomes at this demo size) is reported, not fatal: the
    rest of the demo still works.
    """
    from townhall.decisions import audit_model, load_definition, score_model, train_model
    from townhall.demo.letter_trial import analyse_demo_letter_trial

    report = progress or (lambda _step, _fraction: None)
    analyses = DemoAnalyses()
    steps = len(DEMO_MODELS) + 1
    for number, name in enumerate(DEMO_MODELS):
        def step(what: str, fraction: float, number: int = number, name: str = name) -> None:
            report(f"{name}: {what}", (number + fraction) / steps)

        model = DemoModel(name)
        try:
            model.training = train_model(workspace, load_definition(name), progress=step, actor=DEMO_ANALYST)
            step("scoring today's list", 0.95)
            model.scoring = score_model(workspace, name, actor=DEMO_ANALYST)
            audit = audit_model(workspace, name)
            model.audit_flags, model.audit_findings = len(audit.flags), len(audit.findings)
        except TownhallError as error:
            model.problem = str(error)
        analyses.models.append(model)
    report("analysing the direct-debit letter trial", len(DEMO_MODELS) / steps)
    analyses.letter_trial = analyse_demo_letter_trial(workspace)
    from townhall.demo.words import run_text_analyses

    report("redacting comments, finding themes and key passages", 0.98)
    analyses.text = run_text_analyses(workspace, DEMO_ANALYST)
    report("storing the sensor feeds", 0.97)
    analyses.sensor_batches = store_demo_sensor_feeds(workspace)
    report("done", 1.0)
    return analyses
