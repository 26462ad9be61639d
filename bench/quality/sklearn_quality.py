#!/usr/bin/env python3
"""What the `performance` check computes in the benchmark's `report` suite,
with scikit-learn: ten binary metrics of both models, on all rows and on
each region and age band.

    python sklearn_quality.py report TABLE
    python sklearn_quality.py bootstrap TABLE RESAMPLES   # paired bootstrap of the ROC AUC difference
    python sklearn_quality.py delong TABLE                # MLstatkit's DeLong test
"""
import sys

import numpy as np
import pyarrow.parquet as pq
from sklearn import metrics as m

METRICS = {
    "accuracy": lambda y, s, p: m.accuracy_score(y, p),
    "balanced_accuracy": lambda y, s, p: m.balanced_accuracy_score(y, p),
    "precision": lambda y, s, p: m.precision_score(y, p, zero_division=0),
    "recall": lambda y, s, p: m.recall_score(y, p, zero_division=0),
    "f1": lambda y, s, p: m.f1_score(y, p, zero_division=0),
    "mcc": lambda y, s, p: m.matthews_corrcoef(y, p),
    "roc_auc": lambda y, s, p: m.roc_auc_score(y, s),
    "average_precision": lambda y, s, p: m.average_precision_score(y, s),
    "log_loss": lambda y, s, p: m.log_loss(y, s, labels=[0, 1]),
    "brier": lambda y, s, p: m.brier_score_loss(y, s),
}


def report(path: str) -> None:
    t = pq.read_table(path).to_pandas()
    slices = [("all", np.ones(len(t), bool))]
    for column in ["region", "age_band"]:
        for value in sorted(t[column].unique()):
            slices.append((f"{column}={value}", (t[column] == value).to_numpy()))
    out = {}
    for name, rows in slices:
        y = t["default"].to_numpy()[rows]
        for model in ["candidate", "champion"]:
            s = t[f"{model}_score"].to_numpy()[rows]
            p = (s >= 0.5).astype(np.int64)
            for metric, f in METRICS.items():
                out[(name, model, metric)] = f(y, s, p)
    print(len(out), "values; roc_auc[all]:", out[("all", "candidate", "roc_auc")])


def bootstrap(path: str, resamples: int) -> None:
    t = pq.read_table(path, columns=["default", "champion_score", "candidate_score"])
    y = t["default"].to_numpy()
    a = t["champion_score"].to_numpy()
    b = t["candidate_score"].to_numpy()
    rng = np.random.default_rng(7)
    n = len(y)
    diffs = []
    for _ in range(resamples):
        i = rng.integers(0, n, n)
        diffs.append(m.roc_auc_score(y[i], b[i]) - m.roc_auc_score(y[i], a[i]))
    print(resamples, "resamples; 95% CI", np.quantile(diffs, [0.025, 0.975]))


def delong(path: str) -> None:
    from MLstatkit import Delong_test

    t = pq.read_table(path, columns=["default", "champion_score", "candidate_score"])
    z, p, auc_a, auc_b = Delong_test(
        t["default"].to_numpy(), t["champion_score"].to_numpy(), t["candidate_score"].to_numpy(),
        return_ci=False, return_auc=True,
    )
    print("DeLong z", z, "p", p, "AUCs", auc_a, auc_b)


if __name__ == "__main__":
    {"report": lambda: report(sys.argv[2]),
     "bootstrap": lambda: bootstrap(sys.argv[2], int(sys.argv[3])),
     "delong": lambda: delong(sys.argv[2])}[sys.argv[1]]()
