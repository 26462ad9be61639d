//! Metrics documents and metric names, shared by the `metrics` and
//! `performance` plugins (which gate on them), the quality kernels (which
//! compute them) and `mltest init` (which writes rules for them), so all
//! read the same formats, spellings and directions.

use std::collections::BTreeMap;

use serde_json::Value;

/// scikit-learn's name (as the quality kernels know it) for a metric spelled
/// as metrics documents and suites spell it: `auc` is `roc_auc`.
pub fn canonical(name: &str) -> &str {
    match name {
        "auc" | "roc_auc_score" => "roc_auc",
        "pr_auc" | "average_precision_score" => "average_precision",
        "brier_score" | "brier_score_loss" => "brier",
        "f1_score" => "f1",
        "accuracy_score" => "accuracy",
        "r2_score" => "r2",
        other => other,
    }
}

/// Reads the metric formats we accept into `name -> value`.
pub fn parse(doc: &Value) -> Result<BTreeMap<String, f64>, String> {
    // MLflow's `runs/get` response: {"run": {"data": {"metrics": [...]}}}
    if let Some(metrics) = doc.pointer("/run/data/metrics") {
        return parse(metrics);
    }
    match doc {
        Value::Object(map) => {
            if let Some(inner @ (Value::Array(_) | Value::Object(_))) = map.get("metrics") {
                return parse(inner);
            }
            let mut out = BTreeMap::new();
            for (key, value) in map {
                out.insert(key.clone(), number(key, value)?);
            }
            Ok(out)
        }
        Value::Array(items) => {
            // Keep the latest (step, timestamp) of each key.
            let mut latest: BTreeMap<String, ((i64, i64), f64)> = BTreeMap::new();
            for item in items {
                let key = item
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or("metric list entries need a string `key`")?;
                let value = number(key, item.get("value").unwrap_or(&Value::Null))?;
                let order = (
                    item.get("step").and_then(Value::as_i64).unwrap_or(0),
                    item.get("timestamp").and_then(Value::as_i64).unwrap_or(0),
                );
                match latest.get(key) {
                    Some((seen, _)) if *seen > order => {}
                    _ => {
                        latest.insert(key.to_string(), (order, value));
                    }
                }
            }
            Ok(latest.into_iter().map(|(k, (_, v))| (k, v)).collect())
        }
        _ => Err("expected a JSON object of metrics or a list of {key, value} entries".into()),
    }
}

fn number(key: &str, value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("metric `{key}` is not a finite number")),
        // MLflow writes non-finite values as strings.
        Value::String(s) if matches!(s.as_str(), "NaN" | "nan" | "Infinity" | "-Infinity") => {
            Ok(s.parse::<f64>().unwrap_or(f64::NAN))
        }
        other => Err(format!("metric `{key}` is not a number: {other}")),
    }
}

/// Metric name tokens whose direction is well known.
const HIGHER_IS_BETTER: &[&str] = &[
    "auc",
    "accuracy",
    "acc",
    "f1",
    "precision",
    "recall",
    "r2",
    "ap",
    "map",
    "ndcg",
    "mcc",
    "specificity",
    "sensitivity",
    "tpr",
    "tnr",
    "kappa",
    "gini",
    "score",
    "balanced",
];
const LOWER_IS_BETTER: &[&str] = &[
    "rmse",
    "mse",
    "mae",
    "mape",
    "smape",
    "loss",
    "logloss",
    "error",
    "brier",
    "fpr",
    "fnr",
    "deviance",
    "perplexity",
    "wer",
    "cer",
];

/// Infers direction from the name's tokens. A lower-is-better token wins
/// wherever it stands (`brier_score` is a Brier score, `val_log_loss` a loss);
/// a `neg_` prefix (scikit-learn's negated losses) flips it. `None` when
/// nothing matches.
pub fn greater_is_better(metric: &str) -> Option<bool> {
    let lower = metric.to_ascii_lowercase();
    let tokens: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let negated = tokens.first() == Some(&"neg");
    if tokens.iter().any(|t| LOWER_IS_BETTER.contains(t)) {
        return Some(negated);
    }
    if tokens.iter().any(|t| HIGHER_IS_BETTER.contains(t)) {
        return Some(!negated);
    }
    None
}
