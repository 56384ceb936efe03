"""Reproduce a published trial: Gerber, Green & Larimer (2008), the get-out-the-vote "social pressure" mailings.

The data (344,084 voters in 10,000 clusters, five arms) come from the PPBDS primer.data package (MIT). The test reads
the R data file with the pure-Python ``rdata`` reader (a test-only dependency) and is skipped, saying why, when the
file or the reader is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.trials import TrialPlan, analyse_frame

SHAMING = Path(__file__).resolve().parents[3] / "shared" / "data" / "trials" / "shaming.rda"
PUBLISHED_TURNOUT = {"No Postcard": 29.7, "Civic Duty": 31.5, "Hawthorne": 32.2, "Self": 34.5, "Neighbors": 37.8}


@pytest.mark.slow  # reading the 344,084-row R file takes about 20 s of CPU
def test_the_analysis_reproduces_the_published_turnout_and_the_neighbors_effect() -> None:
    if not SHAMING.exists():
        pytest.skip(f"The published trial's data are not on this machine ({SHAMING}); see ../shared/data/README.md.")
    rdata = pytest.importorskip("rdata", reason="Install the test extra (pip install -e '.[test]') for rdata.")
    with pytest.warns(UserWarning):  # rdata notes it reads R's tibble class as a plain data frame
        frame = rdata.read_rda(SHAMING)["shaming"]
    assert len(frame) == 344_084
    plan = TrialPlan(
        name="social-pressure-2006", title="Social pressure and turnout (Gerber, Green & Larimer 2008)",
        question="Do mailings that apply social pressure raise turnout in the August 2006 Michigan primary?",
        arms=list(PUBLISHED_TURNOUT), primary_outcome="primary_06", population="Registered voters in Michigan",
        unit_of_randomisation="household", analysis_plan="ITT, OLS with errors clustered as randomised.",
        minimum_effect_of_interest=0.01, arm_column="treatment", cluster_column="cluster")
    analysis = analyse_frame(frame, plan)
    effects = {effect.arm: effect for effect in analysis.primary()}
    turnout = {"No Postcard": round(effects["Neighbors"].control_mean * 100, 1),
               **{arm: round(effect.arm_mean * 100, 1) for arm, effect in effects.items()}}
    assert turnout == PUBLISHED_TURNOUT
    neighbors = effects["Neighbors"]
    assert neighbors.lower > 0 and neighbors.significant
    assert neighbors.difference == pytest.approx(0.081, abs=0.001)  # the published 8.1 percentage points
    assert neighbors.conclusion().startswith("'Neighbors' raised primary_06 by 8.1 percentage points")
