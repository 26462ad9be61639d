//! Compare the port against reference values produced by SciPy 1.17.1
//! (`testdata/generate_ks.py` -> `testdata/ks-cases.json`).
//!
//! Tolerances (versus SciPy):
//! * statistic: 1e-9 relative (1e-15 absolute near 0);
//! * exact p-values: 1e-9 relative, or 1e-15 absolute when p < 1e-6;
//! * asymptotic p-values (and `kstwo.sf`): 1e-9 absolute (the requirement is
//!   1e-6; the port meets the tighter bound).
//!
//! Run with `cargo test -- --nocapture` to see the worst error per branch.

use super::{KolmognBranch, KsMethod, ks_2samp_sorted, kstwo_sf, kstwo_sf_branch};
use serde_json::Value;
use std::collections::BTreeMap;

const STAT_REL_TOL: f64 = 1e-9;
const EXACT_REL_TOL: f64 = 1e-9;
const EXACT_SMALL_P: f64 = 1e-6;
const EXACT_SMALL_ABS_TOL: f64 = 1e-15;
const ASYMP_ABS_TOL: f64 = 1e-9;

fn load() -> Value {
    serde_json::from_str(include_str!("../testdata/ks-cases.json")).expect("ks-cases.json is JSON")
}

/// The standard SplitMix64 generator.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Materialise a sample: an inline array or a `splitmix64` description.
fn sample(spec: &Value) -> Vec<f64> {
    if let Some(arr) = spec.as_array() {
        return arr.iter().map(|v| v.as_f64().expect("number")).collect();
    }
    let g = &spec["splitmix64"];
    let seed = g["seed"].as_u64().expect("seed");
    let n = g["n"].as_u64().expect("n") as usize;
    let loc = g["loc"].as_f64().expect("loc");
    let scale = g["scale"].as_f64().expect("scale");
    let mut rng = SplitMix64(seed);
    let two_m53 = 1.0 / (1u64 << 53) as f64;
    (0..n)
        .map(|_| loc + scale * ((rng.next_u64() >> 11) as f64 * two_m53))
        .collect()
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn rel_err(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else if want == 0.0 {
        got.abs()
    } else {
        ((got - want) / want).abs()
    }
}

#[derive(Default)]
struct Worst {
    count: usize,
    abs: f64,
    rel: f64,
    abs_case: String,
}

impl Worst {
    fn record(&mut self, name: &str, got: f64, want: f64) {
        self.count += 1;
        let a = (got - want).abs();
        if a > self.abs || (self.abs_case.is_empty() && a == 0.0) {
            self.abs = a;
            self.abs_case = name.to_string();
        }
        self.rel = self.rel.max(rel_err(got, want));
    }
}

fn report(title: &str, table: &BTreeMap<String, Worst>) {
    println!("{title}");
    println!(
        "  {:40} {:>5} {:>12} {:>12}  worst case",
        "branch", "cases", "max abs", "max rel"
    );
    for (branch, w) in table {
        let case = if w.abs > 0.0 {
            w.abs_case.as_str()
        } else {
            "(all identical)"
        };
        println!(
            "  {:40} {:>5} {:>12.3e} {:>12.3e}  {}",
            branch, w.count, w.abs, w.rel, case
        );
    }
}

/// The Python generator's label for `kstwo_sf_branch`.
fn branch_label(b: KolmognBranch) -> &'static str {
    match b {
        KolmognBranch::Trivial => "trivial",
        KolmognBranch::RubenGambinoLowProd => "ruben_gambino_low_prod",
        KolmognBranch::RubenGambinoLowStirling => "ruben_gambino_low_stirling",
        KolmognBranch::RubenGambinoHigh => "ruben_gambino_high",
        KolmognBranch::Smirnov => "smirnov",
        KolmognBranch::Dmtw => "dmtw",
        KolmognBranch::Pomeranz => "pomeranz",
        KolmognBranch::PelzGood => "pelz_good",
        KolmognBranch::Zero => "zero",
        KolmognBranch::Nan => "nan",
    }
}

#[test]
fn ks_2samp_matches_scipy() {
    let data = load();
    let cases = data["ks_cases"].as_array().expect("ks_cases");
    assert!(cases.len() >= 40);
    let mut stat_worst: BTreeMap<String, Worst> = BTreeMap::new();
    let mut p_worst: BTreeMap<String, Worst> = BTreeMap::new();
    let mut failures = Vec::new();

    for case in cases {
        let name = case["name"].as_str().expect("name");
        let branch = case["branch"].as_str().expect("branch").to_string();
        let a = sorted(sample(&case["a"]));
        let b = sorted(sample(&case["b"]));
        let want_stat = case["statistic"].as_f64().expect("statistic");
        let want_p = case["p_value"].as_f64().expect("p_value");
        let fell_back = case["fell_back"].as_bool().expect("fell_back");
        let want_method = match (case["method"].as_str(), fell_back) {
            (Some("exact"), false) => KsMethod::Exact,
            (Some("exact"), true) | (Some("asymp"), _) => KsMethod::Asymptotic,
            other => panic!("bad method {other:?}"),
        };

        let r = ks_2samp_sorted(&a, &b);
        if let Some(kolmogn_branch) = branch.strip_prefix("asymp_") {
            // The Rust dispatch must agree with the generator's reading.
            let (n1, n2) = (a.len().max(b.len()) as f64, a.len().min(b.len()) as f64);
            let en = (n1 * n2 / (n1 + n2)).round_ties_even();
            let label = branch_label(kstwo_sf_branch(en, r.statistic));
            if label != kolmogn_branch.trim_end_matches("_large_n") {
                failures.push(format!("{name}: branch {label}, generator says {branch}"));
            }
        }
        stat_worst
            .entry(branch.clone())
            .or_default()
            .record(name, r.statistic, want_stat);
        p_worst
            .entry(branch.clone())
            .or_default()
            .record(name, r.p_value, want_p);

        let stat_ok = rel_err(r.statistic, want_stat) <= STAT_REL_TOL
            || (r.statistic - want_stat).abs() <= 1e-15;
        let p_ok = match want_method {
            KsMethod::Exact if want_p < EXACT_SMALL_P => {
                (r.p_value - want_p).abs() <= EXACT_SMALL_ABS_TOL
            }
            KsMethod::Exact => rel_err(r.p_value, want_p) <= EXACT_REL_TOL,
            KsMethod::Asymptotic => (r.p_value - want_p).abs() <= ASYMP_ABS_TOL,
        };
        if !stat_ok || !p_ok || r.method != want_method {
            failures.push(format!(
                "{name}: got D={:e} p={:e} {:?}, want D={want_stat:e} p={want_p:e} {want_method:?}",
                r.statistic, r.p_value, r.method
            ));
        }
    }
    report("ks_2samp statistic errors by branch:", &stat_worst);
    report("ks_2samp p-value errors by branch:", &p_worst);
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

#[test]
fn kstwo_sf_matches_scipy() {
    let data = load();
    let cases = data["kstwo_sf_cases"].as_array().expect("kstwo_sf_cases");
    let mut worst: BTreeMap<String, Worst> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in cases {
        let n = case["n"].as_f64().expect("n");
        let x = case["x"].as_f64().expect("x");
        let want = case["sf"].as_f64().expect("sf");
        let branch = case["branch"].as_str().expect("branch").to_string();
        let got = kstwo_sf(n, x);
        let name = format!("n={n} x={x:e}");
        // The Rust dispatch must agree with the generator's reading of _kolmogn.
        let label = branch_label(kstwo_sf_branch(n, x));
        if label != branch.trim_end_matches("_large_n") {
            failures.push(format!("{name}: branch {label}, generator says {branch}"));
        }
        worst.entry(branch).or_default().record(&name, got, want);
        let ok = (got - want).abs() <= ASYMP_ABS_TOL || (got.is_nan() && want.is_nan());
        if !ok {
            failures.push(format!("{name}: got {got:e}, want {want:e}"));
        }
    }
    report("kstwo.sf errors by branch:", &worst);
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}
