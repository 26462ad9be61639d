//! `mltest init` on the demo's model and data: the suite it writes
//! validates, passes on the passing candidate, and fails on the regressed
//! one when its artifacts point at that candidate's files.

use crate::support::{Scratch, check};

const INIT: &[&str] = &[
    "init",
    "--model",
    "model",
    "--training",
    "data/train.parquet",
    "--current",
    "data/current.parquet",
    "--metrics",
    "metrics/candidate.json",
    "--baseline-metrics",
    "metrics/champion.json",
    "-o",
    "inferred.toml",
];

#[test]
fn init_writes_a_suite_that_validates_passes_and_catches_the_regression() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(INIT);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(
        run.stdout().contains("3 checks: schema, drift, metrics"),
        "{}",
        run.stdout()
    );
    let suite = scratch.read("inferred.toml");

    // Every choice explains itself.
    for line in suite.lines() {
        let is_setting = line.contains(" = ") && !line.starts_with('#');
        let structural = line.starts_with("id = ")
            || line.starts_with("plugin = ")
            || line.starts_with("candidate = ")
            || line.starts_with("baseline = ");
        if is_setting && !structural {
            assert!(line.contains(" # "), "a choice without its reason: {line}");
        }
    }
    assert!(suite.contains("# categorical (text or boolean): employment_type, home_ownership"));
    assert!(suite.contains("term_months (4 values)"));
    assert!(suite.contains("[check.params.thresholds.auc]"));
    assert!(suite.contains("lower is better") && suite.contains("higher is better"));

    let validate = scratch.mltest(&["validate", "inferred.toml"]);
    assert_eq!(validate.code(), 0, "{}", validate.all());
    let (passing, report) = scratch.run_suite("inferred.toml", &[]);
    assert_eq!(
        passing.code(),
        0,
        "the passing candidate passes: {}",
        passing.all()
    );
    assert_eq!(report["checks"].as_array().unwrap().len(), 3);

    // The same suite, pointed at the regressed candidate's files.
    let regressed = suite
        .lines()
        .map(|l| {
            if l.starts_with("model = ") {
                l.replacen("\"model\"", "\"model-regressed\"", 1)
            } else if l.starts_with("current = \"data/") {
                l.replacen("data/current.parquet", "data/current-regressed.parquet", 1)
            } else if l.starts_with("candidate_metrics = ") {
                l.replacen("metrics/candidate.json", "metrics/regressed.json", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    scratch.write("inferred-regressed.toml", regressed);
    let (failing, report) = scratch.run_suite("inferred-regressed.toml", &[]);
    assert_eq!(
        failing.code(),
        1,
        "the regressed candidate fails: {}",
        failing.all()
    );
    assert_eq!(check(&report, "schema")["outcome"], "fail");
    assert_eq!(check(&report, "metrics")["outcome"], "fail");
}

#[test]
fn init_never_overwrites_without_force() {
    let scratch = Scratch::credit_risk();
    scratch.write("inferred.toml", "# mine\n");
    let run = scratch.mltest(INIT);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(
        run.stderr().contains("inferred.toml exists"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("--force"));
    assert_eq!(scratch.read("inferred.toml"), "# mine\n", "left as it was");
    let mut forced = INIT.to_vec();
    forced.push("--force");
    let run = scratch.mltest(&forced);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert!(scratch.read("inferred.toml").contains("[[check]]"));

    let nothing = scratch.mltest(&["init", "-o", "other.toml"]);
    assert_eq!(nothing.code(), 2);
    assert!(
        nothing.stderr().contains("nothing to infer a suite from"),
        "{}",
        nothing.stderr()
    );
}
