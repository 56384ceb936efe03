"""The headline claims of the risk models, on the demo council at the size they need (tests/conftest.py
``claims_demo_folder``): the children's bias audit finds the bias the demo planted among its first findings, and the
hidden-HMO list finds more than five times the base rate in its top 5%."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from townhall.decisions import BiasAudit, TrainingResult, audit_model, load_definition, train_model
from townhall.workspace import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def claims_demo(claims_demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A copy of the claims-sized demo to train on."""
    copy = tmp_path_factory.mktemp("claims") / "ashbury"
    shutil.copytree(claims_demo_folder, copy)
    with Workspace.open(copy) as opened:
        yield opened


@pytest.fixture(scope="module")
def childrens_audit(claims_demo: Workspace) -> BiasAudit:
    train_model(claims_demo, load_definition("childrens-escalation"))
    return audit_model(claims_demo, "childrens-escalation")


@pytest.fixture(scope="module")
def hidden_hmos(claims_demo: Workspace) -> TrainingResult:
    return train_model(claims_demo, load_definition("hidden-hmos"))


def test_the_childrens_audit_finds_the_planted_bias_among_its_first_findings(claims_demo: Workspace,
                                                                             childrens_audit: BiasAudit) -> None:
    planted = json.loads((claims_demo.path / "demo-data" / "truth" / "planted_effects.json").read_text())
    bias_group = planted["childrens_referrals"]["bias_group"]  # referred 1.8 times as often at the same need
    findings = childrens_audit.findings
    planted_findings = [flag for flag in findings if flag.characteristic == "Ethnic group" and flag.group == bias_group]
    assert planted_findings, childrens_audit.summary_sentences()
    base_rate = next(flag for flag in planted_findings if flag.rate == "base_rate")
    assert base_rate.ratio.lower > 1.25  # the recorded outcome is more common, interval and all
    assert findings.index(base_rate) < 5  # among the few the page and the command lead with
    ethnic = [flag for flag in findings if flag.characteristic == "Ethnic group"]
    assert ethnic[0] in planted_findings  # the clearest ethnic-group finding is the planted one
    assert base_rate.sentence.startswith(f"The recorded outcome was {base_rate.ratio.value:.2g} times as common "
                                         f"among people in the group '{bias_group}'")
    assert len(findings) < len(childrens_audit.flags)  # the rest are folded away as "may be chance"


def test_the_hidden_hmo_list_finds_more_than_five_times_the_base_rate_in_its_top_five_percent(
        hidden_hmos: TrainingResult) -> None:
    chosen = hidden_hmos.evaluation.chosen
    assert chosen["lift_at_top_share"].mean >= 5
    assert all(lift >= 5 for lift in chosen["lift_at_top_share"].values)  # in every test period
    assert chosen["precision_at_top_share"].mean >= 5 * hidden_hmos.evaluation.base_rate
