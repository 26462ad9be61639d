"""label-leakage: no feature predicts the label almost perfectly.

A feature that separates the classes on the holdout nearly perfectly is
usually the label leaking in (a post-outcome field, an ID sorted by
outcome, a join that carried the target along), not a miracle. For each
numeric feature this measures the ROC AUC of the feature itself as a
score, in the host (no column is copied into the plugin), and fails a
feature whose AUC, or 1 − AUC, reaches `max_auc`. Categorical features
are judged by how well their categories alone predict the label (the
accuracy of each category's majority class) against the base rate.
"""

from dataclasses import dataclass, field
from typing import List

import mltest_sdk as mt


@dataclass
class Params:
    """A holdout table with a binary label."""

    table: mt.ArtifactName = field(metadata={"doc": "the holdout table"})
    label: str = field(metadata={"doc": "the binary label column"})
    positive: str = field(default="1", metadata={"doc": "the label's positive value"})
    exclude: List[str] = field(
        default_factory=list,
        metadata={"doc": "columns that are not features (scores, IDs)"},
    )
    max_auc: float = field(
        default=0.95, metadata={"doc": "a numeric feature this predictive is leakage"}
    )
    max_lift: float = field(
        default=0.9,
        metadata={
            "doc": "a categorical feature whose categories remove this share of the base error is leakage"
        },
    )
    max_categories: int = field(
        default=50, metadata={"doc": "text columns with more categories are skipped"}
    )


def numeric(p, data, name):
    try:
        auc = mt.quality.binary(data, p.label, name, ["roc_auc"], p.positive)["roc_auc"]
    except (mt.DataError, mt.Unsupported) as e:
        return mt.Finding.skipped(f"leakage[{name}]", f"not measured: {e.message}")
    strength = max(auc, 1.0 - auc)
    return mt.Finding.check(
        f"leakage[{name}]",
        strength < p.max_auc,
        f"alone it ranks the label with AUC {strength:.4f}"
        + (" (inverted)" if auc < 0.5 else ""),
        observed=strength,
        threshold=p.max_auc,
        properties={"column": name, "method": "auc"},
    ).param("/max_auc")


def categorical(p, data, name, rows):
    counts = data.column(name).value_counts(1)
    if counts.distinct > p.max_categories:
        return mt.Finding.skipped(
            f"leakage[{name}]",
            f"{counts.distinct} categories, more than max_categories ({p.max_categories})",
        )
    cells = mt.quality.confusion_by_group(data, p.label, p.label, [name], p.positive).cells
    positives = sum(c.tp for c in cells)
    n = sum(c.n for c in cells)
    if n == 0:
        return mt.Finding.skipped(f"leakage[{name}]", "no labelled rows")
    base_error = min(positives, n - positives) / n
    error = sum(min(c.tp, c.n - c.tp) for c in cells) / n
    lift = 0.0 if base_error == 0 else 1.0 - error / base_error
    return mt.Finding.check(
        f"leakage[{name}]",
        lift < p.max_lift,
        f"its {len(cells)} categories alone predict the label with error {error:.4f} "
        f"(base rate {base_error:.4f}, {lift:.1%} of it removed)",
        observed=lift,
        threshold=p.max_lift,
        properties={"column": name, "method": "majority-class"},
    ).param("/max_lift")


class LabelLeakage(mt.Check):
    name = "label-leakage"
    version = "0.1.0"
    summary = "no feature predicts the label almost perfectly on the holdout"
    Params = Params

    def run(self, p):
        data = mt.table(p.table)
        rows = data.num_rows()
        findings = []
        for name, dtype in data.columns():
            if name == p.label or name in p.exclude:
                continue
            column = data.column(name)
            if column.is_numeric():
                findings.append(numeric(p, data, name))
            elif dtype in ("STRING", "BOOLEAN"):
                findings.append(categorical(p, data, name, rows))
        mt.log.info(f"checked {len(findings)} features of {rows} rows")
        if not findings:
            findings.append(mt.Finding.skipped("leakage", "no feature columns to check"))
        return findings


WitWorld = mt.export(LabelLeakage)
