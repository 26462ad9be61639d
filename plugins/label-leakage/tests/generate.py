"""Writes the label-leakage test table and the reference values the tests
compare the plugin's figures to, computed with scikit-learn.

    python3 plugins/label-leakage/tests/generate.py

`leak` is the label plus noise (leaks), `income` is independent of it,
`status` is the label as a category (leaks), `region` is independent.
"""

import csv
import json
import pathlib

import numpy as np
from sklearn.metrics import roc_auc_score

HERE = pathlib.Path(__file__).resolve().parent
rng = np.random.default_rng(20261203)
n = 2000
y = (rng.random(n) < 0.3).astype(int)
leak = y * 2 + rng.random(n)
income = rng.normal(50_000, 12_000, n).round(2)
status = np.where(y == 1, "closed", "open")
region = rng.choice(["north", "south", "east", "west"], n)

with open(HERE / "leaky.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["default", "leak", "income", "status", "region"])
    for row in zip(y, leak.round(6), income, status, region):
        w.writerow(row)


def strength(score):
    auc = roc_auc_score(y, score)
    return max(auc, 1 - auc)


def lift(category):
    """Share of the base error removed by predicting each category's
    majority class."""
    base = min(y.sum(), n - y.sum()) / n
    error = 0
    for value in np.unique(category):
        members = y[category == value]
        error += min(members.sum(), len(members) - members.sum())
    return 1 - (error / n) / base


leak_column = np.loadtxt(HERE / "leaky.csv", delimiter=",", skiprows=1, usecols=1)
income_column = np.loadtxt(HERE / "leaky.csv", delimiter=",", skiprows=1, usecols=2)
expected = {
    "leak": strength(leak_column),
    "income": strength(income_column),
    "status": lift(status),
    "region": lift(region),
}
(HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
