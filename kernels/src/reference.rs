//! The kernels against SciPy, NumPy, scikit-learn and fairlearn.
//!
//! `testdata/reference.json` is written by `testdata/generate.py` (run it
//! with those libraries installed to regenerate; the versions are in the
//! file's `generated_by`). The Rust tests need no Python. Tolerances: 1e-9
//! relative for statistics and exact p-values, 1e-6 absolute (or 1e-9
//! relative, whichever is looser) for asymptotic p-values, exact for counts.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use serde_json::Value;

use super::compare::{Tolerance, compare_columns};
use super::confusion::{Positive, confusion_by_group};
use super::sample::{Bins, Smoothing, bin_edges, histogram, quantile, smooth};
use super::{ks, stats};

static REFERENCE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("testdata/reference.json")).expect("reference.json is JSON")
});

fn cases(section: &str) -> &'static [Value] {
    REFERENCE[section]
        .as_array()
        .unwrap_or_else(|| panic!("no section {section}"))
}

pub(crate) fn number(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("not a number: {other}"),
        },
        v => v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")),
    }
}

fn counts(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect()
}

/// The generator's splitmix64 stream, as uniform doubles in [0, 1).
fn splitmix64(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
        })
        .collect()
}

/// A sample: inline numbers or a splitmix64 spec.
fn sample(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().map(number).collect(),
        Value::Object(spec) => {
            let spec = &spec["splitmix64"];
            let (loc, scale) = (number(&spec["loc"]), number(&spec["scale"]));
            splitmix64(
                spec["seed"].as_u64().unwrap(),
                spec["n"].as_u64().unwrap() as usize,
            )
            .into_iter()
            .map(|u| loc + scale * u)
            .collect()
        }
        other => panic!("not a sample: {other}"),
    }
}

fn sorted(v: &Value) -> Vec<f64> {
    let mut s = sample(v);
    s.sort_by(f64::total_cmp);
    s
}

/// Relative closeness with an absolute floor for values near zero.
#[track_caller]
fn close(name: &str, what: &str, actual: f64, expected: f64, rel: f64, abs: f64) {
    let ok = (actual.is_nan() && expected.is_nan())
        || actual == expected
        || (actual - expected).abs() <= abs.max(rel * expected.abs());
    assert!(
        ok,
        "{name}: {what} = {actual:e}, reference {expected:e} (rel {rel:e}, abs {abs:e})"
    );
}

#[test]
fn ks_2samp_matches_scipy() {
    for case in cases("ks_2samp") {
        let name = case["name"].as_str().unwrap();
        let test = ks::ks_2samp_sorted(&sorted(&case["a"]), &sorted(&case["b"]));
        let exact = case["method"] == "exact";
        assert_eq!(test.method == ks::KsMethod::Exact, exact, "{name}: method");
        close(
            name,
            "statistic",
            test.statistic,
            number(&case["statistic"]),
            1e-9,
            0.0,
        );
        let (rel, abs) = if exact { (1e-9, 1e-15) } else { (1e-9, 1e-6) };
        close(
            name,
            "p_value",
            test.p_value,
            number(&case["p_value"]),
            rel,
            abs,
        );
    }
}

/// A chi-square section: category counts in, statistic and p-value (and
/// dof, where recorded) out.
fn chi_square_cases(section: &str, test: fn(&[u64], &[u64]) -> stats::Test) {
    for case in cases(section) {
        let name = case["name"].as_str().unwrap();
        let t = test(&counts(&case["reference"]), &counts(&case["current"]));
        if let Some(dof) = case.get("dof") {
            assert_eq!(t.dof, dof.as_u64().unwrap(), "{name}: dof");
        }
        close(
            name,
            "statistic",
            t.statistic,
            number(&case["statistic"]),
            1e-9,
            1e-12,
        );
        close(
            name,
            "p_value",
            t.p_value,
            number(&case["p_value"]),
            1e-9,
            1e-15,
        );
    }
}

#[test]
fn chi2_contingency_matches_scipy() {
    chi_square_cases("chi2_contingency", stats::chi2_contingency);
}

#[test]
fn chisquare_goodness_of_fit_matches_scipy() {
    chi_square_cases("chisquare_gof", stats::chi2_goodness_of_fit);
}

#[test]
fn z_test_matches_scipy() {
    for case in cases("z_test") {
        let name = case["name"].as_str().unwrap();
        let n = |k: &str| case[k].as_u64().unwrap();
        let t = stats::z_test(
            n("reference_successes"),
            n("reference_n"),
            n("current_successes"),
            n("current_n"),
        );
        close(
            name,
            "statistic",
            t.statistic,
            number(&case["statistic"]),
            1e-9,
            1e-12,
        );
        close(
            name,
            "p_value",
            t.p_value,
            number(&case["p_value"]),
            1e-9,
            1e-15,
        );
    }
}

type Distance = fn(&[f64], &[f64]) -> f64;

#[test]
fn distances_match_scipy() {
    for case in cases("distances") {
        let name = case["name"].as_str().unwrap();
        let (p, q) = (sample(&case["p"]), sample(&case["q"]));
        let checks: [(&str, Distance); 4] = [
            ("psi", stats::psi),
            ("kl", stats::kl_divergence),
            ("js", stats::jensen_shannon),
            ("hellinger", stats::hellinger),
        ];
        for (key, f) in checks {
            let Some(expected) = case.get(key).map(number) else {
                continue;
            };
            if key == "js" {
                // The distance is the square root of a divergence; near
                // identical distributions put that divergence at the
                // rounding floor (~1e-17), where a 1-ulp difference in `ln`
                // (NumPy's SIMD log vs libm) moves the root by ~1e-9. There
                // the divergence is compared, to 1e-15 absolute. SciPy's NaN
                // (the root of a divergence rounded below zero) is a zero
                // here: an intentional difference.
                let got = f(&p, &q);
                let want = if expected.is_nan() { 0.0 } else { expected };
                close(name, "js divergence", got * got, want * want, 1e-9, 1e-15);
                if want * want > 1e-12 {
                    close(name, key, got, want, 1e-9, 0.0);
                }
                continue;
            }
            close(name, key, f(&p, &q), expected, 1e-9, 1e-15);
        }
    }
}

#[test]
fn smoothing_matches_evidently() {
    for case in cases("smoothing") {
        let name = case["name"].as_str().unwrap();
        let mut shares = sample(&case["percents"]);
        smooth(&mut shares, Smoothing::Evidently);
        assert_eq!(shares, sample(&case["smoothed"]), "{name}");
    }
}

#[test]
fn wasserstein_matches_scipy() {
    for case in cases("wasserstein") {
        let name = case["name"].as_str().unwrap();
        let (a, b) = (sorted(&case["a"]), sorted(&case["b"]));
        // SciPy's last step is a BLAS dot product whose summation order
        // depends on the CPU; agreement is to rounding, not to the bit.
        let distance = stats::wasserstein(&a, &b);
        close(
            name,
            "distance",
            distance,
            number(&case["distance"]),
            1e-12,
            1e-15,
        );
        let std = stats::std_dev(&sample(&case["a"]));
        close(
            name,
            "reference_std",
            std,
            number(&case["reference_std"]),
            1e-12,
            1e-15,
        );
        close(
            name,
            "normed",
            distance / std.max(0.001),
            number(&case["normed"]),
            1e-12,
            1e-15,
        );
    }
}

#[test]
fn bin_edges_match_numpy() {
    for case in cases("bin_edges") {
        let name = case["name"].as_str().unwrap();
        let bins = match &case["bins"] {
            Value::String(s) if s == "sturges" => Bins::Sturges,
            v => Bins::Count(v.as_u64().unwrap() as u32),
        };
        // NumPy rounds Sturges widths up to 1 for integer arrays.
        let integer = case["values"]
            .as_array()
            .is_some_and(|v| v.iter().all(|x| x.is_i64() || x.is_u64()));
        let edges = bin_edges(&[&sorted(&case["values"])], bins, integer).unwrap();
        let expected = sample(&case["edges"]);
        assert_eq!(edges.len(), expected.len(), "{name}: edge count");
        for (a, e) in edges.iter().zip(&expected) {
            close(name, "edge", *a, *e, 1e-15, 0.0);
        }
    }
}

#[test]
fn histograms_match_numpy() {
    for case in cases("histogram") {
        let name = case["name"].as_str().unwrap();
        let got = histogram(&sorted(&case["values"]), &sample(&case["edges"]));
        assert_eq!(got, counts(&case["counts"]), "{name}");
    }
}

#[test]
fn quantiles_match_numpy() {
    for case in cases("quantiles") {
        let name = case["name"].as_str().unwrap();
        let values = sorted(&case["values"]);
        for (q, e) in sample(&case["q"]).iter().zip(sample(&case["expected"])) {
            close(
                name,
                &format!("q={q}"),
                quantile(&values, *q).unwrap(),
                e,
                1e-12,
                0.0,
            );
        }
    }
}

#[test]
fn confusion_counts_match_fairlearn_groups() {
    for case in cases("fairness") {
        let name = case["name"].as_str().unwrap();
        let ints = |k: &str| -> ArrayRef {
            Arc::new(Int64Array::from(
                case[k]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect::<Vec<_>>(),
            ))
        };
        let (y_true, y_pred) = (ints("y_true"), ints("y_pred"));
        let positive = Positive {
            value: "1".into(),
            threshold: None,
        };
        for result in case["results"].as_array().unwrap() {
            let attributes: Vec<&str> = result["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            let groups: Vec<ArrayRef> = attributes
                .iter()
                .map(|a| {
                    let values: Vec<&str> = case["sensitive"][a]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    Arc::new(StringArray::from(values)) as ArrayRef
                })
                .collect();
            let confusion = confusion_by_group(&y_true, &y_pred, &positive, &groups).unwrap();
            let expected = result["groups"].as_object().unwrap();
            assert_eq!(confusion.cells.len(), expected.len(), "{name}: groups");
            for cell in &confusion.cells {
                let label: Vec<String> = cell.group.iter().map(|g| g.clone().unwrap()).collect();
                let e = &expected[&label.join("&")];
                let got = [cell.n, cell.tp, cell.fp, cell.tn, cell.fn_];
                let want = ["count", "tp", "fp", "tn", "fn"].map(|k| e[k].as_u64().unwrap());
                assert_eq!(got, want, "{name}: {}", label.join("&"));
            }
        }
    }
}

#[test]
fn comparison_matches_numpy_isclose() {
    for case in cases("compare") {
        let name = case["name"].as_str().unwrap();
        let actual = Float64Array::from(sample(&case["actual"]));
        let expected = Float64Array::from(sample(&case["expected"]));
        let tolerance = Tolerance {
            rtol: number(&case["rtol"]),
            atol: number(&case["atol"]),
            max_ulp: None,
        };
        let d = compare_columns(&actual, &expected, &tolerance, 3).unwrap();
        assert_eq!(
            d.mismatches,
            case["mismatches"].as_u64().unwrap(),
            "{name}: mismatches"
        );
        let finite = d.max_abs_diff.is_some();
        close(
            name,
            "max_abs_diff",
            d.max_abs_diff.unwrap_or(0.0),
            number(&case["max_abs_diff"]),
            0.0,
            0.0,
        );
        close(
            name,
            "max_rel_diff",
            d.max_rel_diff.unwrap_or(0.0),
            number(&case["max_rel_diff"]),
            1e-15,
            0.0,
        );
        if finite {
            assert_eq!(d.max_ulp, case["max_ulp"].as_u64(), "{name}: max_ulp");
        }
    }
}
