//! The quality kernels against scikit-learn, MLstatkit and statsmodels.
//!
//! `testdata/quality.json` is written by `testdata/generate_quality.py`
//! (the versions are in its `generated_by`). Metrics agree to 1e-12
//! relative (1e-12 absolute near zero); p-values from statrs's special
//! functions to 1e-9 relative; counts exactly.

use std::sync::LazyLock;

use serde_json::Value;

use super::binary::{self, BinaryMetric, BinaryOptions, BinaryRows, Ranking};
use super::multiclass::{self, MulticlassMetric, MulticlassRows};
use super::regression::{self, RegressionMetric, RegressionRows};
use super::{Named, Undefined, delong, mcnemar};
use crate::reference::number;

static CASES: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../testdata/quality.json")).expect("quality.json is JSON")
});

fn section(name: &str) -> &'static [Value] {
    CASES[name].as_array().expect("a section")
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(number).collect()
}

fn weights(case: &Value) -> Option<Vec<f64>> {
    (!case["weight"].is_null()).then(|| numbers(&case["weight"]))
}

/// Within `rtol` relative, or 1e-12 absolute for values near zero; NaN
/// (scikit-learn's "undefined") matches an `Undefined`.
fn assert_close(
    case: &str,
    metric: &str,
    actual: Result<f64, Undefined>,
    expected: f64,
    rtol: f64,
) {
    match actual {
        Err(why) => assert!(
            expected.is_nan(),
            "{case}: {metric} undefined ({why}) but scikit-learn gives {expected}"
        ),
        Ok(actual) => {
            assert!(
                !expected.is_nan(),
                "{case}: {metric} = {actual}, scikit-learn gives NaN"
            );
            let tolerance = (rtol * expected.abs()).max(1e-12);
            assert!(
                (actual - expected).abs() <= tolerance,
                "{case}: {metric} = {actual:e}, expected {expected:e} (diff {:e})",
                (actual - expected).abs()
            );
        }
    }
}

/// Each metric of `all` against the case's expected value, to 1e-12.
fn assert_metrics<M: Named>(case: &Value, all: &[M], values: Vec<Result<f64, Undefined>>) {
    let name = case["name"].as_str().unwrap();
    for (metric, value) in all.iter().zip(values) {
        let expected = number(&case["expected"][metric.name()]);
        assert_close(name, metric.name(), value, expected, 1e-12);
    }
}

fn truth(case: &Value) -> Vec<bool> {
    let positive = &case["pos_label"];
    case["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y == positive)
        .collect()
}

#[test]
fn binary_metrics_match_scikit_learn() {
    for case in section("binary") {
        let (truth, score, weight) = (truth(case), numbers(&case["score"]), weights(case));
        let rows = BinaryRows {
            truth: &truth,
            score: &score,
            weight: weight.as_deref(),
        };
        let options = BinaryOptions {
            threshold: number(&case["threshold"]),
            beta: number(&case["beta"]),
            ece_bins: case["ece_bins"].as_u64().unwrap() as u32,
        };
        let ranking = Ranking::new(&score);
        let values = binary::evaluate(&rows, ranking.order(), &options, BinaryMetric::ALL);
        assert_metrics(case, BinaryMetric::ALL, values);
    }
}

#[test]
fn multiclass_metrics_match_scikit_learn() {
    for case in section("multiclass") {
        let classes = case["classes"].as_array().unwrap();
        let index = |v: &Value| classes.iter().position(|c| c == v).unwrap() as u32;
        let truth: Vec<u32> = case["y"].as_array().unwrap().iter().map(index).collect();
        let proba: Vec<Vec<f64>> = case["proba"]
            .as_array()
            .unwrap()
            .iter()
            .map(numbers)
            .collect();
        let columns: Vec<Vec<f64>> = (0..classes.len())
            .map(|j| proba.iter().map(|row| row[j]).collect())
            .collect();
        let prediction: Vec<u32> = proba
            .iter()
            .map(|row| multiclass::argmax(row.iter().copied()))
            .collect();
        let weight = weights(case);
        let rows = MulticlassRows {
            classes: classes.len(),
            truth: &truth,
            prediction: &prediction,
            probabilities: Some(&columns),
            weight: weight.as_deref(),
        };
        let order: Vec<u32> = (0..truth.len() as u32).collect();
        let k = case["k"].as_u64().unwrap() as u32;
        let values = multiclass::evaluate(&rows, &order, k, MulticlassMetric::ALL);
        assert_metrics(case, MulticlassMetric::ALL, values);
    }
}

#[test]
fn regression_metrics_match_scikit_learn() {
    for case in section("regression") {
        let (truth, prediction, weight) =
            (numbers(&case["y"]), numbers(&case["pred"]), weights(case));
        let rows = RegressionRows {
            truth: &truth,
            prediction: &prediction,
            weight: weight.as_deref(),
        };
        let order = regression::error_order(&rows);
        let values = regression::evaluate(&rows, order.order(), RegressionMetric::ALL);
        assert_metrics(case, RegressionMetric::ALL, values);
    }
}

#[test]
fn the_paired_bootstrap_reproduces_the_reference_resamples() {
    for case in section("bootstrap") {
        let name = case["name"].as_str().unwrap();
        let truth: Vec<bool> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y == 1)
            .collect();
        let (champion, candidate) = (numbers(&case["champion"]), numbers(&case["candidate"]));
        let weight = weights(case);
        let metric = BinaryMetric::parse(case["metric"].as_str().unwrap()).unwrap();
        let options = BinaryOptions {
            threshold: number(&case["threshold"]),
            ..BinaryOptions::default()
        };
        let (rank_a, rank_b) = (Ranking::new(&champion), Ranking::new(&candidate));
        let result = super::bootstrap(
            truth.len(),
            weight.as_deref(),
            case["resamples"].as_u64().unwrap() as u32,
            case["seed"].as_u64().unwrap(),
            1,
            None,
            |w| {
                let on = |score: &[f64], rank: &Ranking| {
                    let rows = BinaryRows {
                        truth: &truth,
                        score,
                        weight: Some(w),
                    };
                    binary::evaluate(&rows, rank.order(), &options, &[metric])
                        .remove(0)
                        .ok()
                };
                vec![
                    on(&candidate, &rank_b)
                        .zip(on(&champion, &rank_a))
                        .map(|(b, a)| b - a),
                ]
            },
        )
        .unwrap()
        .remove(0);
        let expected = numbers(&case["expected"]["differences"]);
        assert_eq!(
            result.invalid as u64,
            case["expected"]["invalid"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(result.differences.len(), expected.len(), "{name}");
        for (a, e) in result.differences.iter().zip(&expected) {
            assert!(
                (a - e).abs() <= 1e-12 * e.abs().max(1.0),
                "{name}: {a:e} vs {e:e}"
            );
        }
    }
}

#[test]
fn delong_matches_mlstatkit() {
    for case in section("delong") {
        let name = case["name"].as_str().unwrap();
        let truth: Vec<bool> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y == 1)
            .collect();
        let (champion, candidate) = (numbers(&case["champion"]), numbers(&case["candidate"]));
        let (rank_a, rank_b) = (Ranking::new(&champion), Ranking::new(&candidate));
        let d = delong(
            &truth,
            (&champion, rank_a.order()),
            (&candidate, rank_b.order()),
        )
        .unwrap();
        let e = &case["expected"];
        assert_close(
            name,
            "auc_champion",
            Ok(d.auc_champion),
            number(&e["auc_champion"]),
            1e-12,
        );
        assert_close(
            name,
            "auc_candidate",
            Ok(d.auc_candidate),
            number(&e["auc_candidate"]),
            1e-12,
        );
        assert_close(
            name,
            "var_diff",
            Ok(d.var_difference),
            number(&e["var_diff"]),
            1e-9,
        );
        let z = (d.auc_candidate - d.auc_champion) / d.var_difference.sqrt();
        assert_close(name, "z", Ok(z), number(&e["z"]), 1e-9);
    }
}

#[test]
fn mcnemar_matches_statsmodels() {
    for case in section("mcnemar") {
        let name = case["name"].as_str().unwrap();
        let y = case["y"].as_array().unwrap();
        let right = |key: &str| -> Vec<bool> {
            case[key]
                .as_array()
                .unwrap()
                .iter()
                .zip(y)
                .map(|(p, y)| p == y)
                .collect()
        };
        let (a, b) = (right("champion_pred"), right("candidate_pred"));
        let m = mcnemar(a.into_iter().zip(b));
        let e = &case["expected"];
        let count = |k: &str| e[k].as_u64().unwrap();
        assert_eq!(
            (
                m.both_right,
                m.champion_only,
                m.candidate_only,
                m.both_wrong
            ),
            (
                count("both_right"),
                count("champion_only"),
                count("candidate_only"),
                count("both_wrong")
            ),
            "{name}"
        );
        assert_eq!(m.exact_statistic, number(&e["exact_statistic"]), "{name}");
        assert_close(
            name,
            "exact_p_value",
            Ok(m.exact_p_value),
            number(&e["exact_p_value"]),
            1e-9,
        );
        match m.chi2 {
            Some((statistic, p)) => {
                assert_close(
                    name,
                    "chi2_statistic",
                    Ok(statistic),
                    number(&e["chi2_statistic"]),
                    1e-12,
                );
                assert_close(
                    name,
                    "chi2_p_value",
                    Ok(p),
                    number(&e["chi2_p_value"]),
                    1e-9,
                );
            }
            // statsmodels divides by zero there: inf and p = 0.
            None => assert!(number(&e["chi2_statistic"]).is_infinite(), "{name}"),
        }
    }
}
