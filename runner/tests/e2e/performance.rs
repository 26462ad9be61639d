//! The `performance` plugin end to end on the credit-risk holdout: both
//! demos, every rule's pass and fail path in one suite, and bad data.

use crate::support::{Scratch, check, finding};

fn number(f: &serde_json::Value, key: &str) -> f64 {
    f["properties"][key]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no numeric property {key} in {f:#}"))
}

#[test]
fn demo_candidate_is_non_inferior_everywhere_and_the_regressed_one_is_not() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("mltest.toml", &["--only", "performance"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let perf = check(&report, "performance");
    assert_eq!(perf["outcome"], "pass", "{perf:#}");
    let all = finding(perf, "performance.roc_auc[all]");
    assert_eq!(all["properties"]["rows"], "12000");
    assert_eq!(all["properties"]["non_inferior.method"], "delong");
    assert!(number(all, "non_inferior.ci_low") > 0.0, "{all:#}");
    assert!(number(all, "non_inferior.p_value") < 1e-6, "{all:#}");
    let accuracy = finding(perf, "performance.accuracy[all]");
    assert_eq!(accuracy["properties"]["non_inferior.method"], "mcnemar");
    assert!(accuracy["properties"]["non_inferior.mcnemar_exact_p_value"].is_string());
    let loss = finding(perf, "performance.log_loss[all]");
    assert_eq!(loss["properties"]["max_regression.reference"], "champion");
    assert!(number(loss, "max_regression.observed") < 0.0, "{loss:#}");
    // 4 regions and 3 age bands, each non-inferior by the bootstrap.
    for slice in [
        "region=east",
        "region=north",
        "region=south",
        "region=west",
        "age_band=35_to_55",
        "age_band=over_55",
        "age_band=under_35",
    ] {
        let f = finding(perf, &format!("performance.roc_auc[{slice}]"));
        assert_eq!(f["outcome"], "pass", "{f:#}");
        assert_eq!(f["properties"]["non_inferior.resamples"], "1000");
    }
    assert_eq!(
        finding(perf, "performance.roc_auc[region=west]")["properties"]["rows"],
        "1760"
    );
    assert_eq!(
        finding(perf, "performance.roc_auc[gap:region]")["outcome"],
        "pass"
    );

    let (run, report) = scratch.run_suite("regressed.toml", &["--only", "performance"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let perf = check(&report, "performance");
    // Overall, the regressed candidate still looks fine…
    let all = finding(perf, "performance.roc_auc[all]");
    assert_eq!(all["outcome"], "pass", "{all:#}");
    // …but in the west it is worse than the champion, and the bootstrap
    // interval excludes no difference: the loss is real.
    let west = finding(perf, "performance.roc_auc[region=west]");
    assert_eq!(west["outcome"], "fail", "{west:#}");
    assert!(number(west, "non_inferior.ci_high") < 0.0, "{west:#}");
    assert!(number(west, "non_inferior.difference") < -0.02, "{west:#}");
    let message = west["message"].as_str().unwrap();
    assert!(
        message.contains("paired bootstrap, 1000 resamples, seed 20261202")
            && message.contains("not shown non-inferior"),
        "{message}"
    );
    let gap = finding(perf, "performance.roc_auc[gap:region]");
    assert_eq!(gap["outcome"], "fail", "{gap:#}");
    assert_eq!(gap["properties"]["worst_slice"], "region=west");
    for other in ["region=east", "region=north", "region=south"] {
        let f = finding(perf, &format!("performance.roc_auc[{other}]"));
        assert_eq!(f["outcome"], "pass", "{f:#}");
    }
    scratch.validate_junit("report.xml");
}

/// One check per rule and path, all in one suite over the demo holdout.
/// The "swapped" checks make the champion the candidate: it is worse.
const RULES: &[(&str, &str, &str, &str)] = &[
    // (check id, params after table/label, finding, outcome)
    (
        "min-pass",
        "metrics.roc_auc = { min = 0.78 }",
        "roc_auc[all]",
        "pass",
    ),
    (
        "min-fail",
        "metrics.roc_auc = { min = 0.8 }",
        "roc_auc[all]",
        "fail",
    ),
    (
        "max-pass",
        "metrics.log_loss = { max = 0.56 }",
        "log_loss[all]",
        "pass",
    ),
    (
        "max-fail",
        "metrics.log_loss = { max = 0.5 }",
        "log_loss[all]",
        "fail",
    ),
    (
        "regression-pass",
        "metrics.roc_auc = { max_regression = 0.0 }",
        "roc_auc[all]",
        "pass",
    ),
    (
        "regression-fail",
        "SWAP metrics.roc_auc = { max_regression = 0.01 }",
        "roc_auc[all]",
        "fail",
    ),
    (
        "relative-pass",
        "SWAP metrics.roc_auc = { max_relative_regression = 0.05 }",
        "roc_auc[all]",
        "pass",
    ),
    (
        "relative-fail",
        "SWAP metrics.roc_auc = { max_relative_regression = 0.01 }",
        "roc_auc[all]",
        "fail",
    ),
    (
        "improvement-pass",
        "metrics.roc_auc = { min_improvement = 0.01 }",
        "roc_auc[all]",
        "pass",
    ),
    (
        "improvement-fail",
        "metrics.roc_auc = { min_improvement = 0.02 }",
        "roc_auc[all]",
        "fail",
    ),
    (
        "delong-pass",
        "SWAP metrics.roc_auc = { non_inferior = { margin = 0.02 } }",
        "roc_auc[all]",
        "pass",
    ),
    (
        "delong-fail",
        "SWAP metrics.roc_auc = { non_inferior = { margin = 0.005 } }",
        "roc_auc[all]",
        "fail",
    ),
    (
        "bootstrap-pass",
        "SWAP bootstrap = { resamples = 200, seed = 1 }\nmetrics.log_loss = { non_inferior = { margin = 0.03 } }",
        "log_loss[all]",
        "pass",
    ),
    (
        "bootstrap-fail",
        "SWAP bootstrap = { resamples = 200, seed = 1 }\nmetrics.log_loss = { non_inferior = { margin = 0.005 } }",
        "log_loss[all]",
        "fail",
    ),
    (
        "mcnemar-pass",
        "SWAP metrics.accuracy = { non_inferior = { margin = 0.03 } }",
        "accuracy[all]",
        "pass",
    ),
    (
        "mcnemar-fail",
        "SWAP metrics.accuracy = { non_inferior = { margin = 0.0 } }",
        "accuracy[all]",
        "fail",
    ),
    (
        "superior-pass",
        "metrics.roc_auc = { superior = { margin = 0.005 } }",
        "roc_auc[all]",
        "pass",
    ),
    (
        "superior-fail",
        "metrics.roc_auc = { superior = { margin = 0.02 } }",
        "roc_auc[all]",
        "fail",
    ),
    (
        "slice-min-pass",
        "slices = [\"region\"]\nmetrics.roc_auc = { slices = { min = 0.7 } }",
        "roc_auc[region=east]",
        "pass",
    ),
    (
        "slice-min-fail",
        "slices = [\"region\"]\nmetrics.roc_auc = { slices = { min = 0.78 } }",
        "roc_auc[region=east]",
        "fail",
    ),
    (
        "slice-max-pass",
        "slices = [\"region\"]\nmetrics.log_loss = { slices = { max = 0.6 } }",
        "log_loss[region=east]",
        "pass",
    ),
    (
        "slice-max-fail",
        "slices = [\"region\"]\nmetrics.log_loss = { slices = { max = 0.56 } }",
        "log_loss[region=east]",
        "fail",
    ),
    (
        "gap-pass",
        "slices = [\"region\"]\nmetrics.roc_auc = { slices = { max_gap = 0.05 } }",
        "roc_auc[gap:region]",
        "pass",
    ),
    (
        "gap-fail",
        "slices = [\"region\"]\nmetrics.roc_auc = { slices = { max_gap = 0.02 } }",
        "roc_auc[gap:region]",
        "fail",
    ),
    (
        "slice-regression-pass",
        "slices = [\"age_band\"]\nmetrics.roc_auc = { slices = { max_regression = 0.0 } }",
        "roc_auc[age_band=over_55]",
        "pass",
    ),
    (
        "slice-regression-fail",
        "SWAP slices = [\"age_band\"]\nmetrics.roc_auc = { slices = { max_regression = 0.01 } }",
        "roc_auc[age_band=over_55]",
        "fail",
    ),
    (
        "slice-non-inferior-pass",
        "slices = [[\"region\", \"age_band\"]]\nmetrics.roc_auc = { slices = { non_inferior = { margin = 0.05 } } }",
        "roc_auc[region=west,age_band=over_55]",
        "pass",
    ),
    (
        "slice-non-inferior-fail",
        "SWAP slices = [\"region\"]\nmetrics.roc_auc = { slices = { non_inferior = { margin = 0.0 } } }",
        "roc_auc[region=north]",
        "fail",
    ),
    (
        "too-small",
        "slices = [\"region\"]\nmin_slice_size = 2000\nmetrics.roc_auc = { slices = { min = 0.5 } }",
        "roc_auc[region=west]",
        "skip",
    ),
    (
        "baseline-pass",
        "NOCHAMPION baseline = \"champion_metrics\"\nmetrics.roc_auc = { max_regression = 0.01 }",
        "roc_auc[all]",
        "pass",
    ),
    (
        "baseline-fail",
        "NOCHAMPION baseline = \"champion_metrics\"\nmetrics.roc_auc = { max_regression = 0.005 }",
        "roc_auc[all]",
        "fail",
    ),
    (
        "no-champion",
        "NOCHAMPION metrics.roc_auc = { non_inferior = { margin = 0.01 } }",
        "roc_auc[all]",
        "skip",
    ),
];

fn rules_suite() -> String {
    let mut suite = String::from(
        "[suite]\nname = \"performance-rules\"\n[defaults]\ntimeout = \"60s\"\n[artifacts]\n\
         holdout = \"data/holdout.parquet\"\nchampion_metrics = \"metrics/champion.json\"\n",
    );
    for (id, params, _, _) in RULES {
        let (models, params) = if let Some(rest) = params.strip_prefix("SWAP ") {
            (
                "candidate = \"champion_score\"\nchampion = \"candidate_score\"\n",
                rest,
            )
        } else if let Some(rest) = params.strip_prefix("NOCHAMPION ") {
            ("candidate = \"candidate_score\"\n", rest)
        } else {
            (
                "candidate = \"candidate_score\"\nchampion = \"champion_score\"\n",
                *params,
            )
        };
        suite.push_str(&format!(
            "\n[[check]]\nid = \"{id}\"\nplugin = \"performance\"\n[check.params]\n\
             table = \"holdout\"\nlabel = \"default\"\n{models}{params}\n"
        ));
    }
    suite
}

#[test]
fn every_rule_passes_and_fails_where_it_should() {
    let scratch = Scratch::credit_risk();
    scratch.write("rules.toml", rules_suite());
    let (run, report) = scratch.run_suite("rules.toml", &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    for (id, _, name, outcome) in RULES {
        let f = finding(check(&report, id), &format!("performance.{name}"));
        assert_eq!(f["outcome"], *outcome, "{id}: {f:#}");
    }
    // Every comparison finding states its interval, p-value and method.
    for id in [
        "delong-fail",
        "bootstrap-fail",
        "mcnemar-fail",
        "superior-pass",
    ] {
        let f = &check(&report, id)["findings"][0];
        for key in [
            "ci_low",
            "ci_high",
            "p_value",
            "method",
            "margin",
            "confidence",
        ] {
            let kind = if id.starts_with("superior") {
                "superior"
            } else {
                "non_inferior"
            };
            assert!(
                f["properties"][format!("{kind}.{key}")].is_string(),
                "{id} {key}: {f:#}"
            );
        }
    }
    let boot = &check(&report, "bootstrap-fail")["findings"][0];
    assert_eq!(boot["properties"]["non_inferior.seed"], "1");
    assert_eq!(boot["properties"]["non_inferior.resamples"], "200");
    let small = finding(
        check(&report, "too-small"),
        "performance.roc_auc[region=west]",
    );
    assert_eq!(small["properties"]["rows"], "1760");
    assert!(
        small["message"]
            .as_str()
            .unwrap()
            .contains("fewer than min_slice_size 2000"),
        "{small:#}"
    );
    let base = &check(&report, "baseline-fail")["findings"][0];
    assert!(
        base["message"]
            .as_str()
            .unwrap()
            .contains("vs baseline 0.797934"),
        "{base:#}"
    );
    scratch.validate_junit("report.xml");
}

#[test]
fn the_same_seed_gives_the_same_interval() {
    let scratch = Scratch::credit_risk();
    let interval = |seed: u64| {
        scratch.write(
            "seeded.toml",
            rules_suite().replace("seed = 1 }", &format!("seed = {seed} }}")),
        );
        let (_, report) = scratch.run_suite("seeded.toml", &["--only", "bootstrap-pass"]);
        let f = check(&report, "bootstrap-pass")["findings"][0].clone();
        (
            number(&f, "non_inferior.ci_low"),
            number(&f, "non_inferior.ci_high"),
        )
    };
    let first = interval(1);
    assert_eq!(first, interval(1), "reproducible");
    assert_ne!(first, interval(2), "the seed matters");
}

fn error_of(report: &serde_json::Value, id: &str) -> String {
    let c = check(report, id);
    assert_eq!(c["outcome"], "error", "{c:#}");
    finding(c, "check")["message"].as_str().unwrap().to_string()
}

#[test]
fn bad_holdouts_and_bad_rules_are_that_checks_error() {
    let scratch = Scratch::credit_risk();
    scratch.write(
        "data/strings.csv",
        "outcome,score,old,w,region\nbad,0.9,0.8,1,n\ngood,0.2,0.3,0,n\nbad,0.7,0.4,2,s\ngood,0.4,0.6,1,s\nbad,0.6,0.5,1,s\ngood,0.1,0.2,1,n\n",
    );
    scratch.write(
        "data/nan.csv",
        "outcome,score,old\nbad,0.9,0.8\ngood,NaN,0.3\n",
    );
    let check_of = |id: &str, table: &str, params: &str| {
        format!(
            "\n[[check]]\nid = \"{id}\"\nplugin = \"performance\"\n[check.params]\n\
             table = \"{table}\"\nlabel = \"outcome\"\npositive = \"bad\"\ncandidate = \"score\"\n{params}\n"
        )
    };
    let mut suite = String::from(
        "[suite]\nname = \"performance-errors\"\n[artifacts]\nstrings = \"data/strings.csv\"\nnan = \"data/nan.csv\"\n",
    );
    suite.push_str(&check_of(
        "strings",
        "strings",
        "champion = \"old\"\nweight = \"w\"\nmin_slice_size = 1\nslices = [\"region\"]\n\
         bootstrap = { resamples = 50, seed = 3 }\n\
         metrics.roc_auc = { min = 0.9, non_inferior = { margin = 0.5, method = \"bootstrap\" } }\n\
         metrics.accuracy = { slices = { min = 0.5 } }",
    ));
    suite.push_str(&check_of("nan", "nan", "metrics.roc_auc = { min = 0.5 }"));
    suite.push_str(&check_of(
        "weighted-delong",
        "strings",
        "champion = \"old\"\nweight = \"w\"\nmetrics.roc_auc = { non_inferior = { margin = 0.01 } }",
    ));
    suite.push_str(&check_of(
        "missing-column",
        "strings",
        "champion = \"nope\"\nmetrics.roc_auc = { min = 0.5 }",
    ));
    scratch.write("errors.toml", suite);
    let (run, report) = scratch.run_suite("errors.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());

    // String labels with `positive`, zero weights: measured, weighted.
    let strings = check(&report, "strings");
    let auc = finding(strings, "performance.roc_auc[all]");
    assert_eq!(auc["properties"]["rows"], "6");
    assert_eq!(auc["properties"]["weight"], "6");
    assert_eq!(auc["outcome"], "pass", "{auc:#}");
    assert_eq!(auc["properties"]["non_inferior.method"], "bootstrap");
    assert!(finding(strings, "performance.accuracy[region=n]")["outcome"].is_string());

    let nan = error_of(&report, "nan");
    assert!(nan.contains("nan.csv") && nan.contains("`score`"), "{nan}");
    let weighted = error_of(&report, "weighted-delong");
    assert!(weighted.contains("cannot use `weight`"), "{weighted}");
    let missing = error_of(&report, "missing-column");
    assert!(missing.contains("nope"), "{missing}");
    scratch.validate_junit("report.xml");
}

/// A multiclass and a regression case from the kernels' scikit-learn
/// reference file, through the plugin: the findings' values are
/// scikit-learn's, and the task's parameters reach the kernels.
#[test]
fn multiclass_and_regression_holdouts_measure_as_scikit_learn_does() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::support::root().join("kernels/src/testdata/quality.json"))
            .unwrap(),
    )
    .unwrap();
    let scratch = Scratch::credit_risk();
    let float = |v: &serde_json::Value| v.as_f64().unwrap_or_else(|| panic!("{v}"));

    let mc = &reference["multiclass"][0];
    assert_eq!(mc["weight"], serde_json::Value::Null, "an unweighted case");
    let classes: Vec<String> = mc["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut csv = format!(
        "y,pred,{}\n",
        classes
            .iter()
            .map(|c| format!("p{c}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (y, row) in mc["y"]
        .as_array()
        .unwrap()
        .iter()
        .zip(mc["proba"].as_array().unwrap())
    {
        let p: Vec<f64> = row.as_array().unwrap().iter().map(float).collect();
        // numpy.argmax: the first maximum.
        let best = (0..p.len()).fold(0, |b, j| if p[j] > p[b] { j } else { b });
        let cells: Vec<String> = p.iter().map(|x| format!("{x:?}")).collect();
        csv.push_str(&format!("{y},{},{}\n", classes[best], cells.join(",")));
    }
    scratch.write("data/multiclass.csv", csv);

    let rg = &reference["regression"][0];
    assert_eq!(rg["weight"], serde_json::Value::Null, "an unweighted case");
    let mut csv = String::from("y,pred\n");
    for (y, p) in rg["y"]
        .as_array()
        .unwrap()
        .iter()
        .zip(rg["pred"].as_array().unwrap())
    {
        csv.push_str(&format!("{:?},{:?}\n", float(y), float(p)));
    }
    scratch.write("data/regression.csv", csv);

    let rules = |metrics: &serde_json::Value| {
        metrics
            .as_object()
            .unwrap()
            .keys()
            .map(|m| format!("metrics.{m} = {{ min = -1e300 }}\n"))
            .collect::<String>()
    };
    let probabilities = classes
        .iter()
        .map(|c| format!("\"{c}\" = \"p{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let suite = format!(
        "[suite]\nname = \"tasks\"\n[artifacts]\nmc = \"data/multiclass.csv\"\nrg = \"data/regression.csv\"\n\
         \n[[check]]\nid = \"multiclass\"\nplugin = \"performance\"\n[check.params]\ntable = \"mc\"\n\
         task = \"multiclass\"\nlabel = \"y\"\ntop_k = {}\n\
         candidate = {{ prediction = \"pred\", probabilities = {{ {probabilities} }} }}\n{}\
         \n[[check]]\nid = \"regression\"\nplugin = \"performance\"\n[check.params]\ntable = \"rg\"\n\
         task = \"regression\"\nlabel = \"y\"\ncandidate = \"pred\"\n{}",
        mc["k"],
        rules(&mc["expected"]),
        rules(&rg["expected"]),
    );
    scratch.write("tasks.toml", suite);
    let (run, report) = scratch.run_suite("tasks.toml", &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    for (id, case) in [("multiclass", mc), ("regression", rg)] {
        let expected = case["expected"].as_object().unwrap();
        assert!(expected.len() >= 7, "{id}: {expected:?}");
        for (metric, want) in expected {
            let f = finding(check(&report, id), &format!("performance.{metric}[all]"));
            let got = f["observed"].as_f64().unwrap_or_else(|| panic!("{f:#}"));
            let want = float(want);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1e-300),
                "{id} {metric}: {got} vs scikit-learn {want}"
            );
        }
    }
}
