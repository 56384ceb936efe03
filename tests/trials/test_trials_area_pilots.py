"""Area pilots: difference-in-differences recovers a planted effect with honest intervals, and the parallel-trends
check notices a pilot area that was already drifting away before the start."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from townhall.errors import TownhallError
from townhall.trials import difference_in_differences, service_demand_pilot
from townhall.workspace import Workspace

PLANTED = 3.0


def _panel(generator: np.random.Generator, *, areas: int = 24, periods: int = 8, pilots: int = 8, start: int = 4,
           effect: float = PLANTED, pre_trend: float = 0.0) -> pd.DataFrame:
    """Areas with their own level, shared period shocks, area-level serial noise, and the effect from ``start``."""
    area = np.repeat(np.arange(areas), periods)
    period = np.tile(np.arange(periods), areas)
    pilot = area < pilots
    level = generator.normal(50, 10, areas)[area]
    shock = generator.normal(0, 3, periods)[period]
    persistent = generator.normal(0, 2, areas)[area] * (period >= start)  # areas drift after the start too
    noise = generator.normal(0, 2, areas * periods)
    drift = pre_trend * (period - start) * pilot
    outcome = level + shock + persistent + noise + drift + effect * (pilot & (period >= start))
    return pd.DataFrame({"area": [f"A{number:02d}" for number in area], "period": period, "outcome": outcome})


def test_the_interval_covers_the_planted_effect_about_95_times_in_100() -> None:
    generator = np.random.default_rng(2026)
    covered, estimates = 0, []
    for _ in range(200):
        result = difference_in_differences(_panel(generator), unit_column="area", time_column="period",
                                           outcome_column="outcome", pilot_units=[f"A{n:02d}" for n in range(8)],
                                           start="4", event_study=False)
        covered += result.lower <= PLANTED <= result.upper
        estimates.append(result.estimate)
    assert 0.90 <= covered / 200 <= 0.99
    assert abs(np.mean(estimates) - PLANTED) < 0.3


def test_the_event_study_and_parallel_trends_check_catch_a_pilot_already_drifting() -> None:
    generator = np.random.default_rng(5)
    pilots = [f"A{n:02d}" for n in range(8)]
    parallel = difference_in_differences(_panel(generator, periods=10, start=5, effect=0.0), unit_column="area",
                                         time_column="period", outcome_column="outcome", pilot_units=pilots,
                                         start="5")
    drifting = difference_in_differences(_panel(generator, periods=10, start=5, effect=0.0, pre_trend=2.0),
                                         unit_column="area", time_column="period", outcome_column="outcome",
                                         pilot_units=pilots, start="5")
    assert not parallel.parallel_trends_doubtful and parallel.pre_periods_tested == 4
    assert drifting.parallel_trends_doubtful and drifting.pre_trend_p_value < 0.001
    assert any(sentence.startswith("Warning: before the pilot") for sentence in drifting.sentences())
    study = parallel.event_study.set_index("relative_period")
    assert list(study.index) == list(range(-5, 5)) and study.loc[-1, "estimate"] == 0.0
    assert parallel.sentences()[0].startswith("No detectable difference")


def test_a_pilot_start_outside_the_panel_is_refused() -> None:
    panel = _panel(np.random.default_rng(1))
    with pytest.raises(TownhallError, match="not one of the panel's periods"):
        difference_in_differences(panel, unit_column="area", time_column="period", outcome_column="outcome",
                                  pilot_units=["A00"], start="40")
    with pytest.raises(TownhallError, match="not in the panel"):
        difference_in_differences(panel, unit_column="area", time_column="period", outcome_column="outcome",
                                  pilot_units=["Z99"], start="4")


def test_the_service_demand_example_finds_no_effect_where_no_pilot_happened(linked_demo_folder) -> None:  # type: ignore[no-untyped-def]
    with Workspace.open(linked_demo_folder) as workspace:
        result = service_demand_pilot(workspace, service="Housing repairs", start="2024-04")
    assert result.periods >= 60 and len(result.comparator_units) >= 1
    # Illustrative: the demo planted no pilot, so the interval should include zero.
    assert result.lower <= 0 <= result.upper
    assert any("indicative" in sentence for sentence in result.sentences())


def test_the_estimate_and_interval_match_statsmodels_two_way_fixed_effects_with_clustered_errors() -> None:
    import statsmodels.formula.api as smf

    panel = _panel(np.random.default_rng(9))
    pilots = [f"A{n:02d}" for n in range(8)]
    result = difference_in_differences(panel, unit_column="area", time_column="period", outcome_column="outcome",
                                       pilot_units=pilots, start="4")
    panel["after"] = (panel["area"].isin(pilots) & (panel["period"] >= 4)).astype(float)
    fitted = smf.ols("outcome ~ after + C(area) + C(period)", data=panel).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(panel["area"])[0]}, use_t=True)
    assert result.estimate == pytest.approx(fitted.params["after"])
    assert (result.lower, result.upper) == pytest.approx(tuple(fitted.conf_int().loc["after"]))
    assert result.p_value == pytest.approx(fitted.pvalues["after"])
