"""Registers a version of the credit-risk demo model in a real MLflow server,
through MLflow's own Python client, as a training pipeline would.

The model is the fixture generator's scikit-learn pipeline, refitted on the
fixture training data; the run carries the fixture's metrics and evaluation
files as run artifacts. `--variant regressed` logs the regressed candidate
(weaker features, moved serving data, worse metrics), which the suite fails.

Prints {"version": "<n>", "run_id": "..."} on stdout.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
DATA = FIXTURES / "credit-risk"
sys.path.insert(0, str(FIXTURES))

import generate  # noqa: E402  (the fixture generator: features and model)
import mlflow  # noqa: E402
import mlflow.sklearn  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402

VARIANTS = {
    "good": {
        "features": generate.FEATURES,
        "metrics": "metrics/candidate.json",
        "files": {
            "data/train.parquet": "data/train.parquet",
            "data/serving.csv": "data/serving.csv",
            "data/current.parquet": "data/current.parquet",
            "eval/predictions.parquet": "data/predictions.parquet",
        },
    },
    "regressed": {
        "features": ["age", "income", "loan_amount", "term_months", "home_ownership"],
        "metrics": "metrics/regressed.json",
        "files": {
            "data/train.parquet": "data/train.parquet",
            "data/serving.csv": "data/serving-regressed.csv",
            "data/current.parquet": "data/current-regressed.parquet",
            "eval/predictions.parquet": "data/predictions-regressed.parquet",
        },
    },
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tracking-uri", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--variant", choices=sorted(VARIANTS), default="good")
    args = p.parse_args()
    variant = VARIANTS[args.variant]

    mlflow.set_tracking_uri(args.tracking_uri)
    mlflow.set_experiment(args.name)
    train = pd.read_parquet(DATA / "data" / "train.parquet")
    pipe = generate.model(variant["features"], 1.0).fit(train[generate.FEATURES], train["default"])
    x = train[generate.FEATURES]
    signature = infer_signature(x, pipe.predict_proba(x)[:, 1])

    metrics = json.loads((DATA / variant["metrics"]).read_text())["metrics"]
    with mlflow.start_run() as run:
        # Latest step last, as a training loop logs them.
        for m in sorted(metrics, key=lambda m: m["step"]):
            mlflow.log_metric(m["key"], m["value"], step=m["step"])
        for dest, src in variant["files"].items():
            folder = str(Path(dest).parent)
            mlflow.log_artifact(str(DATA / src) if Path(src).name == Path(dest).name else stage(src, dest), artifact_path=folder)
        info = mlflow.sklearn.log_model(
            pipe,
            name="model",
            signature=signature,
            serialization_format="pickle",
            registered_model_name=args.name,
        )
    print(json.dumps({"version": str(info.registered_model_version), "run_id": run.info.run_id}))


def stage(src: str, dest: str) -> str:
    """A copy of a fixture file under the name the run gives it."""
    import shutil
    import tempfile

    out = Path(tempfile.mkdtemp()) / Path(dest).name
    shutil.copyfile(DATA / src, out)
    return str(out)


if __name__ == "__main__":
    main()
