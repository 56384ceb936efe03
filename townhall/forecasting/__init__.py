"""Forecasting: demand series at any frequency with backtested forecasts, and projections of children with education,
health and care plans under named scenarios.

``parse_periods`` reads period labels (dates, months, quarters, weeks, years, financial years) as real periods;
``demand_series`` reads the demand source named in ``[forecasting]`` and ``record_series`` counts the records of any
source by period; ``series_from_frame`` does either for a table in hand. ``forecast_demand`` forecasts series with
statsforecast (Theta, ETS, CES, ARIMA and their average against a seasonal naive baseline), backtests each method and
chooses the simplest that is not clearly worse. ``send_inputs``, ``fit_send_model`` and ``simulate_send`` project the
SEND population in the manner of Mastodon C's open SEND model; ``compare_scenarios`` runs named scenarios beside the
baseline.
"""

from townhall.forecasting.backtest import MODEL_NAMES, ModelAccuracy, choose_model, naive_scale
from townhall.forecasting.charts import forecast_chart_spec, history_table, scenario_chart_spec
from townhall.forecasting.models import (
    HORIZONS,
    ForecastRun,
    SeriesForecast,
    forecast_demand,
    forecast_series,
    published_forecast,
)
from townhall.forecasting.periods import (
    FREQUENCY_NAMES,
    Frequency,
    ParsedPeriods,
    frequency,
    parse_periods,
    period_label,
)
from townhall.forecasting.scenarios import (
    BASELINE,
    CHANGE_KINDS,
    Scenario,
    ScenarioComparison,
    compare_scenarios,
    example_scenarios,
    load_scenarios,
    parse_scenarios,
)
from townhall.forecasting.send import (
    ILLUSTRATIVE_COSTS,
    SETTING_NAMES,
    SendModel,
    SendProjection,
    check_costs,
    fit_send_model,
    population_from_index,
    read_costs_csv,
    read_population_csv,
    read_transitions,
    read_transitions_csv,
    send_inputs,
    send_source,
    simulate_send,
    tidy_transitions,
)
from townhall.forecasting.series import (
    DemandSeries,
    demand_figures,
    demand_series,
    demand_source,
    fill_series,
    find_series,
    record_series,
    series_from_frame,
)

__all__ = [
    "BASELINE",
    "CHANGE_KINDS",
    "FREQUENCY_NAMES",
    "HORIZONS",
    "ILLUSTRATIVE_COSTS",
    "MODEL_NAMES",
    "SETTING_NAMES",
    "DemandSeries",
    "ForecastRun",
    "Frequency",
    "ModelAccuracy",
    "ParsedPeriods",
    "Scenario",
    "ScenarioComparison",
    "SendModel",
    "SendProjection",
    "SeriesForecast",
    "check_costs",
    "choose_model",
    "compare_scenarios",
    "demand_figures",
    "demand_series",
    "demand_source",
    "example_scenarios",
    "fill_series",
    "find_series",
    "fit_send_model",
    "forecast_chart_spec",
    "forecast_demand",
    "forecast_series",
    "frequency",
    "history_table",
    "load_scenarios",
    "naive_scale",
    "parse_periods",
    "parse_scenarios",
    "period_label",
    "population_from_index",
    "published_forecast",
    "read_costs_csv",
    "read_population_csv",
    "read_transitions",
    "read_transitions_csv",
    "record_series",
    "scenario_chart_spec",
    "send_inputs",
    "send_source",
    "series_from_frame",
    "simulate_send",
    "tidy_transitions",
]
