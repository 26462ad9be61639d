"""Empirical checks of the rules documented in EVIDENTLY.md.

Run in the bench venv:  .venv/bin/python verify_evidently.py
Each claim is checked against Evidently itself (Report + DataDriftPreset, or
the legacy stat-test objects it calls) and against an independent numpy/scipy
re-implementation. Prints one line per claim and exits non-zero on a mismatch.
"""

import math
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from evidently import Dataset, Report
from evidently.core.datasets import infer_column_type
from evidently.legacy.calculations import stattests as st
from evidently.legacy.calculations.stattests.registry import get_stattest
from evidently.legacy.core import ColumnType
from evidently.presets import DataDriftPreset

warnings.filterwarnings("ignore")
FAILED = []


def check(name, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + name + (f"  [{detail}]" if detail else ""))
    if not ok:
        FAILED.append(name)


def close(a, b, rel=1e-9, abs_=1e-12):
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def preset(cur, ref, **kw):
    """Per column: (method display name, threshold, score, drifted); plus (count, share, dataset test status)."""
    snap = Report([DataDriftPreset(**kw)], include_tests=True).run(cur, ref)
    d = snap.dict()
    cols, share = {}, None
    for m in d["metrics"]:
        cfg = m["config"]
        if cfg["type"].endswith("ValueDrift"):
            cols[cfg["column"]] = [cfg["method"], cfg["threshold"], m["value"], None]
        elif cfg["type"].endswith("DriftedColumnsCount"):
            share = [m["value"]["count"], m["value"]["share"], None]
    for t in d["tests"]:
        if t["id"] == "drift":
            cols[t["metric_config"]["params"]["column"]][3] = t["status"] == "FAIL"
        elif t["id"] == "lt":
            share[2] = t["status"]
    return cols, share


rng = np.random.default_rng(42)

# ---------------------------------------------------------------- 1. column types
print("== column type inference (infer_column_type, on the CURRENT frame only)")
cases = {
    "float64, 2 distinct": (pd.Series([0.0, 1.0] * 50), ColumnType.Numerical),
    "int64, 10 distinct": (pd.Series(np.arange(100) % 10), ColumnType.Categorical),
    "int64, 11 distinct": (pd.Series(np.arange(110) % 11), ColumnType.Numerical),
    "int32, 11 distinct": (pd.Series((np.arange(110) % 11).astype("int32")), ColumnType.Numerical),
    "uint8, 50 distinct": (pd.Series((np.arange(100) % 50).astype("uint8")), ColumnType.Unknown),
    "Int64 (nullable), 50 distinct": (pd.Series(np.arange(100) % 50, dtype="Int64"), ColumnType.Unknown),
    "bool": (pd.Series([True, False] * 50), ColumnType.Categorical),
    "object str, 3 distinct": (pd.Series(list("abc") * 40), ColumnType.Categorical),
    "object str, nunique == 0.5*count": (pd.Series([f"v{i}" for i in range(50)] * 2), ColumnType.Categorical),
    "object str, nunique > 0.5*count": (pd.Series([f"v{i}" for i in range(51)] + ["v0"] * 49), ColumnType.Text),
    "category dtype": (pd.Series(list("ab") * 50, dtype="category"), ColumnType.Categorical),
    "string[python] dtype": (pd.Series(list("ab") * 50, dtype="string"), ColumnType.Categorical),
}
for name, (s, want) in cases.items():
    got = infer_column_type(s)
    check(f"type {name} -> {want.value}", got == want, f"got {got.value}")

# Which side decides: the current frame (Report.run(current, reference)).
ref = pd.DataFrame({"x": rng.integers(0, 50, 500)})
cur = pd.DataFrame({"x": rng.integers(0, 5, 500)})
cols, _ = preset(cur, ref)
check("int column typed from CURRENT (5 distinct in current, 50 in reference -> categorical test)",
      cols["x"][0] in ("chi-square p_value", "Z-test p_value"), cols["x"][0])
cols, _ = preset(ref, cur)
check("... and swapped (50 distinct in current) -> numerical test", cols["x"][0] == "K-S p_value", cols["x"][0])
# Unknown-typed columns are silently skipped by the preset
cols, _ = preset(pd.DataFrame({"u": pd.Series(np.arange(100) % 50, dtype="Int64"), "f": rng.normal(size=100)}),
                 pd.DataFrame({"u": pd.Series(np.arange(100) % 50, dtype="Int64"), "f": rng.normal(size=100)}))
check("nullable Int64 column is skipped (no ValueDrift)", set(cols) == {"f"}, str(sorted(cols)))

# ---------------------------------------------------------------- 2. default test selection
print("== default stat test selection (registry._get_default_stattest)")


def default_name(ref, cur, t):
    return get_stattest(ref, cur, t, None).name


def num(n, k=None):
    return pd.Series(rng.normal(size=n)) if k is None else pd.Series(rng.integers(0, k, n).astype(float))


sel = [
    ("num ref=1000 (<=1000), 6 distinct", num(1000, 6), num(1000, 6), ColumnType.Numerical, "ks"),
    ("num ref=1000, 5 distinct", num(1000, 5), num(1000, 5), ColumnType.Numerical, "chisquare"),
    ("num ref=1000, 3 distinct", num(1000, 3), num(1000, 3), ColumnType.Numerical, "chisquare"),
    ("num ref=1000, 2 distinct", num(1000, 2), num(1000, 2), ColumnType.Numerical, "z"),
    ("num ref=1001 (>1000), 6 distinct", num(1001, 6), num(10, 6), ColumnType.Numerical, "wasserstein"),
    ("num ref=1001, 5 distinct", num(1001, 5), num(10, 5), ColumnType.Numerical, "jensenshannon"),
    ("cat ref=1000, 3 distinct", pd.Series(list("abc") * 333 + ["a"]), pd.Series(list("ab") * 5), ColumnType.Categorical, "chisquare"),
    ("cat ref=1000, 2 distinct", pd.Series(list("ab") * 500), pd.Series(list("ab") * 5), ColumnType.Categorical, "z"),
    ("cat ref=1001, 2 distinct", pd.Series(list("ab") * 500 + ["a"]), pd.Series(list("ab") * 5), ColumnType.Categorical, "jensenshannon"),
    ("cat ref=1000, 2 distinct in ref + 1 NEW in current -> 3 (union counts)", pd.Series(list("ab") * 500), pd.Series(list("abc") * 5), ColumnType.Categorical, "chisquare"),
    ("num: ref size is the CURRENT-independent ref length (ref=10, cur=10^5)", num(10), num(100000), ColumnType.Numerical, "ks"),
    ("num: ref 5 distinct, cur 6 distinct -> union 6", num(500, 5), pd.Series([0.0, 1, 2, 3, 4, 99]), ColumnType.Numerical, "ks"),
]
for name, r, c, t, want in sel:
    got = default_name(r, c, t)
    check(f"{name} -> {want}", got == want, got)

# ref size counted AFTER dropping NaN/inf: 1005 rows with 10 NaN -> 995 -> ks
r = pd.concat([num(995), pd.Series([np.nan] * 5 + [np.inf] * 3 + [-np.inf] * 2)], ignore_index=True)
c = num(500)
cols, _ = preset(pd.DataFrame({"a": c}), pd.DataFrame({"a": r}))
check("reference size is counted after NaN/±inf removal (1005 raw, 995 clean -> K-S)", cols["a"][0] == "K-S p_value", cols["a"][0])
check("... and KS score equals ks_2samp on the cleaned reference", close(cols["a"][2], stats.ks_2samp(r[np.isfinite(r)], c)[1]))

# ---------------------------------------------------------------- 3. formulas
print("== formulas (independent re-implementations)")
r, c = num(800), pd.Series(rng.normal(0.1, 1, 700))
check("ks = scipy.stats.ks_2samp(ref, cur)[1] (two-sided, method=auto)",
      close(st.ks_stat_test(r, c, ColumnType.Numerical, None).drift_score, stats.ks_2samp(r, c)[1]))

r = pd.Series(rng.choice(list("abcd"), 900, p=[.4, .3, .2, .1]))
c = pd.Series(rng.choice(list("abcde"), 700, p=[.35, .3, .2, .1, .05]))
keys = sorted(set(r) | set(c))
rc, cc = r.value_counts(), c.value_counts()
f_exp = [rc.get(k, 0) * len(c) / len(r) for k in keys]
f_obs = [cc.get(k, 0) for k in keys]
chi_p = stats.chisquare(f_obs, f_exp)[1]
got = st.chi_stat_test(r, c, ColumnType.Categorical, None).drift_score
check("chisquare = scipy.stats.chisquare(f_obs=cur counts, f_exp=ref counts*n_cur/n_ref)[1]", close(got, chi_p), f"{got} vs {chi_p}")
# A new category in current has f_exp=0 -> chisquare gives p=0 (inf statistic), no smoothing
check("... a category absent from reference -> f_exp 0 -> p = 0", got == 0.0, str(got))
r2 = pd.Series(rng.choice(list("abcd"), 900, p=[.4, .3, .2, .1]))
c2 = pd.Series(rng.choice(list("abcd"), 700, p=[.38, .3, .2, .12]))
k2 = sorted(set(r2) | set(c2))
e2 = [r2.value_counts().get(k, 0) * len(c2) / len(r2) for k in k2]
o2 = [c2.value_counts().get(k, 0) for k in k2]
check("chisquare (no new category) matches", close(st.chi_stat_test(r2, c2, ColumnType.Categorical, None).drift_score, stats.chisquare(o2, e2)[1]))
check("chisquare != chi2_contingency (evidently uses a goodness-of-fit test, not contingency)",
      not close(stats.chisquare(o2, e2)[1], stats.chi2_contingency(np.array([[r2.value_counts().get(k, 0) for k in k2], o2]))[1], rel=1e-6))


def ztest(ref, cur):
    keys = sorted(set(ref.dropna()) | set(cur.dropna()))
    x1 = (ref != keys[0]).astype(int)
    x2 = (cur != keys[0]).astype(int)
    n1, n2 = len(x1), len(x2)
    p1, p2 = x1.sum() / n1, x2.sum() / n2
    P = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
    return 2 * (1 - stats.norm.cdf(abs(z)))


r = pd.Series(rng.choice(["no", "yes"], 900, p=[.7, .3]))
c = pd.Series(rng.choice(["no", "yes"], 600, p=[.64, .36]))
check("z = two-proportion pooled z-test, 'success' = value != smallest sorted key, p = 2*(1-Phi(|z|))",
      close(st.z_stat_test(r, c, ColumnType.Categorical, None).drift_score, ztest(r, c)))
rb, cb = pd.Series(rng.random(900) < .3), pd.Series(rng.random(600) < .36)
check("z on bool (success = True)", close(st.z_stat_test(rb, cb, ColumnType.Categorical, None).drift_score, ztest(rb, cb)))
check("z: both sides one identical value -> p = 1",
      st.z_stat_test(pd.Series(["a"] * 5), pd.Series(["a"] * 7), ColumnType.Categorical, None).drift_score == 1)
big = st.z_stat_test(pd.Series([0] * 900 + [1] * 100), pd.Series([0] * 100 + [1] * 900), ColumnType.Categorical, None).drift_score
check("z: p-value floors at exactly 0.0 (1-cdf, not sf) for |z| > ~8.3", big == 0.0, str(big))

r, c = pd.Series(rng.lognormal(0, 1, 5000)), pd.Series(rng.lognormal(0.05, 1, 4000))
wd = stats.wasserstein_distance(r, c) / max(float(np.std(r, ddof=0)), 0.001)
check("wasserstein = scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref, ddof=0), 0.001)",
      close(st.wasserstein_stat_test(r, c, ColumnType.Numerical, None).drift_score, wd))
rc0, cc0 = pd.Series([5.0] * 2000), pd.Series([5.0] * 1000 + [5.01] * 1000)
check("wasserstein std floor 0.001 (constant reference)",
      close(st.wasserstein_stat_test(rc0, cc0, ColumnType.Numerical, None).drift_score, 0.005 / 0.001))
check("wasserstein uses ddof=0 (not pandas' ddof=1)",
      not close(stats.wasserstein_distance(r, c) / r.std(), wd, rel=1e-6) and close(
          st.wasserstein_stat_test(r, c, ColumnType.Numerical, None).drift_score, wd))


def binned(ref, cur, numerical, fill):
    if numerical and ref.nunique() > 20:
        comb = np.asarray(pd.concat([ref, cur]).values)
        edges = np.histogram_bin_edges(comb, bins="sturges")
        rp = np.histogram(ref, edges)[0] / len(ref)
        cp = np.histogram(cur, edges)[0] / len(cur)
    else:
        keys = sorted(set(ref.dropna()) | set(cur.dropna()), key=str)
        rp = np.array([(ref == k).sum() / len(ref) for k in keys])
        cp = np.array([(cur == k).sum() / len(cur) for k in keys])
    if fill:
        for p in (rp, cp):
            m = p[p != 0].min()
            p[p == 0] = m / 1e6 if m <= 1e-4 else 1e-4
    return rp, cp


r, c = pd.Series(rng.normal(size=3000)), pd.Series(rng.normal(0.2, 1.3, 2000))
rp, cp = binned(r, c, True, False)
check("sturges on combined: bins = ceil(log2(n_ref+n_cur)+1) = 14 for n=5000", len(rp) == math.ceil(math.log2(5000) + 1), str(len(rp)))
js = distance.jensenshannon(rp, cp)  # natural log; scipy normalises p, q to sum 1
check("jensenshannon (numeric, ref nunique>20) = scipy jensenshannon(sturges-binned shares, base=e), no zero fill",
      close(st.jensenshannon_stat_test(r, c, ColumnType.Numerical, None).drift_score, js))
r, c = pd.Series(rng.choice(list("abcdef"), 3000)), pd.Series(rng.choice(list("abcdefg"), 2000))
rp, cp = binned(r, c, False, False)
check("jensenshannon (categorical) = scipy jensenshannon(category shares incl. 0 for unseen)",
      close(st.jensenshannon_stat_test(r, c, ColumnType.Categorical, None).drift_score, distance.jensenshannon(rp, cp)))
rn = pd.Series(rng.integers(0, 20, 3000).astype(float))
cn = pd.Series(rng.integers(0, 25, 2000).astype(float))
rp, cp = binned(rn, cn, False, False)  # ref has 20 distinct -> per-value, not histogram
check("binning: numeric with ref nunique <= 20 is per distinct value (union of both sides)",
      close(st.jensenshannon_stat_test(rn, cn, ColumnType.Numerical, None).drift_score, distance.jensenshannon(rp, cp)))
ri, ci = pd.Series(rng.integers(0, 10, 3000) * 0 + rng.integers(0, 12, 3000)), pd.Series(rng.integers(0, 12, 2000))
ri = pd.Series(np.concatenate([rng.integers(0, 12, 2970), np.arange(12, 42)]))  # 42 distinct ints in ref
edges = np.histogram_bin_edges(np.concatenate([ri, ci]), bins="sturges")
check("sturges on int64 arrays: width floored to 1 -> bins = min(ceil(log2 n + 1), range)",
      len(edges) - 1 == 14, f"{len(edges) - 1} bins for range {ri.max() - min(ri.min(), ci.min())}")

r, c = pd.Series(rng.normal(size=3000)), pd.Series(rng.normal(0.3, 1, 2000))
rp, cp = binned(r, c, True, True)
psi = np.sum((rp - cp) * np.log(rp / cp))
check("psi = sum((r-c)*ln(r/c)) on binned shares with zero fill",
      close(st.psi_stat_test(r, c, ColumnType.Numerical, None).drift_score, psi))
check("kl_div = scipy.stats.entropy(r, c) (KL(ref||cur), ln, renormalised) with zero fill",
      close(st.kl_div_stat_test(r, c, ColumnType.Numerical, None).drift_score, stats.entropy(rp, cp)))
r, c = pd.Series(rng.choice(list("abc"), 3000)), pd.Series(rng.choice(list("abcd"), 20000, p=[.33, .33, .33, .01]))
rp, cp = binned(r, c, False, True)
check("zero fill: share 0 -> 1e-4 when min nonzero share > 1e-4",
      close(st.psi_stat_test(r, c, ColumnType.Categorical, None).drift_score, np.sum((rp - cp) * np.log(rp / cp))) and 1e-4 in rp)
r = pd.Series(["a"] * 19999 + ["b"] * 1)  # min nonzero share 5e-5 <= 1e-4 -> fill = 5e-5/1e6
c = pd.Series(list("abc") * 100)
rp, cp = binned(r, c, False, True)
check("zero fill: share 0 -> min_nonzero/1e6 when min nonzero share <= 1e-4",
      close(st.psi_stat_test(r, c, ColumnType.Categorical, None).drift_score, np.sum((rp - cp) * np.log(rp / cp)))
      and close(rp[2], 5e-5 / 1e6), str(rp))


def hellinger(ref, cur, categorical):
    ref, cur = ref.dropna(), cur.dropna()
    if categorical:
        pr, pc = ref.value_counts(normalize=True), cur.value_counts(normalize=True)
        bc = sum(math.sqrt(pr.get(k, 0) * pc.get(k, 0)) for k in set(ref) | set(cur))
    else:
        keys = np.array(sorted(set(ref.unique()) | set(cur.unique())))
        edges = np.histogram_bin_edges(keys, bins="sturges")  # sturges over DISTINCT values, not rows
        h1 = np.histogram(ref.to_numpy(), edges, density=True)[0]
        h2 = np.histogram(cur.to_numpy(), edges, density=True)[0]
        w = (edges.max() - edges.min()) / (len(edges) - 1)
        bc = float(np.sum(np.sqrt(h1 * h2)) * w)
    return math.sqrt(1 - min(max(bc, 0), 1))


r, c = pd.Series(rng.normal(size=3000)), pd.Series(rng.normal(0.3, 1, 2000))
check("hellinger numeric = sqrt(1 - sum sqrt(h1*h2)*width), density hist on sturges(DISTINCT values)",
      close(st.hellinger_stat_test(r.copy(), c.copy(), ColumnType.Numerical, None).drift_score, hellinger(r, c, False)))
r, c = pd.Series(rng.choice(list("abc"), 3000)), pd.Series(rng.choice(list("abcd"), 2000))
check("hellinger categorical = sqrt(1 - sum sqrt(p_ref*p_cur))",
      close(st.hellinger_stat_test(r.copy(), c.copy(), ColumnType.Categorical, None).drift_score, hellinger(r, c, True)))

# ---------------------------------------------------------------- 4. comparison directions at the boundary
print("== threshold comparisons (threshold set exactly to the score)")
r, c = num(800), pd.Series(rng.normal(0.1, 1, 700))
rc_, cc_ = pd.Series(rng.choice(list("abc"), 800)), pd.Series(rng.choice(list("abc"), 700))
rb_, cb_ = pd.Series(rng.choice(list("ab"), 800)), pd.Series(rng.choice(list("ab"), 700))
for test, a, b, t, want in [
    (st.ks_stat_test, r, c, ColumnType.Numerical, True),               # p <= t
    (st.chi_stat_test, rc_, cc_, ColumnType.Categorical, False),       # p <  t
    (st.z_stat_test, rb_, cb_, ColumnType.Categorical, False),         # p <  t
    (st.wasserstein_stat_test, r, c, ColumnType.Numerical, True),      # d >= t
    (st.jensenshannon_stat_test, r, c, ColumnType.Numerical, True),    # d >= t
    (st.psi_stat_test, r, c, ColumnType.Numerical, True),
    (st.kl_div_stat_test, r, c, ColumnType.Numerical, True),
    (st.hellinger_stat_test, r.copy(), c.copy(), ColumnType.Numerical, True),
]:
    s = test(a, b, t, None).drift_score
    res = test(a, b, t, s)
    check(f"{test.name}: drifted when score == threshold is {want} (default threshold {test.default_threshold})",
          bool(res.drifted) == want)

# ---------------------------------------------------------------- 5. the preset end to end, dataset share
print("== DataDriftPreset end to end")
n = 5000
ref = pd.DataFrame({
    "f_ok": rng.normal(size=n), "f_shift": rng.normal(size=n), "i_many": rng.integers(0, 1000, n),
    "c_ok": rng.choice(list("abcde"), n), "c_shift": rng.choice(list("abcde"), n), "b": rng.random(n) < .3,
})
cur = pd.DataFrame({
    "f_ok": rng.normal(size=n), "f_shift": rng.normal(0.5, 1, n), "i_many": rng.integers(0, 1000, n),
    "c_ok": rng.choice(list("abcde"), n), "c_shift": rng.choice(list("abcdef"), n), "b": rng.random(n) < .3,
})
cur.loc[::50, "f_ok"] = np.nan
cols, share = preset(cur, ref)
for k, (meth, thr, score, drifted) in cols.items():
    print(f"      {k:8s} {meth:32s} thr={thr} score={score:.6g} drifted={drifted}")
check("ref>1000: numeric -> Wasserstein (thr 0.1), categorical/bool -> Jensen-Shannon (thr 0.1)",
      cols["f_ok"][:2] == ["Wasserstein distance (normed)", 0.1] and cols["c_ok"][:2] == ["Jensen-Shannon distance", 0.1]
      and cols["b"][0] == "Jensen-Shannon distance")
f = cur["f_ok"].dropna()
check("NaN rows dropped from current before the test",
      close(cols["f_ok"][2], stats.wasserstein_distance(ref["f_ok"], f) / np.std(ref["f_ok"])))
check("per-column drifted flag == score >= threshold for distances",
      all(v[3] == (v[2] >= v[1]) for v in cols.values()))
check("dataset share = drifted / number of columns tested", close(share[1], sum(v[3] for v in cols.values()) / len(cols)), str(share))

# share exactly 0.5 -> DriftedColumnsCount test `lt(0.5)` FAILS (dataset drift when share >= drift_share)
ref2 = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
cur2 = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(1, 1, 3000)})
cols2, share2 = preset(cur2, ref2)
check("share == drift_share (1 of 2 = 0.5) -> dataset drift (test 'Less 0.5' FAILS): rule is share >= drift_share",
      share2[1] == 0.5 and share2[2] == "FAIL", str(share2))
from evidently.legacy.calculations.data_drift import get_dataset_drift  # noqa: E402


class _D:
    def __init__(self, d):
        self.drift_detected = d


check("legacy get_dataset_drift: 1/2 drifted with drift_share=0.5 -> dataset_drift True",
      get_dataset_drift({"a": _D(True), "b": _D(False)}, 0.5).dataset_drift is True)

# inf handling differs between the two code paths the preset runs
ref3 = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
cur3 = pd.DataFrame({"a": rng.normal(1, 1, 3000), "b": rng.normal(size=3000)})  # "a" drifted
cur3.loc[:5, "a"] = np.inf  # inf but no NaN in the column
cols3, share3 = preset(cur3, ref3)
fin = cur3["a"][np.isfinite(cur3["a"])]
check("ValueDrift drops ±inf (replace(inf, nan).dropna()) even when the column has no NaN",
      close(cols3["a"][2], stats.wasserstein_distance(ref3["a"], fin) / np.std(ref3["a"])), str(cols3["a"]))
check("... but the dataset-share path (legacy DatasetDriftMetric) only cleans columns that contain NaN: "
      "with inf and no NaN, wasserstein_distance -> nan -> 'not drifted', so the share disagrees with the columns",
      cols3["a"][3] is True and share3[0] == 0, f"ValueDrift flags {[v[3] for v in cols3.values()]}, share {share3}")

print()
if FAILED:
    print(f"{len(FAILED)} claim(s) FAILED:", *FAILED, sep="\n  ")
    sys.exit(1)
print("all claims verified")
