"""Forecasting: monthly demand for council services with backtested models, and projections of children with
education, health and care plans under named scenarios.

``monthly_series`` and ``service_demand_series`` turn sources into monthly series; ``forecast_demand`` forecasts them
with statsforecast (ETS, ARIMA and a seasonal naive baseline), backtests each model and chooses the simplest that is
not clearly worse. ``send_inputs``, ``fit_send_model`` and ``simulate_send`` project the SEND population in the
manner of Mastodon C's open SEND model; ``compare_scenarios`` runs named scenarios beside the baseline.
"""

from townhall.forecasting.backtest import MODEL_NAMES, ModelAccuracy, choose_model, naive_scale
from townhall.forecasting.charts import forecast_chart_spec, history_table, scenario_chart_spec
from townhall.forecasting.models import ForecastRun, SeriesForecast, forecast_demand, published_forecast
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
    fit_send_model,
    population_from_index,
    read_costs_csv,
    read_population_csv,
    read_transitions,
    read_transitions_csv,
    send_inputs,
    simulate_send,
    tidy_transitions,
)
from townhall.forecasting.series import DemandSeries, find_series, monthly_series, service_demand_series

__all__ = [
    "BASELINE",
    "CHANGE_KINDS",
    "ILLUSTRATIVE_COSTS",
    "MODEL_NAMES",
    "SETTING_NAMES",
    "DemandSeries",
    "ForecastRun",
    "ModelAccuracy",
    "Scenario",
    "ScenarioComparison",
    "SendModel",
    "SendProjection",
    "SeriesForecast",
    "choose_model",
    "compare_scenarios",
    "example_scenarios",
    "find_series",
    "fit_send_model",
    "forecast_chart_spec",
    "forecast_demand",
    "history_table",
    "load_scenarios",
    "monthly_series",
    "naive_scale",
    "parse_scenarios",
    "population_from_index",
    "published_forecast",
    "read_costs_csv",
    "read_population_csv",
    "read_transitions",
    "read_transitions_csv",
    "scenario_chart_spec",
    "send_inputs",
    "service_demand_series",
    "simulate_send",
    "tidy_transitions",
]
