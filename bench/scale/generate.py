#!/usr/bin/env python3
"""Reference/current tables of any size for the scale benchmark, written a
row group at a time so the generator itself stays small in memory.

    python generate.py --rows 100000000 --out data     # data/{reference,current}-100m.parquet

The columns are the drift benchmark's (bench/drift/generate.py: 12
numerical, 8 categorical, 5 of them drifted). Row group k (1M rows) is
that generator's table drawn with seed + k, so the first million rows of
every size are bench/drift's 1M table.
"""

import argparse
import os
import sys

import pyarrow.parquet as pq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drift"))
from generate import make_table, size_label  # noqa: E402

GROUP = 1_000_000


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, action="append", required=True, help="rows per side (repeatable)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for n in args.rows:
        if n <= 0:
            sys.exit("--rows must be positive")
        for side, name in ((0, "reference"), (1, "current")):
            path = os.path.join(args.out, f"{name}-{size_label(n)}.parquet")
            if os.path.exists(path) and pq.ParquetFile(path).metadata.num_rows == n:
                continue
            writer = None
            for k, start in enumerate(range(0, n, GROUP)):
                table = make_table(min(GROUP, n - start), side, args.seed + k)
                if writer is None:
                    writer = pq.ParquetWriter(path + ".tmp", table.schema)
                writer.write_table(table, row_group_size=GROUP)
            writer.close()
            os.replace(path + ".tmp", path)
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
