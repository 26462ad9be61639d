//! The `metrics` check: thresholds on a candidate's metrics, absolute and
//! against a baseline (the champion in production).
//!
//! Metrics documents may be flat (`{"auc": 0.91}`), nested under `metrics`, or
//! MLflow-style lists of `{key, value, step, timestamp}` (as the tracking API
//! returns them; the latest step wins). A threshold on a metric that is absent
//! fails: a missing number is never a pass.

use std::collections::BTreeMap;

use mltest_sdk::{ArtifactKind, ArtifactName, Check, Finding, Result, artifacts, bail};
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
    mltest_sdk::metric::parse(&artifacts::document(artifact)?)
        .map_err(|e| format!("artifact `{artifact}`: {e}").into())
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
        let Some(greater_is_better) = rule
            .greater_is_better
            .or_else(|| mltest_sdk::metric::greater_is_better(metric))
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
        let flat = mltest_sdk::metric::parse(&json!({"auc": 0.9, "rmse": 1})).unwrap();
        assert_eq!(flat["auc"], 0.9);
        assert_eq!(flat["rmse"], 1.0);
        let nested = mltest_sdk::metric::parse(&json!({"metrics": {"auc": 0.8}})).unwrap();
        assert_eq!(nested["auc"], 0.8);
        let list = mltest_sdk::metric::parse(&json!([
            {"key": "auc", "value": 0.7, "step": 2, "timestamp": 5},
            {"key": "auc", "value": 0.6, "step": 1, "timestamp": 9},
        ]))
        .unwrap();
        assert_eq!(list["auc"], 0.7, "the latest step wins");
        let run = mltest_sdk::metric::parse(
            &json!({"run": {"data": {"metrics": [{"key": "f1", "value": 0.5}]}}}),
        )
        .unwrap();
        assert_eq!(run["f1"], 0.5);
        assert!(mltest_sdk::metric::parse(&json!({"auc": "high"})).is_err());
        assert!(mltest_sdk::metric::parse(&json!(3)).is_err());
    }

    #[test]
    fn directions_follow_name_tokens() {
        assert_eq!(
            mltest_sdk::metric::greater_is_better("val_log_loss"),
            Some(false)
        );
        assert_eq!(
            mltest_sdk::metric::greater_is_better("training_roc_auc"),
            Some(true)
        );
        assert_eq!(mltest_sdk::metric::greater_is_better("RMSE"), Some(false));
        assert_eq!(
            mltest_sdk::metric::greater_is_better("f1_score"),
            Some(true)
        );
        assert_eq!(
            mltest_sdk::metric::greater_is_better("mean_absolute_error"),
            Some(false)
        );
        assert_eq!(mltest_sdk::metric::greater_is_better("throughput"), None);
        assert_eq!(
            mltest_sdk::metric::greater_is_better("brier_score"),
            Some(false)
        );
        assert_eq!(
            mltest_sdk::metric::greater_is_better("neg_log_loss"),
            Some(true)
        );
        assert_eq!(
            mltest_sdk::metric::greater_is_better("neg_mean_squared_error"),
            Some(true)
        );
        assert_eq!(
            mltest_sdk::metric::greater_is_better("r2_score"),
            Some(true)
        );
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
