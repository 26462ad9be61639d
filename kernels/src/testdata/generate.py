#!/usr/bin/env python3
"""Reference values for the host-side statistics kernels (kernels/src).

Run from the repository root:

    python3 kernels/src/testdata/generate.py

It writes kernels/src/testdata/reference.json next to this script. The
output is deterministic: every random input comes from a seeded
numpy.random.Generator (SEED below) or from the splitmix64 generator
specified next, so re-running with the same library versions reproduces the
file byte for byte.

File format
-----------
* Top level: {"generated_by": {...versions...}, "<section>": [case, ...], ...}.
* Every case has a unique (within its section) "name".
* Floats are written with Python's shortest round-trip repr; non-finite floats
  are the strings "nan", "inf", "-inf" (also inside arrays).
* A field documented as "a sample" is either an inline array of numbers or
      {"splitmix64": {"seed": <u64>, "n": <int>, "loc": <f64>, "scale": <f64>}}
  meaning value_i = loc + scale * ((next() >> 11) * 2**-53), i = 0..n-1, with
  the standard splitmix64 stepping from state = seed:
      state = (state + 0x9E3779B97F4A7C15) mod 2^64
      z = state
      z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) mod 2^64
      z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) mod 2^64
      next() = z ^ (z >> 31)
  Evaluate it as written: u = (next() >> 11) as f64 * 2^-53 (exact), then
  loc + scale * u with two separate roundings (no fused multiply-add).

Sections and exactly what each value is
---------------------------------------
ks_2samp          {a, b: sample, statistic, p_value, method}
                  scipy.stats.ks_2samp(a, b) with defaults (two-sided,
                  method='auto'); method = "exact" if max(len a, len b) <= 10000
                  else "asymp". The script asserts that scipy never fell back
                  from exact to asymp (it warns when it does) for any case here.
chi2_contingency  {reference, current: [counts], statistic, p_value, dof}
                  scipy.stats.chi2_contingency([reference, current]) defaults.
chisquare_gof     {reference, current: [counts], statistic, p_value}
                  k_norm = sum(current) / sum(reference)   (one division)
                  f_exp  = reference * k_norm              (elementwise)
                  scipy.stats.chisquare(current, f_exp). This is the operation
                  order of Evidently's chisquare stattest
                  (f_exp = [ref_count * k_norm ...]); (ref * sum_cur) / sum_ref
                  can differ in the last bit.
z_test            {reference_successes, reference_n, current_successes,
                   current_n, statistic, p_value}
                  p_ref = s_ref / n_ref, p_cur = s_cur / n_cur,
                  P = (s_ref + s_cur) / (n_ref + n_cur)   (integers summed first;
                  Evidently's (p_ref*n_ref + p_cur*n_cur)/(n_ref + n_cur) can
                  differ in the last bit: cases "pooled_from_counts_not_rates_*")
                  z = (p_ref - p_cur) / sqrt(P * (1 - P) * (1/n_ref + 1/n_cur))
                  p_value = 2 * scipy.stats.norm.sf(|z|).
                  Cross-checked against statsmodels proportions_ztest when it
                  is installed (it uses the same pooled formula).
distances         {p, q, psi, kl, js, hellinger}; p = reference, q = current.
                  psi = numpy.sum((q - p) * numpy.log(q / p))
                  kl  = scipy.stats.entropy(p, q)
                  js  = scipy.spatial.distance.jensenshannon(p, q)
                  hellinger = sqrt(numpy.sum((sqrt(p) - sqrt(q))**2)) / sqrt(2)
                  Cases named "zeros_*" have exact zeros in p or q and carry
                  only kl and js (no psi / hellinger keys).
smoothing         {percents, smoothed}: Evidently get_binned_data feel_zeroes
                  rule: zeros -> min(nonzero)/1e6 if min(nonzero) <= 0.0001
                  else 0.0001; no renormalisation.
wasserstein       {a, b: sample, distance, reference_std, normed}
                  distance = scipy.stats.wasserstein_distance(a, b),
                  reference_std = numpy.std(a) (ddof 0),
                  normed = distance / max(reference_std, 0.001).
bin_edges         {values: sample, bins: int | "sturges", edges}
                  numpy.histogram_bin_edges(values, bins=bins), values float64.
histogram         {values: sample, edges, counts}
                  numpy.histogram(values, bins=edges)[0].
quantiles         {values: sample, q, expected} = numpy.quantile(values, q)
                  (method 'linear').
fairness          {y_true, y_pred, sensitive: {attr: [str]}, results: [...]}
                  one result per attribute alone, then one for the
                  intersection of all attributes (sensitive_features = a
                  DataFrame of those columns). result = {attribute ("sex" or
                  "sex&race": names joined with "&"), attributes: [names],
                  demographic_parity_difference, demographic_parity_ratio,
                  equalized_odds_difference, equalized_odds_ratio,
                  equal_opportunity_difference, equal_opportunity_ratio
                  (fairlearn.metrics functions, defaults), groups: {label:
                  {count, tp, fp, tn, fn, selection_rate, tpr, fpr,
                  accuracy}}}; intersection labels join the values with "&"
                  in attribute order ("F&A"). See make_fairness().
compare           {actual, expected, rtol, atol, mismatches, max_abs_diff,
                   max_rel_diff, max_ulp}
                  mismatches = count of ~numpy.isclose(actual, expected, rtol,
                  atol, equal_nan=True); max_abs_diff / max_rel_diff / max_ulp
                  over pairs where both values are finite (0 when none);
                  max_rel_diff only over pairs with expected != 0. max_ulp is
                  an exact JSON integer (can exceed 2^53; fits u64).

Library behaviours a reimplementation must copy (checked against the
installed versions, see generated_by)
-------------------------------------------------------------------
* numpy.sum of float64 (used inside entropy, jensenshannon, chisquare,
  chi2_contingency, numpy.std, numpy.mean and the psi / hellinger formulas) is
  pairwise: n < 8: plain left-to-right loop starting from 0.0; 8 <= n <= 128:
  eight accumulators r[j] = a[j], r[j] += a[i+j] for i = 8, 16, ... while
  i < n - n%8, then ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the n%8 leftovers
  added in order; n > 128: split at n2 = n/2 - (n/2)%8 and add the two halves'
  pairwise sums. The script asserts its own Python port of this reproduces
  numpy.sum on every summed array in this file.
* scipy.stats.wasserstein_distance ends with numpy.vecdot(|ucdf - vcdf|,
  deltas), which calls BLAS ddot (OpenBLAS here): its summation order is
  CPU-kernel specific, not numpy's pairwise sum. Compare wasserstein
  "distance" with a relative tolerance (~1e-12), not bit for bit.
* ks_2samp: in exact mode the statistic is replaced by h/lcm(n1,n2) with
  h = round(D * lcm) (numpy round-half-even); n1 == n2 uses
  _compute_prob_outside_square, n1 != n2 uses the pythran
  _compute_outer_prob_inside_method (Hodges inside method / Viehmann 1-p
  recursion). In asymp mode the p-value is scipy.stats.kstwo.sf(D,
  np.round(m*n/(m+n))) with m >= n as floats and numpy's half-to-even
  rounding (the finite-n Kolmogorov distribution,
  scipy.stats._ksstats._kolmogn, which picks between Ruben-Gambino,
  2*smirnov, DMTW, Pomeranz and Pelz-Good by n and n*D^2), NOT
  kstwobign.sf(D*sqrt(en)). D is max over the pooled sorted sample of
  |i/n1 - j/n2| with i, j from searchsorted(side='right'); p is clipped
  to [0, 1].
* chi2_contingency: expected = outer(row_sums, col_sums) / total (integer
  product first; all products here are < 2^53 so an f64 product is identical);
  dof = k - 1; when dof == 1 Yates: observed += sign(expected - observed) *
  min(0.5, |expected - observed|) (so a cell closer than 0.5 to its expectation
  is moved exactly onto it); statistic = pairwise numpy.sum of
  (obs - exp)**2 / exp over the 2 x k table flattened row-major
  (reference row first); p = chdtrc(dof, statistic). scipy raises if a
  column is zero in both rows (expected 0), so no such case is included.
* chisquare: terms (obs - exp)**2 / exp, pairwise sum, p = chdtrc(k-1, stat).
  It raises if sum(obs) and sum(f_exp) differ by more than sqrt(eps)
  relative; never the case here. A zero reference count gives f_exp = 0 and a
  division by zero, so such cases are skipped.
* scipy.stats.entropy(p, q) and jensenshannon(p, q) first renormalise:
  p = p / numpy.sum(p), q = q / numpy.sum(q) (even when the inputs already
  "sum to 1": the division can move values by an ulp). entropy =
  numpy.sum(rel_entr(p, q)); rel_entr(x, y) = x*log(x/y) for x>0, y>0;
  0 for x == 0, y >= 0; inf otherwise. jensenshannon: m = (p + q) / 2.0,
  js = sqrt((numpy.sum(rel_entr(p, m)) + numpy.sum(rel_entr(q, m))) / 2.0).
  psi and hellinger here do NOT renormalise (Evidently does not).
* numpy.histogram_bin_edges: int bins: first, last = min, max; if equal, first
  -= 0.5, last += 0.5; edges = linspace(first, last, bins + 1):
  step = (last - first) / bins, edge_i = i * step + first, last edge set to
  `last` exactly. numpy then raises "Too many bins for data range" unless the
  edges are strictly increasing (e.g. constant 1e20, where v +- 0.5 == v, or a
  range narrower than bins ulps). "sturges": width = ptp / (log2(n) + 1.0);
  bins = int(ceil((last - first) / width)) if width != 0 else 1, i.e. NOT
  simply ceil(log2(n) + 1) (case "sturges_ceil_rounds_up" gets 8 bins for
  n = 64 where log2(64)+1 = 7).
* numpy.histogram(values, bins=edges): bin i is [e_i, e_{i+1}) except the last
  bin, which is closed [e_{k-1}, e_k]; values outside [e_0, e_k] are dropped.
  Implemented as searchsorted(sorted, edges[:-1], 'left') and
  searchsorted(sorted, edges[-1], 'right'), so with repeated edges the empty
  bin [e, e) gets 0 and the value e goes to the right. Edges must be
  non-decreasing (numpy raises otherwise).
* numpy.quantile 'linear': virtual index v = (n - 1) * q, lo = floor(v),
  g = v - lo, a = sorted[lo], b = sorted[lo + 1] (v >= n-1 -> both the max);
  result = a + (b - a) * g if g < 0.5 else b - (b - a) * (1 - g).
* numpy.std: mean = pairwise_sum(x) / n; d = x - mean; sqrt(pairwise_sum(d*d)
  / n).
* fairlearn (see make_fairness): an undefined rate (TPR of a group without
  positives, FPR of a group without negatives) is 0.0, silently (sklearn's
  confusion_matrix(normalize='true') divides under errstate(ignore) and then
  nan_to_num) - not nan, no warning. difference = max - min over groups,
  ratio = min / max over groups (pandas, NaN skipped); a ratio 0/0 (every
  group's rate is 0) is nan. equalized_odds_difference =
  builtin max([tpr_difference, fpr_difference]) and equalized_odds_ratio =
  builtin min([tpr_ratio, fpr_ratio]) - Python's builtin min/max over a
  Series, so a nan in first position wins and a nan in second position is
  ignored (min(nan, x) = nan, min(x, nan) = x). For an intersection, fairlearn's
  by_group is the Cartesian product of each attribute's values; combinations
  with no rows are all-NaN rows that pandas min/max skip. "groups" below lists
  only combinations that have rows.
* numpy.isclose(a, e): (|a - e| <= atol + rtol * |e|) & isfinite(e) | (a == e),
  plus both-nan when equal_nan; asymmetric in (a, e).
* numpy.testing's nulp_diff maps a float to the integer v = bits if bits >= 0
  else -(bits & 0x7fff...) (so -0.0 and 0.0 are both 0), subtracts in int64
  (which wraps for opposite signs whose distance is >= 2^63) and returns the
  difference as float64. max_ulp here is the exact |v(a) - v(e)| computed with
  Python ints; the script cross-checks it against nulp_diff wherever that is
  exact (distance < 2^53).

Cases where a library raises or warns, and how they are encoded
---------------------------------------------------------------
* chi2_contingency with a category that is zero in both rows raises
  ValueError: not included. chisquare_gof with a zero reference count: not
  included. z_test with pooled P in {0, 1} (0/0): not included.
* ks_2samp: empty samples raise: not included. No case triggers the
  "Exact calculation unsuccessful. Switching to method=asymp" warning
  (asserted).
* distances "zeros_q_positive_p" (p > 0 where q == 0): entropy returns inf
  (no warning); written as "inf".
* distances "near_equal_1ulp_k12": jensenshannon's divergence sum rounds to a
  tiny negative number, numpy warns "invalid value encountered in sqrt" and js
  is nan, written "nan". kl for the near_equal_* cases is a tiny NEGATIVE
  number (rounding); nothing clamps it. Every warning seen during a run is
  also listed in generated_by.warnings.
* compare "max_float_opposite_overflow": actual - expected overflows to inf
  (numpy warns "overflow encountered in subtract" inside isclose);
  max_abs_diff and max_rel_diff are "inf".
* smoothing with all-zero percents: min() of an empty array raises in
  Evidently: not included.
* bin_edges with non-finite values, or where the edges would not be strictly
  increasing (constant 1e20: "Too many bins for data range. Cannot create 10
  finite-sized bins."), raises: not included. quantiles / histogram with nan: not included (numpy returns
  nan / drops them respectively).
* fairness: fairlearn and sklearn emit no warnings for undefined rates (0.0
  returned); ratios 0/0 give nan silently (pandas). Written as "nan".
* compare: numpy.isclose / subtraction of inf - inf happen under
  errstate(ignore); nothing raises.
"""

import json
import math
import os
import platform
import struct
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
import scipy.special
import scipy.stats
import scipy.spatial.distance
import sklearn
import sklearn.metrics
import fairlearn
import fairlearn.metrics as flm

try:
    import statsmodels
    from statsmodels.stats.proportion import proportions_ztest
except ImportError:  # optional cross-check
    statsmodels = None
    proportions_ztest = None

SEED = 20250611
rng = np.random.default_rng(SEED)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")

WARNINGS = []  # (section, name, message)
MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------- helpers

def splitmix64(seed, n):
    """The n raw u64 outputs of splitmix64 starting from state = seed."""
    state = seed & MASK64
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


_SPEC_CACHE = {}


def spec(seed, n, loc=0.0, scale=1.0):
    """A splitmix64 sample: returns (json_obj, numpy float64 array)."""
    key = (seed, n, float(loc), float(scale))
    if key not in _SPEC_CACHE:
        two53 = 2.0 ** -53
        loc_f, scale_f = float(loc), float(scale)
        vals = [loc_f + scale_f * ((x >> 11) * two53) for x in splitmix64(seed, n)]
        _SPEC_CACHE[key] = np.array(vals, dtype=np.float64)
    obj = {"splitmix64": {"seed": seed, "n": n, "loc": float(loc), "scale": float(scale)}}
    return obj, _SPEC_CACHE[key]


def inline(values):
    arr = np.asarray(values, dtype=np.float64)
    return [float(v) for v in arr], arr


def _self_check_splitmix():
    # Vectorised uint64 version (numpy wraps) must agree with the int version.
    seed, n = 0xFFFFFFFFFFFFFFF0, 5000
    ref = splitmix64(seed, n)
    with np.errstate(over="ignore"):
        st = np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = st
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    assert [int(v) for v in z] == ref
    # Well-known first outputs for seed 0 (splitmix64 reference vectors).
    assert splitmix64(0, 3) == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def pairwise_sum(a):
    """numpy's float64 pairwise summation (see module docstring)."""
    a = [float(x) for x in a]

    def rec(lo, n):
        if n < 8:
            r = 0.0
            for i in range(lo, lo + n):
                r += a[i]
            return r
        if n <= 128:
            r = a[lo:lo + 8]
            i = 8
            while i < n - (n % 8):
                for j in range(8):
                    r[j] += a[lo + i + j]
                i += 8
            res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n:
                res += a[lo + i]
                i += 1
            return res
        n2 = n // 2
        n2 -= n2 % 8
        return rec(lo, n2) + rec(lo + n2, n - n2)

    return rec(0, len(a))


def check_sum(arr):
    s = float(np.sum(arr))
    p = pairwise_sum(np.ravel(arr))
    assert (s == p) or (math.isnan(s) and math.isnan(p)), (s, p)


def clean(x):
    """numpy -> python, non-finite floats -> strings."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [clean(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    return x


def dumps(obj, level=0):
    """Indented JSON (indent 1) with arrays of scalars on one line."""
    pad = " " * level
    pad1 = " " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [pad1 + json.dumps(k) + ": " + dumps(v, level + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ",".join(json.dumps(v, allow_nan=False) for v in obj) + "]"
        items = [pad1 + dumps(v, level + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


class Recorder:
    """Runs a library call, recording any warning against the case name."""

    def __init__(self, section):
        self.section = section

    def __call__(self, name, fn, *args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(*args, **kwargs)
        for w in caught:
            WARNINGS.append((self.section, name, f"{w.category.__name__}: {w.message}"))
        return out


def unique_names(cases, section):
    names = [c["name"] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, (section, dup)


# ---------------------------------------------------------------- ks_2samp

def make_ks():
    rec = Recorder("ks_2samp")
    cases = []

    def add(name, a, b):
        (ja, xa), (jb, xb) = a, b
        res = rec(name, scipy.stats.ks_2samp, xa, xb)
        method = "exact" if max(len(xa), len(xb)) <= 10000 else "asymp"
        for sec, nm, msg in WARNINGS:
            assert not (sec == "ks_2samp" and nm == name), (name, msg)
        cases.append({"name": name, "a": ja, "b": jb,
                      "statistic": float(res.statistic), "p_value": float(res.pvalue),
                      "method": method})

    # tiny
    add("n1_vs_n1_equal", inline([1.0]), inline([1.0]))
    add("n1_vs_n1_different", inline([0.0]), inline([1.0]))
    add("n1_vs_n2", inline([0.5]), inline([1.0, 2.0]))
    add("n1_vs_n5_inside", inline([3.0]), inline([1.0, 2.0, 3.0, 4.0, 5.0]))
    add("n2_vs_n3", inline([0.1, 0.9]), inline([0.2, 0.3, 0.4]))
    add("n3_vs_n3_interleaved", inline([1.0, 3.0, 5.0]), inline([2.0, 4.0, 6.0]))
    add("n4_vs_n2_ties", inline([1.0, 1.0, 2.0, 2.0]), inline([1.0, 2.0]))
    add("n5_vs_n5_separated", inline([1, 2, 3, 4, 5]), inline([6, 7, 8, 9, 10]))
    add("n5_vs_n4_unsorted", inline([5.0, -1.0, 3.5, 0.0, 2.0]), inline([2.5, 9.0, -3.0, 1.0]))
    add("negative_zero_ties", inline([-0.0, 0.0, 1.0]), inline([0.0, -0.0, -0.0, 2.0]))
    # identical / constant
    x = rng.standard_normal(100)
    add("identical_n100", inline(x), inline(x))
    add("both_constant_same", inline([7.0] * 20), inline([7.0] * 35))
    add("a_constant_b_spread", inline([0.0] * 30), inline(np.linspace(-1, 1, 40)))
    # heavy ties
    add("heavy_ties_ints_200_150", inline(rng.integers(0, 5, 200)), inline(rng.integers(0, 6, 150)))
    add("heavy_ties_binary_100_100", inline([0] * 50 + [1] * 50), inline([0] * 30 + [1] * 70))
    add("heavy_ties_binary_300_77", inline(rng.integers(0, 2, 300)), inline(rng.integers(0, 2, 77)))
    # separated
    add("separated_50_50", inline(rng.random(50)), inline(rng.random(50) + 2.0))
    add("separated_40_60", inline(rng.random(40)), inline(rng.random(60) + 2.0))
    # ordinary equal / unequal sizes
    add("normal_shift_100_100", inline(rng.standard_normal(100)), inline(rng.standard_normal(100) + 0.3))
    add("normal_same_120_80", inline(rng.standard_normal(120)), inline(rng.standard_normal(80)))
    add("normal_scale_250_300", inline(rng.standard_normal(250)), inline(1.6 * rng.standard_normal(300)))
    add("huge_magnitude_60_70", inline(1e300 * rng.standard_normal(60)),
        inline(1e300 * (rng.standard_normal(70) + 0.5)))
    add("tiny_magnitude_60_70", inline(1e-300 * rng.standard_normal(60)),
        inline(1e-300 * (rng.standard_normal(70) + 0.5)))
    # exact, moderate / large sizes via splitmix64
    add("exact_1000_1000_shift", spec(101, 1000), spec(102, 1000, 0.05))
    add("exact_3000_2000_scale", spec(103, 3000), spec(104, 2000, -0.05, 1.1))
    add("exact_9999_10000_shift", spec(105, 9999), spec(106, 10000, 0.02))
    add("exact_10000_10000_same", spec(107, 10000), spec(108, 10000))
    add("exact_10000_10000_shift", spec(109, 10000), spec(110, 10000, 0.03))
    add("exact_10000_5000_shift", spec(111, 10000), spec(112, 5000, 0.01))
    add("exact_unbalanced_10000_30", spec(113, 10000), spec(114, 30, 0.2))
    add("exact_unbalanced_10000_1", spec(115, 10000), inline([0.75]))
    # asymptotic
    add("asymp_10001_10000_shift", spec(116, 10001), spec(117, 10000, 0.02))
    add("asymp_10001_10001_same", spec(118, 10001), spec(119, 10001))
    add("asymp_unbalanced_20000_30", spec(120, 20000), spec(121, 30, 0.25))
    add("asymp_unbalanced_200000_5", spec(122, 200000), spec(123, 5, 0.1, 0.5))
    add("asymp_unbalanced_50000_1", spec(124, 50000), inline([0.9]))
    for i, shift in enumerate([0.0, 0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0065]):
        add(f"asymp_200000_200000_shift_{shift:g}", spec(200 + 2 * i, 200000),
            spec(201 + 2 * i, 200000, shift))
    add("asymp_200000_150000_scale", spec(230, 200000), spec(231, 150000, 0.0, 1.01))
    add("asymp_50000_120000_shift", spec(232, 50000, 10.0, 3.0), spec(233, 120000, 10.02, 3.0))
    # inputs steering scipy's kstwo.sf (_kolmogn) into each of its branches
    grid300 = (np.arange(300) + 0.5) / 300
    add("asymp_20000_vs_300_grid_dmtw", spec(234, 20000), inline(grid300))
    add("asymp_20000_vs_100_grid_small_n_dmtw", spec(235, 20000), inline((np.arange(100) + 0.5) / 100))
    add("asymp_50000_vs_2_ruben_gambino_upper", spec(236, 50000), inline([0.97, 0.99]))
    add("asymp_200000_vs_5_smirnov_large_d", spec(237, 200000), inline([0.62, 0.7, 0.75, 0.8, 0.9]))
    add("asymp_separated_20000_20000_p_zero", spec(238, 20000), spec(239, 20000, 2.0))
    add("asymp_seed_wraps_u64", spec(0xFFFFFFFFFFFFFFF0, 30000), spec(0xFFFFFFFFFFFFFFFF, 25000, 0.01))
    return cases


# ---------------------------------------------------------------- chi2

def make_chi2():
    rec = Recorder("chi2_contingency")
    cases = []

    def add(name, ref, cur):
        ref = [int(v) for v in ref]
        cur = [int(v) for v in cur]
        assert len(ref) == len(cur)
        assert all(r + c > 0 for r, c in zip(ref, cur)), name
        res = rec(name, scipy.stats.chi2_contingency, [ref, cur])
        rs, cs = sum(ref), sum(cur)
        assert max(rs, cs) * max(r + c for r, c in zip(ref, cur)) < 2 ** 53
        # self-check of the documented recipe, bit for bit
        obs = np.array([ref, cur], dtype=np.float64)
        col = obs.sum(axis=0)
        exp = np.array([[float(rs) * c / (rs + cs) for c in col],
                        [float(cs) * c / (rs + cs) for c in col]])
        if len(ref) == 2:
            diff = exp - obs
            obs = obs + np.sign(diff) * np.minimum(0.5, np.abs(diff))
        terms = ((obs - exp) ** 2 / exp).ravel()
        stat = pairwise_sum(terms)
        assert stat == float(res.statistic), (name, stat, res.statistic)
        assert float(scipy.special.chdtrc(len(ref) - 1, stat)) == float(res.pvalue)
        cases.append({"name": name, "reference": ref, "current": cur,
                      "statistic": float(res.statistic), "p_value": float(res.pvalue),
                      "dof": int(res.dof)})

    add("k2_tiny_yates", [1, 2], [3, 4])
    add("k2_equal_rows_yates", [10, 20], [10, 20])
    add("k2_yates_diff_below_half", [10, 11], [10, 10])
    add("k2_yates_diff_quarter", [3, 1], [1, 1])
    add("k2_yates_moderate", [12, 8], [8, 12])
    add("k2_zero_cell", [0, 5], [3, 4])
    add("k2_single_counts", [1, 0], [0, 1])
    add("k2_large_yates", [1500000, 2500000], [1490000, 2510000])
    add("k2_very_different", [1000, 10], [10, 1000])
    add("k3_small", [5, 7, 9], [6, 6, 10])
    add("k3_zero_in_current", [10, 20, 30], [0, 25, 35])
    add("k4_identical_proportions", [100, 200, 300, 400], [10, 20, 30, 40])
    add("k5_one_dominant", [1000, 1, 1, 1, 1], [990, 5, 3, 1, 2])
    for k in [6, 10, 20, 35, 60]:
        p = rng.dirichlet(np.ones(k))
        add(f"k{k}_same_dist_n5000", rng.multinomial(5000, p) + 1, rng.multinomial(3000, p) + 1)
        q = rng.dirichlet(np.ones(k))
        add(f"k{k}_drift_n2000", rng.multinomial(2000, p) + 1, rng.multinomial(2000, 0.7 * p + 0.3 * q) + 1)
    for k in [2, 7, 30, 60]:
        p = rng.dirichlet(np.ones(k) * 2)
        add(f"k{k}_millions", rng.multinomial(30_000_000, p) + 1, rng.multinomial(25_000_000, p * 0.999 + 0.001 / k) + 1)
    k = 60
    ref = rng.integers(0, 4, k)
    cur = rng.integers(0, 4, k)
    cur[ref + cur == 0] = 1
    add("k60_tiny_counts_with_zeros", ref, cur)
    add("k3_p_near_one", [333, 333, 334], [334, 333, 333])
    add("k8_p_tiny", [1000, 1, 1, 1, 1, 1, 0, 5], [0, 1000, 1, 1, 1, 1, 2, 5])
    return cases


# ---------------------------------------------------------------- chisquare_gof

def make_chisquare():
    rec = Recorder("chisquare_gof")
    cases = []

    def add(name, ref, cur):
        ref = [int(v) for v in ref]
        cur = [int(v) for v in cur]
        assert all(r > 0 for r in ref), name
        assert sum(cur) > 0
        k_norm = sum(cur) / sum(ref)
        f_exp = np.array([r * k_norm for r in ref], dtype=np.float64)
        res = rec(name, scipy.stats.chisquare, np.array(cur), f_exp)
        terms = (np.array(cur, dtype=np.float64) - f_exp) ** 2 / f_exp
        stat = pairwise_sum(terms)
        assert stat == float(res.statistic), (name, stat, res.statistic)
        assert float(scipy.special.chdtrc(len(ref) - 1, stat)) == float(res.pvalue)
        cases.append({"name": name, "reference": ref, "current": cur,
                      "statistic": float(res.statistic), "p_value": float(res.pvalue)})

    add("k2_tiny", [1, 2], [2, 1])
    add("k2_identical", [50, 50], [50, 50])
    add("k2_scaled_identical", [1, 3], [10, 30])
    add("k2_current_zero", [5, 5], [0, 10])
    add("k3_current_larger_total", [10, 20, 30], [200, 400, 610])
    add("k3_current_smaller_total", [1000, 2000, 3000], [1, 2, 4])
    add("k4_non_exact_ratio", [3, 7, 11, 13], [5, 9, 2, 17])
    add("k5_all_current_in_one", [10, 10, 10, 10, 10], [0, 0, 50, 0, 0])
    for k in [6, 12, 25, 40, 60]:
        p = rng.dirichlet(np.ones(k))
        add(f"k{k}_same_dist", rng.multinomial(4000, p) + 1, rng.multinomial(2500, p))
        q = rng.dirichlet(np.ones(k))
        add(f"k{k}_drift", rng.multinomial(4000, p) + 1, rng.multinomial(2500, 0.6 * p + 0.4 * q))
    for k in [2, 9, 50]:
        p = rng.dirichlet(np.ones(k) * 3)
        add(f"k{k}_millions", rng.multinomial(20_000_000, p) + 1, rng.multinomial(13_000_000, p))
    add("k3_p_value_underflow", [1000, 1000, 1000], [3000, 0, 0])
    return cases


# ---------------------------------------------------------------- z_test

def make_ztest():
    rec = Recorder("z_test")
    cases = []

    def add(name, s1, n1, s2, n2):
        P = (s1 + s2) / (n1 + n2)
        assert 0.0 < P < 1.0, name
        p1, p2 = s1 / n1, s2 / n2
        z = (p1 - p2) / math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
        p = float(rec(name, lambda v: 2 * scipy.stats.norm.sf(v), abs(z)))
        if proportions_ztest is not None:
            zs, ps = proportions_ztest(np.array([s1, s2]), np.array([n1, n2]))
            assert math.isclose(zs, z, rel_tol=1e-12, abs_tol=1e-300), (name, zs, z)
            assert math.isclose(ps, p, rel_tol=1e-9, abs_tol=1e-300), (name, ps, p)
        cases.append({"name": name, "reference_successes": s1, "reference_n": n1,
                      "current_successes": s2, "current_n": n2,
                      "statistic": z, "p_value": p})

    add("equal_proportions", 5, 10, 5, 10)
    add("equal_proportions_diff_n", 30, 100, 60, 200)
    add("single_rows", 1, 1, 0, 1)
    add("ref_zero_successes", 0, 100, 5, 100)
    add("cur_all_successes", 90, 100, 100, 100)
    add("small_difference", 480, 1000, 500, 1000)
    add("moderate", 120, 400, 90, 410)
    add("unbalanced_n", 3, 20, 4000, 10000)
    add("large_n_tiny_diff", 5000000, 10000000, 5001000, 10000000)
    add("large_n_significant", 5000000, 10000000, 5010000, 10000000)
    add("rare_events", 2, 100000, 9, 120000)
    add("p_value_underflow", 0, 1000000, 1000000, 2000000)
    add("negative_z", 10, 50, 40, 50)
    add("positive_z", 40, 50, 10, 50)
    add("p_near_1e-10", 5000, 10000, 5320, 10000)
    # Cases where Evidently's P = (p_ref*n_ref + p_cur*n_cur)/(n_ref + n_cur)
    # rounds differently from (s_ref + s_cur)/(n_ref + n_cur) and z changes in
    # the last bits; the values here use the latter (= statsmodels).
    add("pooled_from_counts_not_rates_a", 11, 327, 1, 33)
    add("pooled_from_counts_not_rates_b", 208, 330, 4, 42)
    return cases


# ---------------------------------------------------------------- distances

def _norm(v):
    v = np.asarray(v, dtype=np.float64)
    return v / v.sum()


def make_distances():
    rec = Recorder("distances")
    cases = []

    def add(name, p, q, zeros=False):
        p = np.asarray(p, dtype=np.float64)
        q = np.asarray(q, dtype=np.float64)
        kl = float(rec(name, scipy.stats.entropy, p, q))
        js = float(rec(name, scipy.spatial.distance.jensenshannon, p, q))
        # self-check of the documented formulas (must be bit-identical)
        pn, qn = p / np.sum(p), q / np.sum(q)
        check_sum(p), check_sum(q)
        check_sum(scipy.special.rel_entr(pn, qn))
        kl2 = float(np.sum(scipy.special.rel_entr(pn, qn)))
        assert kl2 == kl or (math.isnan(kl) and math.isnan(kl2)), (name, kl, kl2)
        case = {"name": name, "p": p, "q": q}
        if not zeros:
            assert (p > 0).all() and (q > 0).all()
            terms = (q - p) * np.log(q / p)
            check_sum(terms)
            psi = float(np.sum(terms))
            sq = (np.sqrt(p) - np.sqrt(q)) ** 2
            check_sum(sq)
            hel = float(np.sqrt(np.sum(sq)) / np.sqrt(2))
            case["psi"] = psi
        case["kl"] = kl
        case["js"] = js
        if not zeros:
            case["hellinger"] = hel
        cases.append(case)

    add("k1_single", [1.0], [1.0])
    add("k2_half_half", [0.5, 0.5], [0.5, 0.5])
    add("k2_shift", [0.5, 0.5], [0.9, 0.1])
    add("k2_extreme", [0.999999, 0.000001], [0.000001, 0.999999])
    add("k3_exact_thirds_vs_skew", [1 / 3, 1 / 3, 1 / 3], [0.2, 0.3, 0.5])
    add("k4_tiny_entry_in_p", _norm([1e-6, 0.3, 0.3, 0.4]), _norm([0.1, 0.3, 0.2, 0.4]))
    add("k4_tiny_entry_in_q", _norm([0.1, 0.3, 0.2, 0.4]), _norm([1e-6, 0.3, 0.3, 0.4]))
    add("k5_tiny_both", _norm([1e-6, 1e-6, 0.5, 0.25, 0.25]), _norm([2e-6, 1e-6, 0.4, 0.35, 0.25]))
    for k in [7, 10, 20, 50, 130, 300]:
        p = rng.dirichlet(np.ones(k))
        q = rng.dirichlet(np.ones(k))
        add(f"k{k}_dirichlet_independent", _norm(p), _norm(q))
        add(f"k{k}_dirichlet_close", _norm(p), _norm(0.95 * p + 0.05 * q))
    p = _norm(rng.random(12))
    add("identical_k12", p, p.copy())
    q = p.copy()
    q[0] = np.nextafter(q[0], 1.0)
    q[1] = np.nextafter(q[1], 0.0)
    add("near_equal_1ulp_k12", p, q)
    q2 = p * (1 + 1e-12 * rng.standard_normal(12))
    add("near_equal_1e-12_k12", p, q2)
    # Evidently-style smoothed percents (zeros replaced, no renormalisation):
    # deliberately does NOT sum to 1; shows the renormalisation inside scipy.
    add("unnormalized_smoothed_percents", [0.5, 0.0001, 0.25, 0.25], [0.4, 0.2, 0.0001, 0.4])
    # exact zeros: kl and js only
    add("zeros_p_zero_q_positive", [0.0, 0.5, 0.5], [0.2, 0.3, 0.5], zeros=True)
    add("zeros_q_zero_p_positive", [0.2, 0.3, 0.5], [0.0, 0.5, 0.5], zeros=True)
    add("zeros_both_zero_same_bin", [0.0, 0.4, 0.6], [0.0, 0.7, 0.3], zeros=True)
    add("zeros_disjoint_support", [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75], zeros=True)
    return cases


# ---------------------------------------------------------------- smoothing

def smooth(percents):
    out = np.array(percents, dtype=np.float64)
    nz = out[out != 0]
    m = nz.min()
    fill = m / 10 ** 6 if m <= 0.0001 else 0.0001
    np.place(out, out == 0, fill)
    return out


def make_smoothing():
    cases = []

    def add(name, percents):
        percents = np.asarray(percents, dtype=np.float64)
        cases.append({"name": name, "percents": percents, "smoothed": smooth(percents)})

    add("no_zeros_unchanged", [0.25, 0.25, 0.5])
    add("zeros_large_min_fill_1e-4", [0.5, 0.0, 0.5])
    add("min_exactly_1e-4", [0.9999, 0.0001, 0.0])
    add("min_below_1e-4", [0.99999, 0.00001, 0.0, 0.0])
    add("single_nonzero", [0.0, 1.0, 0.0])
    counts = np.array([0, 3, 0, 1000000 - 3 - 7, 7, 0])
    add("counts_over_1e6_rows", counts / 1000000)
    counts = np.array([12, 0, 988, 0, 0, 1000])
    add("counts_over_2000_rows", counts / 2000)
    add("min_just_above_1e-4", [0.00010000000000000002, 0.99989999999999999, 0.0])
    return cases


# ---------------------------------------------------------------- wasserstein

def make_wasserstein():
    rec = Recorder("wasserstein")
    cases = []

    def add(name, a, b):
        (ja, xa), (jb, xb) = a, b
        d = float(rec(name, scipy.stats.wasserstein_distance, xa, xb))
        check_sum(xa)
        std = float(np.std(xa))
        m = np.sum(xa) / len(xa)
        check_sum((xa - m) * (xa - m))
        assert std == float(np.sqrt(pairwise_sum((xa - m) * (xa - m)) / len(xa)))
        cases.append({"name": name, "a": ja, "b": jb, "distance": d,
                      "reference_std": std, "normed": d / max(std, 0.001)})

    add("single_each", inline([0.0]), inline([1.0]))
    add("identical", inline([1.0, 2.0, 3.0]), inline([3.0, 1.0, 2.0]))
    add("simple_shift", inline([0.0, 1.0, 3.0]), inline([5.0, 6.0, 8.0]))
    add("scipy_doc_example", inline([0, 1, 3]), inline([5, 6, 8]))
    add("different_sizes", inline([3.4, 3.9, 7.5, 7.8]), inline([4.5, 1.4]))
    add("ties", inline([1, 1, 1, 2, 2, 3]), inline([1, 2, 2, 2, 3, 3, 3, 3]))
    add("constant_a", inline([5.0] * 10), inline([4.0, 5.0, 6.0, 7.0]))
    add("constant_a_small_std_floor", inline([1.0] * 7), inline([1.0] * 6 + [1.0005]))
    add("negative_values", inline([-5.0, -1.0, -3.0]), inline([-2.0, 0.0, 2.0, 4.0]))
    add("huge_magnitude", inline(1e150 * rng.standard_normal(40)), inline(1e150 * (rng.standard_normal(50) + 1)))
    add("tiny_std_below_floor", inline(1e-6 * rng.standard_normal(30)), inline(1e-6 * rng.standard_normal(30) + 1e-5))
    add("normal_100_vs_150", inline(rng.standard_normal(100)), inline(rng.standard_normal(150) * 2 + 0.5))
    add("splitmix_1000_vs_1000", spec(301, 1000), spec(302, 1000, 0.1))
    add("splitmix_50000_vs_20000", spec(303, 50000, -2.0, 4.0), spec(304, 20000, -1.5, 4.0))
    add("splitmix_200000_vs_200000", spec(305, 200000, 100.0, 10.0), spec(306, 200000, 100.0, 12.0))
    add("splitmix_vs_inline_ties", spec(307, 5000), inline([0.0, 0.5, 0.5, 1.0]))
    return cases


# ---------------------------------------------------------------- bin_edges

def make_bin_edges():
    rec = Recorder("bin_edges")
    cases = []

    def add(name, values, bins):
        jv, xv = values
        edges = rec(name, np.histogram_bin_edges, xv, bins=bins)
        first, last = float(xv.min()), float(xv.max())
        if bins == "sturges":
            width = (last - first) / (math.log2(len(xv)) + 1.0)
            nb = int(math.ceil((last - first) / width)) if width != 0 else 1
        else:
            nb = bins
        if first == last:
            first, last = first - 0.5, last + 0.5
        step = (last - first) / nb
        mine = [i * step + first for i in range(nb)] + [last]
        assert mine == [float(e) for e in edges], (name, mine, edges)
        cases.append({"name": name, "values": jv, "bins": bins, "edges": edges})

    add("unit_range_10", inline(np.linspace(0, 1, 11)), 10)
    add("negative_range_10", inline([-7.5, -3.25, -1.0, -2.0]), 10)
    add("mixed_sign_30", inline(rng.standard_normal(200)), 30)
    add("constant_10", inline([3.0] * 5), 10)
    add("constant_zero_sturges", inline([0.0] * 9), "sturges")
    add("constant_negative_1", inline([-2.5]), 1)
    add("single_value_sturges", inline([42.0]), "sturges")
    add("one_bin", inline([1.0, 2.0, 4.0]), 1)
    add("two_values_3", inline([0.1, 0.7]), 3)
    add("huge_range", inline([-1e307, 1e307, 0.0]), 10)
    add("tiny_range", inline([1e-300, 2e-300, 1.5e-300]), 10)
    add("subnormal_step", inline([0.0, 1e-310]), 10)
    add("large_offset_small_range", inline([1e9, 1e9 + 1e-3, 1e9 + 5e-4]), 7)
    add("sturges_n100", inline(rng.standard_normal(100) * 3 + 1), "sturges")
    add("sturges_n1000_spec", spec(401, 1000, -5.0, 10.0), "sturges")
    add("sturges_n12345_spec", spec(402, 12345, 0.0, 1e-3), "sturges")
    v = np.concatenate(([0.0, 0.4971649650726536], np.linspace(0.01, 0.49, 62)))
    add("sturges_ceil_rounds_up", inline(v), "sturges")
    add("int_like_values_10", inline([1, 2, 2, 3, 5, 8]), 10)
    add("bins_100_spec", spec(403, 5000, 2.0, 0.5), 100)
    # the documented sturges anomaly must really occur
    assert len(cases[-3]["edges"]) - 1 == 8 and math.ceil(math.log2(64) + 1) == 7
    return cases


# ---------------------------------------------------------------- histogram

def make_histogram():
    rec = Recorder("histogram")
    cases = []

    def add(name, values, edges):
        jv, xv = values
        edges = np.asarray(edges, dtype=np.float64)
        counts = rec(name, lambda: np.histogram(xv, bins=edges)[0])
        mine = [0] * (len(edges) - 1)
        for x in xv:
            if x < edges[0] or x > edges[-1]:
                continue
            # rightmost bin i with edges[i] <= x, the last bin closed
            i = int(np.searchsorted(edges, x, side="right")) - 1
            mine[min(i, len(edges) - 2)] += 1
        assert mine == [int(c) for c in counts], (name, mine, counts)
        cases.append({"name": name, "values": jv, "edges": edges, "counts": counts.astype(np.int64)})

    add("values_on_every_edge", inline([0.0, 1.0, 2.0, 3.0]), [0.0, 1.0, 2.0, 3.0])
    add("last_edge_closed", inline([2.0, 3.0, 3.0, 2.9999999999999996]), [0.0, 1.0, 2.0, 3.0])
    add("outside_dropped", inline([-1.0, -1e-300, 0.0, 0.5, 1.0, 1.0000000000000002, 5.0]), [0.0, 0.5, 1.0])
    add("all_outside", inline([-5.0, 10.0]), [0.0, 1.0])
    add("single_bin", inline([0.0, 0.5, 1.0, 1.5]), [0.0, 1.0])
    add("single_value", inline([0.25]), [0.0, 0.25, 0.5])
    add("uneven_edges", inline(rng.standard_normal(300)), [-3.0, -1.0, -0.5, 0.0, 0.1, 2.0, 3.5])
    add("duplicate_edge", inline([0.5, 1.0, 1.0, 1.5, 2.0]), [0.0, 1.0, 1.0, 2.0])
    add("negative_zero_edge", inline([-0.0, 0.0, -1e-320]), [-1.0, 0.0, 1.0])
    ev = np.histogram_bin_edges(np.linspace(0, 1, 11), bins=10)
    add("linspace_edges_decimal_values", inline(np.linspace(0, 1, 11)), ev)
    v = spec(501, 20000, -1.0, 2.0)
    add("spec_20000_with_bin_edges_30", v, np.histogram_bin_edges(v[1], bins=30))
    v = spec(502, 3000, 0.0, 1.0)
    add("spec_3000_edges_partial_range", v, [0.1, 0.2, 0.3, 0.5, 0.9])
    add("constant_values_constant_edges", inline([3.0] * 6), np.histogram_bin_edges([3.0] * 6, bins=4))
    add("all_edges_equal", inline([1e20, 1e20, 3.0]), [1e20, 1e20, 1e20])
    return cases


# ---------------------------------------------------------------- quantiles

def make_quantiles():
    rec = Recorder("quantiles")
    cases = []
    std_q = [0.0, 0.25, 0.5, 0.75, 1.0]

    def add(name, values, q):
        jv, xv = values
        q = [float(v) for v in q]
        expected = rec(name, np.quantile, xv, q)
        srt = np.sort(xv)
        n = len(srt)
        for qi, ei in zip(q, expected):
            v = (n - 1) * qi
            lo = math.floor(v)
            if v >= n - 1:
                mine = float(srt[-1])
            else:
                g = v - lo
                a, b = float(srt[lo]), float(srt[lo + 1])
                mine = a + (b - a) * g if g < 0.5 else b - (b - a) * (1 - g)
            assert mine == float(ei), (name, qi, mine, ei)
        cases.append({"name": name, "values": jv, "q": q, "expected": expected})

    add("n1", inline([4.2]), std_q)
    add("n2_midpoint", inline([1.0, 2.0]), [0.0, 0.5, 1.0, 0.3, 0.7])
    add("n5_sorted_quartiles", inline([1, 2, 3, 4, 5]), std_q)
    add("unsorted_with_ties", inline([5, 1, 3, 3, 3, 2, 9, 1]), std_q + [0.1, 0.9])
    add("all_equal", inline([2.5] * 7), [0.0, 0.33, 0.5, 1.0])
    add("negative_and_zero", inline([-3.0, -0.0, 0.0, -1.5, 2.0]), std_q)
    add("deciles_n100", inline(rng.standard_normal(100)), np.linspace(0, 1, 11))
    add("odd_q_values", inline(rng.random(37)), [1 / 3, 2 / 3, 0.05, 0.95, 0.999, 1e-9])
    add("huge_magnitude", inline([1e300, -1e300, 5e299, 1.7976931348623157e308]), std_q)
    add("tiny_magnitude", inline([1e-310, 3e-310, 2e-300]), std_q)
    add("lerp_upper_branch", inline([0.1, 0.7, 1e16]), [0.6, 0.75, 0.9, 0.49999999999999994, 0.5])
    add("spec_10000", spec(601, 10000, -1.0, 2.0), [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0])
    add("spec_12345_percentiles", spec(602, 12345, 1e6, 1e-3), np.arange(0, 101) / 100)
    return cases


# ---------------------------------------------------------------- fairness

def make_fairness():
    """One case per dataset; results per attribute and for the intersection.

    Rates come from MetricFrame with fairlearn.metrics.selection_rate,
    true_positive_rate, false_positive_rate and sklearn accuracy_score;
    counts from sklearn.metrics.confusion_matrix(labels=[0, 1]). The six
    aggregates are the fairlearn.metrics functions with defaults (this
    fairlearn has equal_opportunity_difference / _ratio natively).
    Undefined TPR / FPR are 0.0 (no warning, not nan); 0/0 ratios are nan.
    """
    rec = Recorder("fairness")
    cases = []

    def results_for(name, yt, yp, sens, attrs):
        if len(attrs) == 1:
            sf = sens[attrs[0]]
        else:
            sf = pd.DataFrame({a: sens[a] for a in attrs})
        kw = {"sensitive_features": sf}
        out = {"attribute": "&".join(attrs), "attributes": list(attrs)}
        for fn in ["demographic_parity_difference", "demographic_parity_ratio",
                   "equalized_odds_difference", "equalized_odds_ratio",
                   "equal_opportunity_difference", "equal_opportunity_ratio"]:
            out[fn] = float(rec(name, getattr(flm, fn), yt, yp, **kw))
        mf = rec(name, flm.MetricFrame,
                 metrics={"selection_rate": flm.selection_rate,
                          "tpr": flm.true_positive_rate,
                          "fpr": flm.false_positive_rate,
                          "accuracy": sklearn.metrics.accuracy_score},
                 y_true=yt, y_pred=yp, sensitive_features=sf)
        bg = mf.by_group
        keys = np.array(["&".join(str(sens[a][i]) for a in attrs) for i in range(len(yt))])
        groups = {}
        for idx, row in bg.iterrows():
            label = "&".join(idx) if isinstance(idx, tuple) else str(idx)
            mask = keys == label
            if not mask.any():
                # Unobserved combination of attribute values: fairlearn lists
                # it with all-NaN metrics; it is left out here.
                assert row.isna().all(), (name, label)
                continue
            tn, fp, fn_, tp = sklearn.metrics.confusion_matrix(
                yt[mask], yp[mask], labels=[0, 1]).ravel()
            groups[label] = {"count": int(mask.sum()), "tp": int(tp), "fp": int(fp),
                             "tn": int(tn), "fn": int(fn_),
                             "selection_rate": float(row["selection_rate"]),
                             "tpr": float(row["tpr"]), "fpr": float(row["fpr"]),
                             "accuracy": float(row["accuracy"])}
        assert sum(g["count"] for g in groups.values()) == len(yt)
        out["groups"] = groups
        # self-check: aggregates from the per-group rates, as documented
        sr = [g["selection_rate"] for g in groups.values()]
        tpr = [g["tpr"] for g in groups.values()]
        fpr = [g["fpr"] for g in groups.values()]
        assert out["demographic_parity_difference"] == max(sr) - min(sr)
        assert out["equal_opportunity_difference"] == max(tpr) - min(tpr)
        assert out["equalized_odds_difference"] == max([max(tpr) - min(tpr), max(fpr) - min(fpr)])

        def ratio(v):
            return min(v) / max(v) if max(v) != 0 else float("nan")

        def same(x, y):
            return x == y or (math.isnan(x) and math.isnan(y))

        assert same(out["demographic_parity_ratio"], ratio(sr))
        assert same(out["equal_opportunity_ratio"], ratio(tpr))
        # builtin min over [tpr_ratio, fpr_ratio]: a leading nan wins
        assert same(out["equalized_odds_ratio"], min([ratio(tpr), ratio(fpr)]))
        return out

    def add(name, yt, yp, sens):
        yt = np.asarray(yt, dtype=np.int64)
        yp = np.asarray(yp, dtype=np.int64)
        sens = {k: np.asarray(v, dtype=object) for k, v in sens.items()}
        attrs = list(sens)
        results = [results_for(name, yt, yp, sens, [a]) for a in attrs]
        results.append(results_for(name, yt, yp, sens, attrs))
        cases.append({"name": name, "y_true": yt, "y_pred": yp,
                      "sensitive": {k: [str(x) for x in v] for k, v in sens.items()},
                      "results": results})

    # 1. n=500, two attributes; race "E" has only negatives (TPR undefined),
    #    race "F" is a single row.
    n = 500
    sex = rng.choice(["F", "M"], n, p=[0.45, 0.55])
    race = rng.choice(["A", "B", "C", "D", "E"], n, p=[0.4, 0.25, 0.2, 0.1, 0.05])
    yt = (rng.random(n) < 0.4).astype(int)
    yp = np.where(rng.random(n) < 0.8, yt, 1 - yt)
    yt[race == "E"] = 0
    race[7] = "F"
    add("n500_sex_race_negatives_only_group_single_row", yt, yp, {"sex": sex, "race": race})

    # 2. n=5000, three attributes, 2/4/3 groups, group "age=old" only positives
    n = 5000
    sex = rng.choice(["F", "M"], n)
    race = rng.choice(["w", "x", "y", "z"], n, p=[0.5, 0.3, 0.15, 0.05])
    age = rng.choice(["young", "mid", "old"], n, p=[0.3, 0.6, 0.1])
    base = 0.3 + 0.2 * (sex == "M") + 0.1 * (race == "x")
    yt = (rng.random(n) < base).astype(int)
    score = yt * 0.5 + rng.random(n) * 0.7 + 0.05 * (race == "z")
    yp = (score > 0.55).astype(int)
    yt[age == "old"] = 1
    add("n5000_three_attrs_positives_only_group", yt, yp, {"sex": sex, "race": race, "age": age})

    # 3. n=50, perfect predictions: every FPR is 0 -> fpr ratio 0/0 = nan;
    #    group "g3" has no positives -> TPR 0.0 -> tpr ratio 0.
    n = 50
    grp = np.array(["g1"] * 20 + ["g2"] * 20 + ["g3"] * 9 + ["g4"])
    flag = rng.choice(["p", "q"], n)
    yt = (rng.random(n) < 0.5).astype(int)
    yt[40:49] = 0
    yp = yt.copy()
    add("n50_perfect_predictions_fpr_ratio_nan", yt, yp, {"grp": grp, "flag": flag})

    # 4. n=60, every prediction wrong: every TPR 0 -> tpr ratio nan, which
    #    wins in builtin min([tpr_ratio, fpr_ratio]) -> equalized_odds_ratio nan.
    n = 60
    grp = rng.choice(["a", "b", "c"], n)
    side = rng.choice(["l", "r"], n)
    yt = (rng.random(n) < 0.5).astype(int)
    yp = 1 - yt
    add("n60_all_wrong_tpr_ratio_nan", yt, yp, {"grp": grp, "side": side})

    # 5. n=200, one group never selected (selection rate 0 -> dp ratio 0),
    #    an unobserved intersection combination (u & k2).
    n = 200
    g = rng.choice(["s", "t", "u"], n)
    h = rng.choice(["k1", "k2"], n)
    h[g == "u"] = "k1"
    yt = (rng.random(n) < 0.5).astype(int)
    yp = (rng.random(n) < 0.5).astype(int)
    yp[g == "u"] = 0
    add("n200_never_selected_group_unobserved_combo", yt, yp, {"g": g, "h": h})

    # 6. n=1200, two attributes with 5 and 2 groups, realistic classifier
    n = 1200
    region = rng.choice(["north", "south", "east", "west", "center"], n)
    gender = rng.choice(["female", "male"], n)
    yt = (rng.random(n) < 0.35).astype(int)
    yp = ((yt * 0.4 + rng.random(n) * 0.8 + 0.1 * (gender == "male")) > 0.6).astype(int)
    add("n1200_region_gender", yt, yp, {"region": region, "gender": gender})
    return cases


# ---------------------------------------------------------------- compare

def ordered(x):
    """Sign-magnitude float64 -> ordered integer (as numpy's integer_repr)."""
    (bits,) = struct.unpack("<q", struct.pack("<d", x))
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def make_compare():
    rec = Recorder("compare")
    cases = []
    from numpy.testing._private.utils import nulp_diff

    def add(name, actual, expected, rtol, atol):
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        close = rec(name, np.isclose, a, e, rtol=rtol, atol=atol, equal_nan=True)
        mismatches = int((~close).sum())
        fin = np.isfinite(a) & np.isfinite(e)
        max_abs = 0.0
        max_rel = 0.0
        max_ulp = 0
        for x, y in zip(a[fin], e[fin]):
            x, y = float(x), float(y)
            d = abs(x - y)
            max_abs = max(max_abs, d)
            if y != 0:
                max_rel = max(max_rel, d / abs(y))
            u = abs(ordered(x) - ordered(y))
            if u < 2 ** 53:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    assert float(np.ravel(nulp_diff(x, y))[0]) == u, (name, x, y)
            max_ulp = max(max_ulp, u)
        cases.append({"name": name, "actual": a, "expected": e, "rtol": float(rtol),
                      "atol": float(atol), "mismatches": mismatches,
                      "max_abs_diff": max_abs, "max_rel_diff": max_rel, "max_ulp": max_ulp})

    nan, inf = float("nan"), float("inf")
    add("identical_with_nan_inf", [1.0, nan, inf, -inf, -2.5], [1.0, nan, inf, -inf, -2.5], 1e-7, 0.0)
    x = np.array([1.0, 0.1, 1e10, -3.3, 1e-300, 123.456])
    add("one_ulp_up_strict", np.nextafter(x, inf), x, 0.0, 0.0)
    add("one_ulp_down_loose", np.nextafter(x, -inf), x, 1e-15, 0.0)
    add("negative_zero_vs_zero", [-0.0, 0.0, -0.0], [0.0, -0.0, -0.0], 0.0, 0.0)
    add("opposite_signs", [1.0, -2.0, 1e-300, 5e-324], [-1.0, 2.0, -1e-300, -5e-324], 1e-9, 0.0)
    add("subnormals", [5e-324, 1e-323, 0.0, 2.2250738585072014e-308], [1e-323, 5e-324, 5e-324, 2.225073858507201e-308], 0.0, 0.0)
    add("nan_vs_number_and_inf_signs", [nan, 1.0, inf, -inf, inf, 1e308], [1.0, nan, -inf, inf, 1e308, inf], 1e-5, 1e-8)
    add("nan_nan_equal", [nan, nan], [nan, nan], 0.0, 0.0)
    add("boundary_inclusive_rtol", [1.5, 1.0, 2.0, 1.0], [1.0, 1.5, 1.0, 2.0], 0.5, 0.0)
    add("atol_boundary", [0.25, 0.0, 1e-8, -1e-8], [0.0, 0.25, 0.0, 0.0], 0.0, 0.25)
    add("expected_zero_rel_excluded", [1e-9, 0.0, 3.0], [0.0, 0.0, 3.000003], 1e-6, 1e-9)
    add("all_nonfinite", [nan, inf, -inf], [inf, inf, nan], 0.0, 0.0)
    add("max_float_opposite_overflow", [1.7976931348623157e308, 1.0], [-1.7976931348623157e308, 1.0], 1e-7, 0.0)
    add("huge_values_relative", [1e300, -1e300 * (1 + 1e-12)], [1e300 * (1 + 2e-10), -1e300], 1e-9, 0.0)
    add("empty", [], [], 1e-7, 0.0)
    e = rng.standard_normal(200) * 10.0 ** rng.integers(-6, 7, 200)
    act = e * (1 + 1e-9 * rng.standard_normal(200))
    act[[3, 50, 120]] = [nan, inf, e[120] * 1.001]
    e[[50, 77]] = [inf, nan]
    add("random_200_rel_noise_1e-9", act, e, 1e-8, 1e-12)
    add("random_200_rel_noise_strict", act, e, 1e-10, 0.0)
    add("sklearn_default_tolerances", [1.00001, 1e-9, 100.0], [1.0, 0.0, 100.001], 1e-5, 1e-8)
    return cases


# ---------------------------------------------------------------- main

def main():
    _self_check_splitmix()
    sections = [
        ("ks_2samp", make_ks),
        ("chi2_contingency", make_chi2),
        ("chisquare_gof", make_chisquare),
        ("z_test", make_ztest),
        ("distances", make_distances),
        ("smoothing", make_smoothing),
        ("wasserstein", make_wasserstein),
        ("bin_edges", make_bin_edges),
        ("histogram", make_histogram),
        ("quantiles", make_quantiles),
        ("fairness", make_fairness),
        ("compare", make_compare),
    ]
    doc = {}
    built = {}
    for key, fn in sections:
        cases = fn()
        unique_names(cases, key)
        built[key] = cases
    doc["generated_by"] = {
        "script": "kernels/src/testdata/generate.py",
        "seed": SEED,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "fairlearn": fairlearn.__version__,
        "pandas": pd.__version__,
        "statsmodels": statsmodels.__version__ if statsmodels is not None else None,
        "warnings": [{"section": s, "name": n, "message": m}
                     for s, n, m in sorted(set(WARNINGS))],
    }
    doc.update(built)
    text = dumps(clean(doc)) + "\n"
    with open(OUT, "w") as f:
        f.write(text)
    for key, cases in built.items():
        print(f"{key}: {len(cases)} cases", file=sys.stderr)
    for s, n, m in sorted(set(WARNINGS)):
        print(f"WARNING {s}/{n}: {m}", file=sys.stderr)
    print(f"wrote {OUT} ({len(text)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
