#!/usr/bin/env python3
"""The plain numpy/scipy drift baseline, end to end (imports counted).

    .venv/bin/python scipy_drift.py REFERENCE.parquet CURRENT.parquet [--alpha 0.05] [--json OUT.json]

Reads both files with pandas; per column shared by both files:
  numerical (numeric dtype, not bool): scipy.stats.ks_2samp(ref, cur) (two-sided, method="auto")
  otherwise (strings, bool, ...):      scipy.stats.chi2_contingency on the 2 x k table of category
                                       counts (reference row, current row; k = union of categories)
NaN / null (and +-inf for numbers) are dropped first. Prints the per-column p-values;
"drifted" is p < alpha.
"""

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402


def numeric_values(s: pd.Series) -> np.ndarray:
    x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    return x[np.isfinite(x)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference")
    ap.add_argument("current")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    ref = pd.read_parquet(args.reference)
    cur = pd.read_parquet(args.current)
    t_read = time.perf_counter() - t

    t = time.perf_counter()
    rows = []
    for col in [c for c in ref.columns if c in cur.columns]:
        r, c = ref[col], cur[col]
        numeric = all(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) for s in (r, c))
        if numeric:
            x, y = numeric_values(r), numeric_values(c)
            res = stats.ks_2samp(x, y)
            rows.append({"column": col, "test": "ks_2samp", "statistic": float(res.statistic),
                         "p_value": float(res.pvalue), "n_reference": len(x), "n_current": len(y)})
        else:
            rc, cc = r.dropna().value_counts(), c.dropna().value_counts()
            keys = rc.index.union(cc.index)
            table = np.vstack([rc.reindex(keys, fill_value=0).to_numpy(), cc.reindex(keys, fill_value=0).to_numpy()])
            res = stats.chi2_contingency(table)
            rows.append({"column": col, "test": "chi2_contingency", "statistic": float(res.statistic),
                         "p_value": float(res.pvalue), "dof": int(res.dof), "categories": len(keys),
                         "n_reference": int(rc.sum()), "n_current": int(cc.sum())})
        rows[-1]["drifted"] = rows[-1]["p_value"] < args.alpha
    t_tests = time.perf_counter() - t

    n_drifted = sum(r["drifted"] for r in rows)
    print(f"{'column':24s} {'test':16s} {'statistic':>14s} {'p_value':>12s} drifted(p<{args.alpha:g})")
    for r in rows:
        print(f"{r['column']:24s} {r['test']:16s} {r['statistic']:>14.6g} {r['p_value']:>12.4g} {r['drifted']}")
    total = time.perf_counter() - T0
    print(f"drifted {n_drifted}/{len(rows)}; timings read_parquet {t_read:.2f}s, tests {t_tests:.2f}s, "
          f"total (with imports) {total:.2f}s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"tool": "numpy-scipy", "alpha": args.alpha, "columns": rows,
                       "number_of_drifted_columns": n_drifted,
                       "timings_s": {"read_parquet": t_read, "tests": t_tests, "total": total}}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
