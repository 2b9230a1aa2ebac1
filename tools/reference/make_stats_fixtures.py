#!/usr/bin/env python3
"""SciPy reference values for auxsweep's statistics (Tests/SweepTests/Fixtures/stats.json).

Student-t quantiles and CDF values, 95 % t intervals of means, paired t-tests and exact sign-flip
permutation p-values of paired differences, computed independently with scipy.stats (past 20 pairs,
on integer differences, from the exact distribution of the signed sum); and the power
of two-sided paired t-tests with the seeds they need (Tests/SweepTests/Fixtures/power.json, from
scipy.stats.nct as statsmodels' TTestPower computes it). Run:

    python3 tools/reference/make_stats_fixtures.py
"""
import json
import math
import os

import numpy as np
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "SweepTests", "Fixtures", "stats.json")
POWER_OUT = os.path.join(ROOT, "Tests", "SweepTests", "Fixtures", "power.json")
CAP = 1000


def paired_power(effect, n, alpha=0.05):
    """Power of the two-sided one-sample (paired) t-test with n pairs at standardized effect `effect`."""
    df = n - 1
    q = stats.t.ppf(1 - alpha / 2, df)
    ncp = abs(effect) * math.sqrt(n)
    # The lower tail by symmetry (P(T'(ncp) < -q) = P(T'(-ncp) > q)): nct.cdf returns NaN far in its tail.
    power = float(stats.nct.sf(q, df, ncp) + stats.nct.sf(q, df, -ncp))
    assert math.isfinite(power), (effect, n)
    return power


def seeds_to_decide(difference, sd, alpha=0.05, target=0.8):
    """The smallest n >= 2 with power >= target, None for a zero difference, "beyond" past CAP."""
    if difference == 0:
        return None
    effect = difference / sd
    if paired_power(effect, CAP, alpha) < target:
        return "beyond"
    return next(n for n in range(2, CAP + 1) if paired_power(effect, n, alpha) >= target)


def power_fixture():
    cases = []
    for difference, sd in ((0.02, 0.01), (0.01, 0.02), (0.005, 0.02), (-0.03, 0.015), (0.0033, 0.03),
                           (0.001, 0.05), (0.05, 0.01), (0.012, 0.011), (0.0, 0.02), (0.004, 0.009)):
        cases.append({"difference": difference, "sd": sd, "seeds": seeds_to_decide(difference, sd)})
    powers = [{"effect": e, "n": n, "power": paired_power(e, n)}
              for e in (0.1, 0.5, 1.0, 2.5) for n in (2, 5, 12, 40, 300)]
    variants = [{"difference": 0.01, "sd": 0.02, "alpha": alpha, "target": target,
                 "seeds": seeds_to_decide(0.01, 0.02, alpha, target)}
                for alpha, target in ((0.05, 0.5), (0.01, 0.8), (0.1, 0.9))]
    return {"scipy": __import__("scipy").__version__, "alpha": 0.05, "target_power": 0.8, "cap": CAP,
            "seeds": cases, "power": powers, "variants": variants, "report": report_fixture()}


def report_fixture():
    """A sweep's final mIoU by weight and seed (a seed effect shared by the weights plus noise) and
    the seeds to decide the report must give each weight: against the best (highest mean), and for
    the best against w = 0."""
    rng = np.random.default_rng(14)
    weights = [0.0, 0.2, 0.4, 0.6, 0.8]
    gains = [0.0, 0.02, 0.026, 0.012, 0.026]
    base = rng.uniform(0.45, 0.55, 8)
    miou = {w: [round(float(b + g + rng.normal(0, 0.01)), 6) for b in base] for w, g in zip(weights, gains)}
    best = max(weights, key=lambda w: np.mean(miou[w]))
    expected = {}
    for w in weights:
        other = 0.0 if w == best else w
        lead = miou[best]
        d = np.array(lead) - np.array(miou[other])
        expected[str(w)] = None if w == best == 0.0 else seeds_to_decide(float(d.mean()), float(d.std(ddof=1)))
    return {"weights": weights, "miou": {str(w): v for w, v in miou.items()}, "best": best, "seeds_to_decide": expected}


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


def sign_flip_integer_case(rng, n):
    """Integer differences (exact sums in any order, many ties) and their exact two-sided sign-flip
    p-value from the distribution of the signed sum, built by convolution: 2^n patterns are too many
    for SciPy to enumerate at n = 40."""
    d = [int(v) for v in rng.integers(-6, 12, n)]
    counts = {0: 1}
    for v in d:
        nxt = {}
        for total, c in counts.items():
            nxt[total + v] = nxt.get(total + v, 0) + c
            nxt[total - v] = nxt.get(total - v, 0) + c
        counts = nxt
    observed = abs(sum(d))
    extreme = sum(c for total, c in counts.items() if abs(total) >= observed)
    return {"d": d, "n": n, "p_permutation": extreme / 2 ** n}


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
    # Past the 12 pairs the first enumerator stopped at: SciPy still enumerates all 2^n patterns exactly.
    for n, effect, noise in ((15, 0.004, 0.01), (18, 0.012, 0.01), (20, 0.006, 0.02)):
        fixture["paired"].append(paired_case(rng, n, effect, noise))
    fixture["sign_flip_integer"] = [sign_flip_integer_case(rng, n) for n in (25, 33, 40)]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}")
    with open(POWER_OUT, "w") as f:
        json.dump(power_fixture(), f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {POWER_OUT}")


if __name__ == "__main__":
    main()
