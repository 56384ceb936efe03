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
                                           start="4", event_study=False, bootstrap=False)
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


def test_text_period_labels_are_sorted_by_time_before_the_comparison() -> None:
    # As text "Q12012" sorts before "Q32011"; read as quarters the pilot starts after two quarters before it.
    labels = ["Q32011", "Q42011", "Q12012", "Q22012"]
    rows = [{"area": area, "quarter": label, "rate": 10 + index + (5 if area == "P" and index >= 2 else 0)
             + (0.1 if area == "C2" else 0)} for area in ("P", "C1", "C2") for index, label in enumerate(labels)]
    result = difference_in_differences(pd.DataFrame(rows), unit_column="area", time_column="quarter",
                                       outcome_column="rate", pilot_units=["P"], start="2012 Q1",
                                       bootstrap=False)
    assert result.estimate == pytest.approx(5.0) and result.start == "2012 Q1"
    assert any(sentence.startswith("Warning: only one area is treated") for sentence in result.sentences())


def test_group_time_effects_match_the_hand_worked_differences() -> None:
    # Areas A and B start in period 3, C in period 4; D and E are never piloted. Outcomes by period 1 to 4:
    outcomes = {"A": [1, 2, 6, 8], "B": [3, 4, 8, 10], "C": [2, 3, 4, 9], "D": [0, 1, 2, 3], "E": [2, 3, 4, 5]}
    rows = [{"area": area, "period": f"202{period}", "y": value} for area, values in outcomes.items()
            for period, value in enumerate(values, start=1)]
    result = difference_in_differences(pd.DataFrame(rows), unit_column="area", time_column="period",
                                       outcome_column="y", pilot_units=["A", "B", "C"],
                                       start=["2023", "2023", "2024"])
    cells = result.group_time.set_index(["start", "period"])["estimate"]
    # ATT(3,3): A and B rose 4 from period 2; D and E rose 1: 4 - 1 = 3. ATT(3,4): 6 - 2 = 4 (base period 2).
    # ATT(4,4): C rose 5 from period 3; D and E rose 1: 4. Before: ATT(4,3) = (4-3) - (2-1) = 0.
    assert cells[("2023", "2023")] == pytest.approx(3.0)
    assert cells[("2023", "2024")] == pytest.approx(4.0)
    assert cells[("2024", "2024")] == pytest.approx(4.0)
    assert cells[("2024", "2023")] == pytest.approx(0.0)
    # Overall: the post-start cells weighted by group size (2, 2, 1 areas): (2x3 + 2x4 + 1x4) / 5 = 3.6.
    assert result.estimate == pytest.approx(3.6)
    assert result.method.startswith("Callaway and Sant'Anna")


def test_staggered_starts_recover_a_growing_effect_that_two_way_fixed_effects_misses() -> None:
    generator = np.random.default_rng(12)
    rows, starts = [], {}
    for area in range(60):
        start = 3 if area < 20 else (6 if area < 40 else None)
        starts[f"A{area:02d}"] = start
        level = generator.normal(0, 2)
        for period in range(10):
            effect = 2.0 * (period - start + 1) if start is not None and period >= start else 0.0
            rows.append({"area": f"A{area:02d}", "period": period + 1, "y": level + 0.3 * period + effect
                         + generator.normal(0, 0.5)})
    panel = pd.DataFrame(rows)
    pilots = [area for area, start in starts.items() if start is not None]
    staggered = difference_in_differences(panel, unit_column="area", time_column="period", outcome_column="y",
                                          pilot_units=pilots, start=[str(starts[area] + 1) for area in pilots])
    truth = np.mean([2.0 * (offset + 1) for offset in range(7)] + [2.0 * (offset + 1) for offset in range(4)])
    assert staggered.lower <= truth <= staggered.upper
    study = staggered.event_study.set_index("relative_period")["estimate"]
    assert study[0] == pytest.approx(2.0, abs=0.5) and study[3] == pytest.approx(8.0, abs=0.7)
    assert not staggered.parallel_trends_doubtful


def test_the_wild_cluster_bootstrap_matches_refitting_each_draw_with_statsmodels() -> None:
    import statsmodels.api as sm

    from townhall.trials import wild_cluster_bootstrap
    from townhall.trials.area_pilots import _fixed_effects

    generator = np.random.default_rng(3)
    areas, periods = 7, 5
    unit, period = np.repeat(np.arange(areas), periods), np.tile(np.arange(periods), areas)
    treated = ((unit < 2) & (period >= 3)).astype(float)
    outcome = (generator.normal(0, 1, areas)[unit] + generator.normal(0, 1, periods)[period]
               + generator.normal(0, 1, areas * periods) + 0.8 * treated)
    controls = _fixed_effects(unit, areas, period, periods)
    weights = generator.choice([-1.0, 1.0], size=(areas, 40))
    design = np.column_stack([treated, controls])
    full = sm.OLS(outcome, design).fit(cov_type="cluster", cov_kwds={"groups": unit}, use_t=True)
    restricted = sm.OLS(outcome, controls).fit()
    draws = []
    for draw in range(weights.shape[1]):
        again = sm.OLS(restricted.fittedvalues + restricted.resid * weights[unit, draw], design).fit(
            cov_type="cluster", cov_kwds={"groups": unit}, use_t=True)
        draws.append(again.params[0] / again.bse[0])
    expected = np.mean(np.abs(draws) >= abs(full.params[0] / full.bse[0]) - 1e-12)
    assert wild_cluster_bootstrap(outcome, treated, controls, unit, weights=weights).p_value == pytest.approx(expected)


def test_few_areas_get_the_wild_cluster_bootstrap_and_a_covariate_that_never_changes_is_named() -> None:
    panel = _panel(np.random.default_rng(21), areas=10, pilots=3).assign(
        staff=lambda data: np.random.default_rng(2).normal(10, 1, len(data)),
        region=lambda data: (data["area"] < "A05").astype(float))
    result = difference_in_differences(panel, unit_column="area", time_column="period", outcome_column="outcome",
                                       pilot_units=["A00", "A01", "A02"], start="4", covariates=["staff", "region"])
    assert result.bootstrap is not None and result.bootstrap.weights == "Webb six-point"
    assert result.bootstrap.lower < result.estimate < result.bootstrap.upper
    assert any(sentence.startswith("Wild cluster bootstrap") for sentence in result.sentences())
    assert result.covariates == ("staff", "region")
    assert any("'region' was left out" in note for note in result.notes)
