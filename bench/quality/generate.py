#!/usr/bin/env python3
"""Demo-like holdout tables for the quality benchmark, deterministically.

    python generate.py --rows 1000000 --out data    # data/holdout-1000000.parquet

Columns: default (0/1), champion_score and candidate_score (float64, the
candidate's a little sharper), region (4 values) and age_band (3 values),
as in the credit-risk demo's holdout.
"""
import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, action="append", required=True)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    ap.add_argument("--seed", type=int, default=20261202)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for n in args.rows:
        rng = np.random.default_rng(args.seed + n)
        risk = rng.normal(0.0, 1.0, n)
        default = (rng.random(n) < 1 / (1 + np.exp(-(risk - 0.3)))).astype(np.int64)
        sigmoid = lambda x: 1 / (1 + np.exp(-x))
        table = pa.table({
            "default": default,
            "region": rng.choice(["north", "south", "east", "west"], n, p=[0.3, 0.3, 0.25, 0.15]),
            "age_band": rng.choice(["under_35", "35_to_55", "over_55"], n, p=[0.3, 0.4, 0.3]),
            "champion_score": sigmoid(risk + rng.normal(0, 0.9, n)).round(6),
            "candidate_score": sigmoid(risk + rng.normal(0, 0.8, n)).round(6),
        })
        pq.write_table(table, args.out / f"holdout-{n}.parquet", row_group_size=1 << 20)


if __name__ == "__main__":
    main()
