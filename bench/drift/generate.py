#!/usr/bin/env python3
"""Deterministic reference/current tables for the drift benchmark.

    python generate.py                      # data/{reference,current}-{100k,1m}.parquet
    python generate.py --rows 250000        # data/{reference,current}-250000.parquet
    python generate.py --rows 100000 --rows 1000000 --out data --seed 20240601

20 columns, the same names and types on both sides:
  12 numerical (float64 / int64, every one with > 20 distinct values),
   8 categorical strings (3 to 60 categories).
The current side drifts in 5 columns (DRIFTED below); the other 15 are drawn
from the same distribution on both sides, independently.
Written with pyarrow (snappy compression, the default), one row group per
1M rows at most.
"""

import argparse
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# name -> what changes in current (the benchmark's ground truth)
DRIFTED = {
    "num_normal_shift": "mean +0.25 sd",
    "num_normal_scale": "sd x1.5",
    "num_lognormal_shift": "log-mean +0.2",
    "cat_share_shift": "category shares change",
    "cat_new_category": "a new category 'k' takes ~8% of current",
}

NUMERICAL = [
    "num_normal", "num_normal_shift", "num_normal_scale", "num_normal_nulls",
    "num_lognormal", "num_lognormal_shift", "num_exponential", "num_uniform",
    "num_gamma", "num_count_poisson", "num_count_negbin", "num_int_wide",
]
CATEGORICAL = [
    "cat_3", "cat_4", "cat_share_shift", "cat_new_category",
    "cat_12_nulls", "cat_20", "cat_35", "cat_60",
]


def labels(prefix, k):
    return np.array([f"{prefix}{i:02d}" for i in range(k)], dtype=object)


def zipf_p(k, s=1.1):
    w = 1.0 / np.arange(1, k + 1) ** s
    return w / w.sum()


def categorical(rng, cats, p, n, null_share=0.0):
    idx = rng.choice(len(cats), size=n, p=p)
    values = cats[idx]
    mask = rng.random(n) < null_share if null_share else None
    return pa.array(values, type=pa.string(), mask=mask)


def make_table(n, side, seed):
    """side: 0 = reference, 1 = current."""
    cur = side == 1
    rng = np.random.default_rng([seed, side])
    cols = {}

    # --- numerical ---------------------------------------------------------
    cols["num_normal"] = rng.normal(10.0, 2.0, n)
    cols["num_normal_shift"] = rng.normal(50.0 + (0.25 * 5.0 if cur else 0.0), 5.0, n)
    cols["num_normal_scale"] = rng.normal(0.0, 1.5 if cur else 1.0, n)
    x = rng.normal(100.0, 15.0, n)
    cols["num_normal_nulls"] = pa.array(x, mask=rng.random(n) < 0.02)  # ~2% nulls
    cols["num_lognormal"] = rng.lognormal(3.0, 0.8, n)
    cols["num_lognormal_shift"] = rng.lognormal(1.0 + (0.2 if cur else 0.0), 0.5, n)
    cols["num_exponential"] = rng.exponential(4.0, n)
    cols["num_uniform"] = rng.uniform(-1.0, 1.0, n)
    cols["num_gamma"] = rng.gamma(2.0, 3.0, n)
    cols["num_count_poisson"] = rng.poisson(40.0, n).astype(np.int64)         # ~60+ distinct
    cols["num_count_negbin"] = rng.negative_binomial(3, 0.02, n).astype(np.int64)  # hundreds distinct
    cols["num_int_wide"] = rng.integers(0, 100_000, n, dtype=np.int64)

    # --- categorical -------------------------------------------------------
    cols["cat_3"] = categorical(rng, labels("c", 3), [0.5, 0.3, 0.2], n)
    cols["cat_4"] = categorical(rng, labels("d", 4), [0.25, 0.25, 0.25, 0.25], n)
    p_ref = np.array([0.40, 0.25, 0.15, 0.12, 0.08])
    p_cur = np.array([0.22, 0.25, 0.20, 0.13, 0.20])
    cols["cat_share_shift"] = categorical(rng, labels("s", 5), p_cur if cur else p_ref, n)
    base = zipf_p(10, 0.8)
    if cur:
        cats = np.concatenate([labels("k", 10), np.array(["k_new"], dtype=object)])
        p = np.concatenate([base * 0.92, [0.08]])
    else:
        cats, p = labels("k", 10), base
    cols["cat_new_category"] = categorical(rng, cats, p, n)
    cols["cat_12_nulls"] = categorical(rng, labels("m", 12), zipf_p(12, 0.5), n, null_share=0.01)
    cols["cat_20"] = categorical(rng, labels("t", 20), zipf_p(20, 1.0), n)
    cols["cat_35"] = categorical(rng, labels("u", 35), zipf_p(35, 0.7), n)
    cols["cat_60"] = categorical(rng, labels("v", 60), zipf_p(60, 1.1), n)

    order = NUMERICAL + CATEGORICAL
    assert sorted(order) == sorted(cols), "column list out of sync"
    arrays = [cols[c] if isinstance(cols[c], pa.Array) else pa.array(cols[c]) for c in order]
    return pa.table(arrays, names=order)


def sanity(table, n):
    for name in NUMERICAL:
        col = table[name]
        distinct = len(col.unique()) - (1 if col.null_count else 0)
        assert distinct > 20, f"{name}: only {distinct} distinct values"
    for name in CATEGORICAL:
        col = table[name]
        k = len(col.drop_null().unique())
        assert 3 <= k <= 61, f"{name}: {k} categories"
    assert table.num_rows == n


def size_label(n):
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append",
                    help="rows per side (repeatable); default: 100000 and 1000000")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args(argv)
    sizes = args.rows or [100_000, 1_000_000]
    os.makedirs(args.out, exist_ok=True)
    for n in sizes:
        if n <= 0:
            sys.exit("--rows must be positive")
        for side, name in ((0, "reference"), (1, "current")):
            table = make_table(n, side, args.seed)
            sanity(table, n)
            path = os.path.join(args.out, f"{name}-{size_label(n)}.parquet")
            tmp = path + ".tmp"
            pq.write_table(table, tmp, row_group_size=1_000_000)  # snappy by default
            os.replace(tmp, path)
            print(f"wrote {path} ({n} rows, {table.num_columns} columns, {os.path.getsize(path) / 2**20:.1f} MiB)")
    print("drifted columns:", ", ".join(f"{k} ({v})" for k, v in DRIFTED.items()))


if __name__ == "__main__":
    main()
