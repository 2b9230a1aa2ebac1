#!/usr/bin/env python3
"""SciPy reference values for auxsweep's statistics (Tests/SweepTests/Fixtures/stats.json).

Student-t quantiles and CDF values, 95 % t intervals of means, paired t-tests and exact sign-flip
permutation p-values of paired differences, computed independently with scipy.stats. Run:

    python3 tools/reference/make_stats_fixtures.py
"""
import json
import math
import os

import numpy as np
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "SweepTests", "Fixtures", "stats.json")


def paired_case(rng, n, effect, noise):
    base = rng.uniform(0.3, 0.7, n)
    x = base + rng.normal(0, noise, n)
    y = base + effect + rng.normal(0, noise, n)
    d = y - x
    t = stats.ttest_rel(y, x)
    perm = stats.permutation_test((y, x), lambda a, b: np.mean(a - b), permutation_type="samples",
                                  n_resamples=math.inf, alternative="two-sided")
    lo, hi = stats.t.interval(0.95, n - 1, loc=d.mean(), scale=stats.sem(d))
    return {"a": list(map(float, y)), "b": list(map(float, x)), "n": n, "mean": float(d.mean()),
            "ci95": [float(lo), float(hi)], "p_t": float(t.pvalue), "p_permutation": float(perm.pvalue)}


def main() -> None:
    rng = np.random.default_rng(20171)
    fixture = {
        "scipy": __import__("scipy").__version__,
        "t_quantile_975": [{"df": df, "t": float(stats.t.ppf(0.975, df))} for df in (1, 2, 3, 4, 5, 7, 10, 20, 30, 100)],
        "t_cdf": [{"t": t, "df": df, "p": float(stats.t.cdf(t, df))}
                  for t in (-3.0, -1.0, 0.0, 0.5, 2.0, 4.5) for df in (1, 4, 9)],
        "means": [],
        "paired": [],
    }
    for n in (2, 3, 5, 8):
        x = rng.normal(0.5, 0.05, n)
        lo, hi = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
        fixture["means"].append({"x": list(map(float, x)), "mean": float(x.mean()), "std": float(x.std(ddof=1)),
                                 "ci95": [float(lo), float(hi)]})
    for n, effect, noise in ((3, 0.02, 0.01), (5, 0.01, 0.02), (5, 0.0, 0.01), (8, 0.03, 0.02), (12, 0.005, 0.01)):
        fixture["paired"].append(paired_case(rng, n, effect, noise))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
