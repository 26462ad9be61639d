#!/usr/bin/env python3
"""Evidently's default DataDriftPreset on two parquet files, end to end.

    .venv/bin/python evidently_drift.py REFERENCE.parquet CURRENT.parquet [--json OUT.json]

Everything counts: imports, pandas.read_parquet of both files, the report
(`Report([DataDriftPreset()]).run(current, reference)`), and the export.
`include_tests=True` only adds Evidently's own pass/fail verdict per column
(the "Value Drift for column X" test) and the dataset-level test; the drift
computation is identical with or without it.

Per column it prints and writes: column, Evidently's column type, stat test
(registry name and display name), threshold, drift score, drifted; plus the
number and share of drifted columns and the dataset verdict.
"""

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import evidently  # noqa: E402
from evidently import Report  # noqa: E402
from evidently.legacy.calculations.stattests.registry import _registered_stat_tests  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

T_IMPORT = time.perf_counter()

# display name (what the 0.7 report records) -> registry name ("ks", "wasserstein", ...)
DISPLAY_TO_NAME = {
    st.display_name: name for name, by_type in _registered_stat_tests.items() for st in by_type.values()
}
P_VALUE_TESTS = {"ks", "chisquare", "z", "t_test", "mannw", "anderson", "cramer_von_mises", "epps_singleton",
                 "fisher_exact", "g_test", "TVD", "es", "empirical_mmd", "ed"}


def _num(x):
    x = float(x)
    return None if math.isnan(x) else x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference")
    ap.add_argument("current")
    ap.add_argument("--json", metavar="OUT", help="write per-column results as JSON ('-' for stdout)")
    ap.add_argument("--quiet", action="store_true", help="no table on stdout")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")

    t = time.perf_counter()
    reference = pd.read_parquet(args.reference)
    current = pd.read_parquet(args.current)
    t_read = time.perf_counter() - t

    t = time.perf_counter()
    preset = DataDriftPreset()
    snapshot = Report([preset], include_tests=True).run(current, reference)
    t_report = time.perf_counter() - t

    t = time.perf_counter()
    d = snapshot.dict()
    definition = snapshot.context.data_definition  # inferred from the *current* frame
    columns, verdict, share = {}, {}, None
    for m in d["metrics"]:
        cfg = m["config"]
        if cfg["type"].endswith(":ValueDrift"):
            col = cfg["column"]
            display = cfg["method"]
            name = DISPLAY_TO_NAME.get(display, display)
            columns[col] = {
                "column": col,
                "type": definition.get_column_type(col).value,
                "stattest": name,
                "stattest_display": display,
                "score_kind": "p_value" if name in P_VALUE_TESTS else "distance",
                "threshold": cfg["threshold"],
                "drift_score": _num(m["value"]),
            }
        elif cfg["type"].endswith(":DriftedColumnsCount"):
            share = {"count": int(m["value"]["count"]), "share": float(m["value"]["share"])}
    for test in d["tests"]:
        params = test["metric_config"]["params"]
        if test["id"] == "drift" and params["type"].endswith(":ValueDrift"):
            verdict[params["column"]] = str(test["status"]).split(".")[-1].upper().endswith("FAIL")
        elif params["type"].endswith(":DriftedColumnsCount"):
            share["test_status"] = str(getattr(test["status"], "value", test["status"]))
    for col, row in columns.items():
        row["drifted"] = verdict.get(col)
        # rows that entered the test (Evidently drops NaN and +-inf first); not reported by Evidently itself
        for side, frame in (("n_reference", reference), ("n_current", current)):
            s = frame[col]
            row[side] = int(np.isfinite(s).sum()) if pd.api.types.is_numeric_dtype(s) and s.dtype != bool \
                else int(s.notna().sum())
    t_export = time.perf_counter() - t

    n_drifted = sum(1 for r in columns.values() if r["drifted"])
    out = {
        "tool": "evidently",
        "evidently_version": evidently.__version__,
        "pandas_version": pd.__version__,
        "reference": args.reference,
        "current": args.current,
        "rows": {"reference": len(reference), "current": len(current)},
        "drift_share": preset.drift_share,
        "number_of_columns": len(columns),
        "number_of_drifted_columns": n_drifted,
        "share_of_drifted_columns": n_drifted / len(columns) if columns else 0.0,
        # Evidently's own dataset-level numbers (a second, legacy code path; see EVIDENTLY.md)
        "drifted_columns_count_metric": share,
        "dataset_drift": bool(share and share["share"] >= preset.drift_share),
        "columns": list(columns.values()),
        "timings_s": {
            "import": T_IMPORT - T0,
            "read_parquet": t_read,
            "report": t_report,
            "export": t_export,
            "total": time.perf_counter() - T0,
        },
    }
    if not args.quiet:
        stream = sys.stderr if args.json == "-" else sys.stdout
        print(f"{'column':24s} {'type':4s} {'stattest':14s} {'threshold':>9s} {'drift_score':>14s} drifted", file=stream)
        for r in out["columns"]:
            score = "nan" if r["drift_score"] is None else f"{r['drift_score']:.6g}"
            print(f"{r['column']:24s} {r['type']:4s} {r['stattest']:14s} {r['threshold']:>9g} {score:>14s} {r['drifted']}", file=stream)
        print(f"drifted {n_drifted}/{len(columns)} = {out['share_of_drifted_columns']:.3f} "
              f"(dataset drift if >= {preset.drift_share}: {out['dataset_drift']}); "
              f"timings {', '.join(f'{k} {v:.2f}s' for k, v in out['timings_s'].items())}",
              file=stream)
    if args.json:
        text = json.dumps(out, indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            with open(args.json, "w") as f:
                f.write(text)


if __name__ == "__main__":
    main()
