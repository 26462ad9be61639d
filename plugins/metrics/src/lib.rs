//! The `metrics` check: thresholds on a candidate's metrics, absolute and
//! against a baseline (the champion in production).
//!
//! Metrics documents may be flat (`{"auc": 0.91}`), nested under `metrics`, or
//! MLflow-style lists of `{key, value, step, timestamp}` (as the tracking API
//! returns them; the latest step wins). A threshold on a metric that is absent
//! fails: a missing number is never a pass.

use std::collections::BTreeMap;

use mltest_sdk::{
    ArtifactKind, ArtifactName, Check, Finding, Result, artifacts, bail, serde_json::Value,
};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Artifact name of the candidate's metrics document.
    candidate: ArtifactName,
    /// Artifact name of the baseline (champion) metrics document. Without it,
    /// baseline rules are skipped, visibly.
    #[serde(default)]
    baseline: Option<ArtifactName>,
    /// Rules per metric name.
    thresholds: BTreeMap<String, Rule>,
}

#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The candidate's value must be at least this.
    #[serde(default)]
    min: Option<f64>,
    /// The candidate's value must be at most this.
    #[serde(default)]
    max: Option<f64>,
    /// Largest allowed regression against the baseline, in the metric's units.
    #[serde(default)]
    max_regression: Option<f64>,
    /// Largest allowed regression against the baseline, as a fraction of the baseline (0.02 = 2%).
    #[serde(default)]
    max_relative_regression: Option<f64>,
    /// Smallest required improvement over the baseline, in the metric's units.
    #[serde(default)]
    min_improvement: Option<f64>,
    /// Whether larger values are better. Defaults by name (auc, accuracy, f1… are;
    /// rmse, mae, log_loss… are not); unknown names with baseline rules must set it.
    #[serde(default)]
    greater_is_better: Option<bool>,
}

impl Rule {
    fn is_empty(&self) -> bool {
        self.min.is_none()
            && self.max.is_none()
            && self.max_regression.is_none()
            && self.max_relative_regression.is_none()
            && self.min_improvement.is_none()
    }
}

struct Metrics;

impl Check for Metrics {
    type Params = Params;
    const NAME: &'static str = "metrics";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "metric thresholds, absolute and against the champion's metrics";

    fn run(params: Params) -> Result<Vec<Finding>> {
        if params.thresholds.is_empty() {
            bail!("no thresholds given: add at least one `[thresholds.<metric>]` rule");
        }
        let candidate = load(&params.candidate)?;
        // A baseline the registry cannot supply (a model's first version has
        // no champion) skips the baseline rules, visibly, with the reason.
        let baseline = match &params.baseline {
            Some(name) if matches!(artifacts::kind(name)?, ArtifactKind::Absent) => {
                let reason = match artifacts::document(name) {
                    Err(e) => e.to_string(),
                    Ok(_) => format!("artifact `{name}` is absent"),
                };
                Err(format!("no baseline: {reason}; baseline rules skipped"))
            }
            Some(name) => Ok(load(name)?),
            None => Err("no baseline metrics given: baseline rules skipped".to_string()),
        };
        if let Some((metric, _)) = params.thresholds.iter().find(|(_, r)| r.is_empty()) {
            bail!(
                "the rule for `{metric}` sets no limit: give it min, max, max_regression, max_relative_regression or min_improvement"
            );
        }
        let mut findings = Vec::new();
        for (metric, rule) in &params.thresholds {
            evaluate(metric, rule, &candidate, baseline.as_ref(), &mut findings);
        }
        Ok(findings)
    }
}

mltest_sdk::export_check!(Metrics);

fn load(artifact: &str) -> Result<BTreeMap<String, f64>> {
    parse_metrics(&artifacts::document(artifact)?)
        .map_err(|e| format!("artifact `{artifact}`: {e}").into())
}

/// Reads the metric formats we accept into `name -> value`.
fn parse_metrics(doc: &Value) -> std::result::Result<BTreeMap<String, f64>, String> {
    // MLflow's `runs/get` response: {"run": {"data": {"metrics": [...]}}}
    if let Some(metrics) = doc.pointer("/run/data/metrics") {
        return parse_metrics(metrics);
    }
    match doc {
        Value::Object(map) => {
            if let Some(inner @ (Value::Array(_) | Value::Object(_))) = map.get("metrics") {
                return parse_metrics(inner);
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

fn number(key: &str, value: &Value) -> std::result::Result<f64, String> {
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
fn default_direction(metric: &str) -> Option<bool> {
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

fn fmt(v: f64) -> String {
    mltest_sdk::number::short(v)
}

fn evaluate(
    metric: &str,
    rule: &Rule,
    candidate: &BTreeMap<String, f64>,
    baseline: Result<&BTreeMap<String, f64>, &String>,
    out: &mut Vec<Finding>,
) {
    let mut found = Vec::new();
    evaluate_rules(metric, rule, candidate, baseline, &mut found);
    // Each finding points at the rule it checks, in the suite file.
    let table = format!(
        "/thresholds/{}",
        metric.replace('~', "~0").replace('/', "~1")
    );
    out.extend(found.into_iter().map(|finding| {
        let key = match finding.name.split('[').next().unwrap_or_default() {
            "metrics.min" => "min",
            "metrics.max" => "max",
            "metrics.regression" => "max_regression",
            "metrics.relative_regression" => "max_relative_regression",
            _ => "min_improvement",
        };
        finding.param(format!("{table}/{key}"))
    }));
}

fn evaluate_rules(
    metric: &str,
    rule: &Rule,
    candidate: &BTreeMap<String, f64>,
    baseline: Result<&BTreeMap<String, f64>, &String>,
    out: &mut Vec<Finding>,
) {
    let value = candidate.get(metric).copied();
    let absent = |name: String| {
        Finding::fail(
            name,
            format!("metric `{metric}` is absent from the candidate's metrics"),
        )
        .property("metric", metric)
    };
    let not_finite = |name: String, v: f64| {
        Finding::fail(
            name,
            format!("metric `{metric}` is {v}, not a finite number"),
        )
        .property("metric", metric)
    };

    if let Some(min) = rule.min {
        let name = format!("metrics.min[{metric}]");
        out.push(match value {
            None => absent(name),
            Some(v) if !v.is_finite() => not_finite(name, v),
            Some(v) => Finding::check(
                name,
                v >= min,
                format!("{metric} = {} (minimum {})", fmt(v), fmt(min)),
            )
            .observed(v)
            .threshold(min)
            .property("metric", metric),
        });
    }
    if let Some(max) = rule.max {
        let name = format!("metrics.max[{metric}]");
        out.push(match value {
            None => absent(name),
            Some(v) if !v.is_finite() => not_finite(name, v),
            Some(v) => Finding::check(
                name,
                v <= max,
                format!("{metric} = {} (maximum {})", fmt(v), fmt(max)),
            )
            .observed(v)
            .threshold(max)
            .property("metric", metric),
        });
    }

    let baseline_rules = [
        ("regression", rule.max_regression),
        ("relative_regression", rule.max_relative_regression),
        ("improvement", rule.min_improvement),
    ];
    for (kind, limit) in baseline_rules {
        let Some(limit) = limit else { continue };
        let name = format!("metrics.{kind}[{metric}]");
        let Some(v) = value else {
            out.push(absent(name));
            continue;
        };
        let baseline = match baseline {
            Ok(b) => b,
            Err(why) => {
                out.push(Finding::skip(name, why.clone()).property("metric", metric));
                continue;
            }
        };
        let Some(greater_is_better) = rule.greater_is_better.or_else(|| default_direction(metric))
        else {
            out.push(
                Finding::error(
                    name,
                    format!("direction of `{metric}` is unknown: set `greater_is_better` for it"),
                )
                .property("metric", metric),
            );
            continue;
        };
        let b = match baseline.get(metric).copied() {
            None => {
                out.push(
                    Finding::fail(
                        name,
                        format!("metric `{metric}` is absent from the baseline's metrics"),
                    )
                    .property("metric", metric),
                );
                continue;
            }
            Some(b) if !v.is_finite() || !b.is_finite() => {
                out.push(not_finite(name, if v.is_finite() { b } else { v }));
                continue;
            }
            Some(b) => b,
        };
        // Positive `gain` is better, whatever the metric's direction.
        let gain = if greater_is_better { v - b } else { b - v };
        let direction = if greater_is_better { "higher" } else { "lower" };
        let finding = match kind {
            "regression" => Finding::check(
                name,
                -gain <= limit,
                format!(
                    "{metric} = {} vs baseline {} ({direction} is better): regression {} (allowed {})",
                    fmt(v),
                    fmt(b),
                    fmt(-gain),
                    fmt(limit)
                ),
            )
            .observed(-gain),
            "relative_regression" => {
                let relative = if b == 0.0 {
                    if gain >= 0.0 { 0.0 } else { f64::INFINITY }
                } else {
                    -gain / b.abs()
                };
                Finding::check(
                    name,
                    relative <= limit,
                    format!(
                        "{metric} = {} vs baseline {} ({direction} is better): relative regression {:.2}% (allowed {:.2}%)",
                        fmt(v),
                        fmt(b),
                        relative * 100.0,
                        limit * 100.0
                    ),
                )
                .observed(relative)
            }
            _ => Finding::check(
                name,
                gain >= limit,
                format!(
                    "{metric} = {} vs baseline {} ({direction} is better): improvement {} (required {})",
                    fmt(v),
                    fmt(b),
                    fmt(gain),
                    fmt(limit)
                ),
            )
            .observed(gain),
        };
        // The worst candidate value the rule still allows, on the metric's scale.
        let sign = if greater_is_better { 1.0 } else { -1.0 };
        let allowed = match kind {
            "regression" => b - sign * limit,
            "relative_regression" => b - sign * limit * b.abs(),
            _ => b + sign * limit,
        };
        let plot = mltest_sdk::Plot::Comparison {
            metric: metric.to_string(),
            candidate: v,
            baseline: b,
            allowed,
            greater_is_better,
        };
        out.push(
            finding
                .threshold(limit)
                .plot(&plot)
                .property("metric", metric)
                .property("candidate", v)
                .property("baseline", b)
                .property("greater_is_better", greater_is_better),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mltest_sdk::Outcome;
    use mltest_sdk::serde_json::json;

    #[test]
    fn parses_flat_nested_and_mlflow_lists() {
        let flat = parse_metrics(&json!({"auc": 0.9, "rmse": 1})).unwrap();
        assert_eq!(flat["auc"], 0.9);
        assert_eq!(flat["rmse"], 1.0);
        let nested = parse_metrics(&json!({"metrics": {"auc": 0.8}})).unwrap();
        assert_eq!(nested["auc"], 0.8);
        let list = parse_metrics(&json!([
            {"key": "auc", "value": 0.7, "step": 2, "timestamp": 5},
            {"key": "auc", "value": 0.6, "step": 1, "timestamp": 9},
        ]))
        .unwrap();
        assert_eq!(list["auc"], 0.7, "the latest step wins");
        let run =
            parse_metrics(&json!({"run": {"data": {"metrics": [{"key": "f1", "value": 0.5}]}}}))
                .unwrap();
        assert_eq!(run["f1"], 0.5);
        assert!(parse_metrics(&json!({"auc": "high"})).is_err());
        assert!(parse_metrics(&json!(3)).is_err());
    }

    #[test]
    fn directions_follow_name_tokens() {
        assert_eq!(default_direction("val_log_loss"), Some(false));
        assert_eq!(default_direction("training_roc_auc"), Some(true));
        assert_eq!(default_direction("RMSE"), Some(false));
        assert_eq!(default_direction("f1_score"), Some(true));
        assert_eq!(default_direction("mean_absolute_error"), Some(false));
        assert_eq!(default_direction("throughput"), None);
        assert_eq!(default_direction("brier_score"), Some(false));
        assert_eq!(default_direction("neg_log_loss"), Some(true));
        assert_eq!(default_direction("neg_mean_squared_error"), Some(true));
        assert_eq!(default_direction("r2_score"), Some(true));
    }

    fn run_rule(rule: Rule, cand: &[(&str, f64)], base: Option<&[(&str, f64)]>) -> Vec<Finding> {
        let to_map = |xs: &[(&str, f64)]| {
            xs.iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        let candidate = to_map(cand);
        let baseline = base.map(to_map);
        let mut out = Vec::new();
        let none = "no baseline metrics given: baseline rules skipped".to_string();
        evaluate(
            "auc",
            &rule,
            &candidate,
            baseline.as_ref().ok_or(&none),
            &mut out,
        );
        out
    }

    #[test]
    fn absolute_and_baseline_rules() {
        let rule = Rule {
            min: Some(0.8),
            max_regression: Some(0.01),
            ..Rule::default()
        };
        let out = run_rule(rule, &[("auc", 0.85)], Some(&[("auc", 0.9)]));
        assert_eq!(out[0].outcome, Outcome::Pass);
        assert_eq!(out[1].outcome, Outcome::Fail);
        assert!((out[1].observed.unwrap() - 0.05).abs() < 1e-12);

        let rule = Rule {
            max_relative_regression: Some(0.1),
            ..Rule::default()
        };
        let out = run_rule(rule, &[("auc", 0.85)], Some(&[("auc", 0.9)]));
        assert_eq!(out[0].outcome, Outcome::Pass, "5.6% is within 10%");

        let rule = Rule {
            min_improvement: Some(0.01),
            ..Rule::default()
        };
        let out = run_rule(rule, &[("auc", 0.905)], Some(&[("auc", 0.9)]));
        assert_eq!(out[0].outcome, Outcome::Fail);
    }

    #[test]
    fn absent_metrics_fail_and_missing_baseline_skips() {
        let out = run_rule(
            Rule {
                min: Some(0.5),
                ..Rule::default()
            },
            &[("f1", 0.9)],
            None,
        );
        assert_eq!(out[0].outcome, Outcome::Fail);
        let out = run_rule(
            Rule {
                max_regression: Some(0.1),
                ..Rule::default()
            },
            &[("auc", 0.9)],
            None,
        );
        assert_eq!(out[0].outcome, Outcome::Skip);
        let out = run_rule(
            Rule {
                max_regression: Some(0.1),
                ..Rule::default()
            },
            &[("auc", 0.9)],
            Some(&[]),
        );
        assert_eq!(out[0].outcome, Outcome::Fail);
        let out = run_rule(
            Rule {
                min: Some(0.5),
                ..Rule::default()
            },
            &[("auc", f64::NAN)],
            None,
        );
        assert_eq!(out[0].outcome, Outcome::Fail);
    }
}
