"""commonweal.stats: population-indicator statistics, importable without Django.

Confidence intervals as PHEindicatormethods computes them (Wilson, Byar's, exact Poisson,
Student's t, Dobson), funnel limits, benchmarking, deprivation quantiles, the slope index of
inequality, life expectancy, and statistical process control by the NHS Making Data Count
rules. Inputs: pandas, Polars or Arrow frames, DuckDB relations, PySpark DataFrames, or PostgreSQL
tables and queries (`from_sql`); the sums run where the data is. See docs/statistics.md.
"""

from commonweal.stats._engines import from_sql
from commonweal.stats._frames import StatsInputError
from commonweal.stats.funnels import funnel_limits, funnel_significance
from commonweal.stats.indicators import ESP2013, dsr, isr_rate, isr_ratio, mean, proportion, rate
from commonweal.stats.inequality import compare_to_benchmark, quantiles, sii
from commonweal.stats.life import life_expectancy, life_table
from commonweal.stats.spc import SpcResult, spc

__all__ = [
    "ESP2013",
    "SpcResult",
    "StatsInputError",
    "compare_to_benchmark",
    "dsr",
    "from_sql",
    "funnel_limits",
    "funnel_significance",
    "isr_rate",
    "isr_ratio",
    "life_expectancy",
    "life_table",
    "mean",
    "proportion",
    "quantiles",
    "rate",
    "sii",
    "spc",
]
