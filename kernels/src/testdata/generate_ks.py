#!/usr/bin/env python3
"""Generate ks-cases.json: reference values from scipy.stats.ks_2samp (default
arguments: alternative='two-sided', method='auto') and scipy.stats.kstwo.sf,
for the Rust port's tests (tests/scipy.rs).

Each sample is either an inline JSON array or a generator description

    {"splitmix64": {"seed": <u64>, "n": <int>, "loc": <f64>, "scale": <f64>}}

meaning value_i = loc + scale * ((splitmix64_next() >> 11) * 2**-53), i = 1..n,
with the standard SplitMix64 (state += 0x9E3779B97F4A7C15, ...; all wrapping
u64) started from state = seed.  Samples are stored *unsorted*; the Rust test
sorts them (ks_2samp sorts internally).

Ties in large samples are produced with the same generator by making `scale`
a few ulps of `loc`: e.g. loc=1.0, scale=2**-52 rounds every value to either
1.0 or 1.0+2**-52 (two levels), loc=1.0, scale=2**-49 gives nine levels.
IEEE round-to-nearest-even makes this reproducible bit-for-bit.

Every ks case records: statistic, p_value, method (the 'auto' rule:
"exact" iff max(n1, n2) <= 10000), fell_back (scipy warned "Exact
calculation unsuccessful" and switched to 'asymp'), and branch (which SciPy
code path produced the p-value).

Besides hand-picked cases (tiny samples, equal/unequal sizes, ties,
identical and separated samples, the 10000 threshold, every _kolmogn branch
of the asymptotic path, 10^6-per-side samples) there are seeded random
sweeps, and a grid of direct kstwo.sf(x, n) values ("kstwo_sf_cases").

Usage: python3 kernels/src/testdata/generate_ks.py   (writes ks-cases.json next to this script)
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def splitmix_uniform(seed, n):
    """The first n SplitMix64 outputs from state=seed, mapped to [0, 1)."""
    with np.errstate(over="ignore"):
        state = np.uint64(seed) + GOLDEN * np.arange(1, n + 1, dtype=np.uint64)
        z = state
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def gen(seed, n, loc=0.0, scale=1.0):
    return {"splitmix64": {"seed": int(seed), "n": int(n), "loc": float(loc), "scale": float(scale)}}


def materialize(spec):
    if isinstance(spec, dict):
        g = spec["splitmix64"]
        u = splitmix_uniform(g["seed"], g["n"])
        return np.float64(g["loc"]) + np.float64(g["scale"]) * u
    return np.asarray(spec, dtype=np.float64)


def raw_statistic(a, b):
    """ks_2samp's statistic before the exact branch's lattice rounding."""
    a = np.sort(a)
    b = np.sort(b)
    allv = np.concatenate([a, b])
    cd = np.searchsorted(a, allv, side="right") / len(a) - np.searchsorted(b, allv, side="right") / len(b)
    mn = np.clip(-np.min(cd), 0, 1)
    mx = np.max(cd)
    return mn if mn > mx else mx


def kolmogn_branch(n, x):
    """Which branch kstwo.sf(x, n) -> _kolmogn(n, x, cdf=False) takes."""
    if x <= 0.5 / n or x >= 1.0:
        return "trivial"
    t = n * x
    if t <= 1.0:
        if t <= 0.5:
            return "trivial"
        return "ruben_gambino_low_prod" if n <= 140 else "ruben_gambino_low_stirling"
    if t >= n - 1:
        return "ruben_gambino_high"
    if x >= 0.5:
        return "smirnov"
    nx2 = t * x
    if n <= 140:
        if nx2 <= 0.754693:
            return "dmtw"
        if nx2 <= 4:
            return "pomeranz"
        return "smirnov"
    if nx2 >= 370.0:
        return "zero"
    if nx2 >= 2.2:
        return "smirnov_large_n" if n > 1000000 else "smirnov"
    if n <= 100000 and n * x**1.5 <= 1.4:
        return "dmtw"
    return "pelz_good"


def en_rounded(n1, n2):
    m, n = sorted([float(n1), float(n2)], reverse=True)
    return float(np.round(m * n / (m + n)))


def run_ks(a, b):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = stats.ks_2samp(a, b)
    fell_back = any("Exact calculation unsuccessful" in str(x.message) for x in w)
    return float(res.statistic), float(res.pvalue), fell_back


ks_cases = []


def add(name, a_spec, b_spec):
    a = materialize(a_spec)
    b = materialize(b_spec)
    stat, p, fell_back = run_ks(a, b)
    n1, n2 = len(a), len(b)
    method = "exact" if max(n1, n2) <= 10000 else "asymp"
    if method == "exact" and not fell_back:
        if stat == 0.0 or round(stat * (n1 // math.gcd(n1, n2)) * n2) == 0:
            branch = "exact_h0"
        else:
            branch = "exact_square" if n1 == n2 else "exact_inside"
    else:
        branch = "asymp_" + kolmogn_branch(en_rounded(n1, n2), stat)
    ks_cases.append({
        "name": name, "a": a_spec, "b": b_spec,
        "n1": n1, "n2": n2,
        "statistic": stat, "p_value": p,
        "method": method, "fell_back": fell_back, "branch": branch,
    })
    print(f"{name:45s} n=({n1},{n2}) D={stat:.6g} p={p:.6g} {method}{' FELLBACK' if fell_back else ''} {branch}")
    return ks_cases[-1]


def search(name, n1, n2, make, want, tries=400):
    """Try seeds until `want(branch, D, en)` holds for the raw statistic."""
    en = en_rounded(n1, n2)
    for s in range(tries):
        a_spec, b_spec = make(s)
        d = raw_statistic(materialize(a_spec), materialize(b_spec))
        if want(kolmogn_branch(en, d), d, en):
            return add(name, a_spec, b_spec)
    raise RuntimeError(f"no seed found for {name}")


# --------------------------------------------------------------------------
# Exact branch ('auto' with max(n1, n2) <= 10000)
# --------------------------------------------------------------------------
# Tiny samples.
add("tiny_1_1_separated", [0.0], [1.0])
add("tiny_1_1_identical", [1.0], [1.0])
add("tiny_2_2_separated", [0.0, 1.0], [2.0, 3.0])
add("tiny_3_1", [1.0, 2.0, 3.0], [0.5])
add("tiny_2_3_interleaved", [2.0, 1.0], [1.5, 2.5, 3.5])
add("tiny_1_3", [3.0], [1.0, 2.0, 4.0])
add("tiny_3_3_identical", [1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
add("tiny_3_2_ties", [1.0, 2.0, 3.0], [2.0, 2.0])

# Equal sizes: _compute_prob_outside_square.
add("square_5", gen(11, 5), gen(12, 5, 0.3))
add("square_20_shift", gen(21, 20), gen(22, 20, 0.25))
add("square_100", gen(31, 100), gen(32, 100, 0.1))
add("square_1000", gen(41, 1000), gen(42, 1000, 0.05))
add("square_10000_small_shift", gen(51, 10000), gen(52, 10000, 0.01))
add("square_10000_tiny_p", gen(53, 10000), gen(54, 10000, 0.07))
add("square_50_separated", gen(61, 50), gen(62, 50, 1.0))
add("square_300_p_1e-7", gen(63, 300), gen(64, 300, 0.25))
# h = 1 (maximally interleaved): 2*P rounds to 1.0000000000000002 > 1, so
# scipy falls back to 'asymp' (kstwo.sf(1/n, round(n/2))).
add("square_7_interleaved_fallback", [2.0 * i for i in range(7)], [2.0 * i + 1 for i in range(7)])
add("square_15_interleaved_fallback", [2.0 * i for i in range(15)], [2.0 * i + 1 for i in range(15)])
add("square_30_interleaved_fallback", [2.0 * i for i in range(30)], [2.0 * i + 1 for i in range(30)])
add("square_8_interleaved", [2.0 * i for i in range(8)], [2.0 * i + 1 for i in range(8)])

# Unequal sizes: _compute_outer_prob_inside_method (pythran).
add("inside_7_13", gen(71, 7), gen(72, 13, 0.2))
add("inside_30_45", gen(73, 30), gen(74, 45, 0.3))
add("inside_100_37", gen(75, 100), gen(76, 37, -0.15))
add("inside_999_1000", gen(77, 999), gen(78, 1000, 0.04))
add("inside_10000_9999", gen(79, 10000), gen(80, 9999, 0.02))
add("inside_10000_3", gen(81, 10000), gen(82, 3, 0.5))
add("inside_1_10000", gen(83, 1), gen(84, 10000))
add("inside_2500_10000_gcd", gen(85, 2500), gen(86, 10000, 0.03))
add("inside_40_60_separated", gen(87, 40), gen(88, 60, 2.0))
add("inside_5000_10000_p_1e-9", gen(89, 5000), gen(90, 10000, 0.07))
add("inside_6000_7001_p_1e-12", gen(91, 6000), gen(92, 7001, 0.085))

# Ties / integer-valued data.
add("ties_integer_30_40",
    [float(int(v)) for v in materialize(gen(101, 30, 0.0, 6.0))],
    [float(int(v)) for v in materialize(gen(102, 40, 0.5, 6.0))])
add("ties_integer_equal_25",
    [float(int(v)) for v in materialize(gen(103, 25, 0.0, 4.0))],
    [float(int(v)) for v in materialize(gen(104, 25, 0.0, 4.0))])
add("ties_9_levels_5000_8000", gen(105, 5000, 1.0, 2.0**-49), gen(106, 8000, 1.0, 2.0**-49))
add("ties_9_vs_shifted_3000_3000", gen(107, 3000, 1.0, 2.0**-49), gen(108, 3000, 1.0 + 2.0**-51, 2.0**-49))

# Identical samples: p = 1.
add("identical_500", gen(111, 500), gen(111, 500))
add("identical_constant_10_20", gen(112, 10, 3.0, 0.0), gen(113, 20, 3.0, 0.0))

# Around the 10000 threshold.
add("threshold_10000_10000_exact", gen(121, 10000), gen(122, 10000, 0.02))
add("threshold_10000_10001_asymp", gen(123, 10000), gen(124, 10001, 0.02))
add("threshold_10001_10001_en_half_even", gen(125, 10001), gen(126, 10001, 0.02))  # en = 5000.5 -> 5000

# --------------------------------------------------------------------------
# Asymptotic branch: kstwo.sf(D, round(en)), small en (<= 140)
# --------------------------------------------------------------------------
quantiles_50 = [(i + 0.5) / 50 for i in range(50)]
add("asymp_en50_ruben_gambino_low", gen(201, 20000), quantiles_50)
search("asymp_en50_dmtw", 20000, 50, lambda s: (gen(202, 20000), gen(1000 + s, 50)),
       lambda br, d, en: br == "dmtw")
search("asymp_en50_pomeranz", 20000, 50, lambda s: (gen(203, 20000), gen(2000 + s, 50)),
       lambda br, d, en: br == "pomeranz")
search("asymp_en50_pomeranz_upper", 20000, 50, lambda s: (gen(204, 20000), gen(2500 + s, 50, 0.1)),
       lambda br, d, en: br == "pomeranz" and en * d * d > 3.0)
add("asymp_en50_smirnov", gen(205, 20000), gen(206, 50, 0.35))
add("asymp_en50_x_ge_half", gen(207, 20000), gen(208, 50, 0.6))
add("asymp_en50_ruben_gambino_high", gen(209, 20000), [-1.0] + [2.0 + i / 49 for i in range(49)])
search("asymp_en139_pomeranz", 20000, 140, lambda s: (gen(210, 20000), gen(3000 + s, 140, 0.05)),
       lambda br, d, en: br == "pomeranz")
search("asymp_en140_dmtw", 200000, 140, lambda s: (gen(211, 200000), gen(3500 + s, 140)),
       lambda br, d, en: br == "dmtw" and en == 140)
add("asymp_en140_smirnov", gen(212, 200000), gen(213, 140, 0.3))

# --------------------------------------------------------------------------
# Asymptotic branch, large en (> 140)
# --------------------------------------------------------------------------
search("asymp_en141_pelz_good", 200000, 141, lambda s: (gen(214, 200000), gen(4000 + s, 141)),
       lambda br, d, en: br == "pelz_good" and en == 141)
add("asymp_en141_smirnov", gen(215, 200000), gen(216, 141, 0.2))
# Two-level data (1.0 or 1.0+ulp) with seeds searched so D <= 1/en.
search("asymp_en296_ruben_gambino_low_stirling", 20000, 300,
       lambda s: (gen(217, 20000, 1.0, 2.0**-52), gen(5000 + s, 300, 1.0, 2.0**-52)),
       lambda br, d, en: br == "ruben_gambino_low_stirling", tries=2000)
add("asymp_en296_x_ge_half", gen(218, 20000), gen(219, 300, 0.6))
# D just below 1: b starts above nearly all of a (D >= 1 - 1/en).
search("asymp_en296_ruben_gambino_high", 20000, 300, lambda s: (gen(220, 20000), gen(9000 + s, 300, 0.999)),
       lambda br, d, en: br == "ruben_gambino_high")
search("asymp_en1000_dmtw", 20000, 1053,
       lambda s: (gen(222, 20000, 1.0, 2.0**-52), gen(6000 + s, 1053, 1.0, 2.0**-52)),
       lambda br, d, en: br == "dmtw", tries=2000)
search("asymp_en20000_dmtw", 40000, 40000,
       lambda s: (gen(223, 40000, 1.0, 2.0**-52), gen(7000 + s, 40000, 1.0, 2.0**-52)),
       lambda br, d, en: br == "dmtw", tries=2000)
search("asymp_en100000_dmtw", 200000, 200000,
       lambda s: (gen(224, 200000, 1.0, 2.0**-52), gen(8000 + s, 200000, 1.0, 2.0**-52)),
       lambda br, d, en: br == "dmtw", tries=2000)
add("asymp_en100000_pelz_good", gen(225, 200000), gen(226, 200000))
add("asymp_en_15000_pelz_good", gen(227, 50000), gen(228, 21429))
add("asymp_en100000_identical", gen(229, 200000), gen(229, 200000))
add("asymp_ties_9_levels_20000_30000", gen(230, 20000, 1.0, 2.0**-49), gen(231, 30000, 1.0, 2.0**-49))

# Smirnov (n x^2 >= 2.2) with p-values spread down to ~1e-12.
for i, target_p in enumerate([3e-2, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11]):
    for n1, n2 in [(20000, 500), (200000, 200000)]:
        en = en_rounded(n1, n2)
        # p ~ 2 exp(-2 en D^2); D grows with the shift of U[shift, 1+shift)
        # against U[0, 1): correct the shift by the observed D a few times.
        d_target = math.sqrt(math.log(2.0 / target_p) / (2.0 * en))
        a_spec, shift = gen(300 + 2 * i, n1), d_target
        for _ in range(4):
            d = raw_statistic(materialize(a_spec), materialize(gen(301 + 2 * i, n2, shift)))
            shift += d_target - d
        add(f"asymp_smirnov_en{int(en)}_p{target_p:.0e}", a_spec, gen(301 + 2 * i, n2, shift))
# 129 levels, second sample shifted by two of them.
add("asymp_smirnov_en14286_ties", gen(320, 20000, 1.0, 2.0**-45), gen(321, 50000, 1.0 + 2.0**-51, 2.0**-45))
add("asymp_zero_nx2_ge_370", gen(322, 20000), gen(323, 20000, 0.3))
add("asymp_separated", gen(324, 15000), gen(325, 12000, 5.0))
# Performance-sized cases (10^6 per side).
add("asymp_1e6_pelz_good", gen(330, 1000000), gen(331, 1000000))
add("asymp_1e6_smirnov", gen(332, 1000000), gen(333, 1000000, 0.003))

# --------------------------------------------------------------------------
# Randomised sweeps (parameters from a fixed NumPy seed; data from splitmix64).
# --------------------------------------------------------------------------
rng = np.random.default_rng(20240611)
ULP1 = 2.0**-52
for k in range(100):
    # Exact branch: small/medium sizes, continuous or tied (2/9/129 levels).
    n1 = int(rng.integers(1, 400))
    n2 = n1 if rng.random() < 0.3 else int(rng.integers(1, 400))
    levels = rng.choice([0, 2, 9, 129])
    if levels == 0:
        shift = float(rng.choice([0.0, 0.05, 0.15, 0.4, 1.2]))
        a_spec, b_spec = gen(10000 + 2 * k, n1), gen(10001 + 2 * k, n2, shift)
    else:
        scale = {2: ULP1, 9: 8 * ULP1, 129: 128 * ULP1}[int(levels)]
        shift_ulps = int(rng.integers(0, max(2, int(levels) // 4)))
        a_spec = gen(10000 + 2 * k, n1, 1.0, scale)
        b_spec = gen(10001 + 2 * k, n2, 1.0 + shift_ulps * ULP1, scale)
    add(f"sweep_exact_{k}", a_spec, b_spec)
for k in range(40):
    # Asymptotic branch with a small second sample: en mostly <= 140.
    n1 = int(rng.integers(10001, 40000))
    n2 = int(rng.integers(1, 300))
    shift = float(rng.choice([0.0, 0.0, 0.1, 0.25, 0.5]))
    add(f"sweep_asymp_small_en_{k}", gen(20000 + 2 * k, n1), gen(20001 + 2 * k, n2, shift))
for k in range(12):
    # Asymptotic branch, both samples large.
    n1 = int(rng.integers(10001, 120000))
    n2 = int(rng.integers(5000, 120000))
    shift = float(rng.choice([0.0, 0.005, 0.01, 0.02]))
    add(f"sweep_asymp_large_en_{k}", gen(30000 + 2 * k, n1), gen(30001 + 2 * k, n2, shift))

# --------------------------------------------------------------------------
# kstwo.sf(x, n) directly, over a grid covering every _kolmogn branch.
# --------------------------------------------------------------------------
kolmogn_cases = []
ns = [1, 2, 3, 5, 10, 50, 100, 139, 140, 141, 200, 1000, 5000, 50000, 100000, 100001, 500000, 2000000]
nx2s = [0.05, 0.3, 0.754, 0.76, 1.0, 2.0, 2.19, 2.21, 3.9, 4.1, 10.0, 30.0, 100.0, 369.0, 371.0]
for n in ns:
    xs = set()
    for v in nx2s:
        xs.add(math.sqrt(v / n))
    xs.update([0.4 / n, 0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.5, 0.75, 1.0 - 1.5 / n, 1.0 - 0.5 / n, 0.999])
    for x in sorted(xs):
        if not (0.0 < x < 1.0):
            continue
        br = kolmogn_branch(n, x)
        if n >= 500000 and br == "smirnov" and n <= 1000000 and x < 0.1:
            # O(n) sum in SciPy; keep the generator quick, but keep a few.
            if x not in (math.sqrt(2.21 / n), math.sqrt(30.0 / n)):
                continue
        sf = float(stats.kstwo.sf(x, n))
        kolmogn_cases.append({"n": n, "x": x, "sf": sf, "branch": br})
print(f"{len(kolmogn_cases)} kstwo.sf cases")

out = {
    "scipy_version": scipy.__version__,
    "numpy_version": np.__version__,
    "ks_cases": ks_cases,
    "kstwo_sf_cases": kolmogn_cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ks-cases.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"wrote {len(ks_cases)} ks cases to {path}")
