"""Life expectancy by the Chiang II abridged life table, with Chiang's confidence interval.

Age bands start at 0, 1, 5, 10, ... ; the last band is open-ended. The fraction of the band
lived by those who die in it is 0.1 for infants and 0.5 otherwise. The variance follows Chiang,
with Silcocks' term for the open-ended last band.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from commonweal.stats import _intervals as ci
from commonweal.stats._frames import StatsInputError, as_list, check_numeric, output_like, relation


def life_table(
    startage: Sequence[float], deaths: Sequence[float], population: Sequence[float]
) -> pd.DataFrame:
    """One abridged life table, for bands starting at `startage` (sorted, the last open-ended).

    >>> t = life_table([0, 1, 5], [10, 5, 100], [1000, 4000, 2000])
    >>> round(float(t["ex"].iloc[0]), 4)
    24.6446
    """
    a = np.asarray(startage, float)
    d = np.asarray(deaths, float)
    p = np.asarray(population, float)
    if not (len(a) == len(d) == len(p)) or len(a) < 2:
        raise StatsInputError(
            "a life table needs at least 2 age bands, each with deaths and population"
        )
    if (np.diff(a) <= 0).any():
        raise StatsInputError("age bands must be in increasing order of start age")
    if (p <= 0).any() or (d < 0).any():
        raise StatsInputError("populations must be greater than zero and deaths not negative")
    if d[-1] == 0:
        raise StatsInputError("the open-ended last band needs at least one death")
    n = np.append(np.diff(a), np.nan)  # band widths; the last is open-ended
    ax = np.where(a == 0, 0.1, 0.5)
    m = d / p
    q = np.append(n[:-1] * m[:-1] / (1 + n[:-1] * (1 - ax[:-1]) * m[:-1]), 1.0)
    q = np.minimum(q, 1.0)
    lx = np.empty(len(a))
    lx[0] = 100_000.0
    for i in range(1, len(a)):
        lx[i] = lx[i - 1] * (1 - q[i - 1])
    dx = lx * q
    big_l = np.empty(len(a))
    big_l[:-1] = n[:-1] * (lx[1:] + ax[:-1] * dx[:-1])
    big_l[-1] = lx[-1] / m[-1]
    tx = big_l[::-1].cumsum()[::-1]
    ex = tx / lx
    # Chiang's variance of q for closed bands; Silcocks' term for the open band.
    with np.errstate(divide="ignore", invalid="ignore"):
        var_q = np.append(
            n[:-1] ** 2
            * m[:-1]
            * (1 - ax[:-1] * n[:-1] * m[:-1])
            / (p[:-1] * (1 + (1 - ax[:-1]) * n[:-1] * m[:-1]) ** 3),
            0.0,
        )
    e_next = np.append(ex[1:], 0.0)
    closed = lx[:-1] ** 2 * ((1 - ax[:-1]) * n[:-1] + e_next[:-1]) ** 2 * var_q[:-1]
    open_band = lx[-1] ** 2 / m[-1] ** 4 * (d[-1] / p[-1] ** 2)  # l_w^2 / m_w^4 × var(m_w)
    term = np.append(closed, open_band)
    var_e = term[::-1].cumsum()[::-1] / lx**2
    return pd.DataFrame(
        {
            "startage": a,
            "deaths": d,
            "population": p,
            "mx": m,
            "qx": q,
            "lx": lx,
            "dx": dx,
            "Lx": big_l,
            "Tx": tx,
            "ex": ex,
            "var_ex": var_e,
        }
    )


def life_expectancy(
    data: Any,
    deaths: str,
    population: str,
    startage: str,
    group_by: str | Sequence[str] | None = None,
    le_age: float = 0,
    confidence: float = 0.95,
) -> Any:
    """Life expectancy at `le_age` for each group, with its confidence interval."""
    rel = relation(data)
    check_numeric(
        rel, [deaths, population, startage], non_negative=[deaths, startage], positive=[population]
    )
    frame = rel.df() if not isinstance(data, pd.DataFrame) else data
    groups = as_list(group_by)
    z = ci.z_value(confidence)
    rows = []
    for key, part in frame.groupby(groups) if groups else [((), frame)]:
        part = part.sort_values(startage)
        table = life_table(
            part[startage].tolist(), part[deaths].tolist(), part[population].tolist()
        )
        at = table[table["startage"] == le_age]
        if at.empty:
            raise StatsInputError(f"no age band starts at {le_age}")
        e, var = float(at["ex"].iloc[0]), float(at["var_ex"].iloc[0])
        row = dict(zip(groups, key if isinstance(key, tuple) else (key,), strict=False))
        rows.append(
            {
                **row,
                "startage": le_age,
                "value": e,
                "lowercl": e - z * np.sqrt(var),
                "uppercl": e + z * np.sqrt(var),
                "confidence": f"{confidence * 100:g}%",
                "statistic": f"life expectancy at {le_age:g}",
                "method": "Chiang, using Silcocks et al for confidence limits",
            }
        )
    return output_like(pd.DataFrame(rows), data)
