//! The `drift` plugin end to end: the demo's pass and fail paths, and the
//! data that breaks naive drift code (empty, all-null, constant, single
//! category, NaN and infinities).

use crate::support::{Scratch, check, finding};

/// A suite comparing two CSV tables with the given extra params.
fn drift_suite(
    scratch: &Scratch,
    reference: &str,
    current: &str,
    params: &str,
) -> serde_json::Value {
    scratch.write("edge/reference.csv", reference);
    scratch.write("edge/current.csv", current);
    scratch.write(
        "edge.toml",
        format!(
            "[artifacts]\nreference = \"edge/reference.csv\"\ncurrent = \"edge/current.csv\"\n\n\
             [[check]]\nid = \"drift\"\nplugin = \"drift\"\n[check.params]\nreference = \"reference\"\ncurrent = \"current\"\n{params}\n"
        ),
    );
    let (run, report) = scratch.run_suite("edge.toml", &[]);
    assert!(matches!(run.code(), 0 | 1 | 3), "{}", run.all());
    scratch.validate_junit("report.xml");
    report
}

fn prop<'a>(f: &'a serde_json::Value, key: &str) -> &'a str {
    f["properties"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no property {key} in {f:#}"))
}

#[test]
fn demo_traffic_has_not_drifted_and_every_finding_names_its_method() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("mltest.toml", &["--only", "drift"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let drift = check(&report, "drift");
    let findings = drift["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 10, "9 feature columns and the dataset");
    for f in findings.iter().filter(|f| f["name"] != "drift.dataset") {
        for key in [
            "method",
            "statistic",
            "threshold",
            "drifted",
            "n_reference",
            "n_current",
        ] {
            assert!(f["properties"].get(key).is_some(), "{key} in {f:#}");
        }
        assert_eq!(prop(f, "n_reference"), "4000");
        assert_eq!(prop(f, "n_current"), "5000");
    }
    let income = finding(drift, "drift[income]");
    assert_eq!(prop(income, "method"), "wasserstein_normed");
    let home = finding(drift, "drift[home_ownership]");
    assert_eq!(prop(home, "method"), "jensen_shannon");
    assert_eq!(finding(drift, "drift.dataset")["outcome"], "pass");
}

#[test]
fn regressed_traffic_drifts_on_the_features_that_moved() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("regressed.toml", &["--only", "drift"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let drift = check(&report, "drift");
    for moved in ["income", "loan_amount", "debt_to_income", "home_ownership"] {
        let f = finding(drift, &format!("drift[{moved}]"));
        assert_eq!(prop(f, "drifted"), "true", "{f:#}");
    }
    for steady in ["age", "term_months", "credit_score", "employment_type"] {
        let f = finding(drift, &format!("drift[{steady}]"));
        assert_eq!(prop(f, "drifted"), "false", "{f:#}");
    }
    let dataset = finding(drift, "drift.dataset");
    assert_eq!(dataset["outcome"], "fail");
    assert_eq!(prop(dataset, "drifted_columns"), "4");
}

#[test]
fn explain_prints_the_choice_per_column() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(&["run", "mltest.toml", "--only", "drift", "--explain"]);
    let out = run.stdout();
    assert!(
        out.contains("chosen: auto (default preset): numerical, 4000 reference values > 1000"),
        "{out}"
    );
    assert!(out.contains("→ jensen_shannon"), "{out}");
}

#[test]
fn small_samples_use_tests_and_the_evidently_preset_uses_goodness_of_fit() {
    let scratch = Scratch::credit_risk();
    let reference: String = "x,c\n".to_string()
        + &(0..200)
            .map(|i| format!("{},{}\n", i % 50, ["a", "b", "c"][i % 3]))
            .collect::<String>();
    let current: String = "x,c\n".to_string()
        + &(0..200)
            .map(|i| format!("{},{}\n", i % 50 + 20, ["a", "b", "c"][i % 3]))
            .collect::<String>();
    let report = drift_suite(&scratch, &reference, &current, "");
    let drift = check(&report, "drift");
    let x = finding(drift, "drift[x]");
    assert_eq!(prop(x, "method"), "ks");
    assert_eq!(prop(x, "drifted"), "true");
    assert!(x["properties"].get("p_value").is_some());
    let c = finding(drift, "drift[c]");
    assert_eq!(prop(c, "method"), "chi_square");
    assert_eq!(prop(c, "p_value"), "1", "identical category shares");

    let report = drift_suite(&scratch, &reference, &current, "preset = \"evidently\"");
    let c = finding(check(&report, "drift"), "drift[c]");
    assert_eq!(prop(c, "method"), "chi_square_gof");
}

#[test]
fn overrides_set_method_and_threshold_per_column() {
    let scratch = Scratch::credit_risk();
    let rows: String = "x,y\n".to_string()
        + &(0..100)
            .map(|i| format!("{i},{}\n", i * 2))
            .collect::<String>();
    let params = "[check.params.per_column.x]\nmethod = \"psi\"\nthreshold = 0.25\n\
                  [check.params.thresholds]\nks = 0.01\n";
    let report = drift_suite(&scratch, &rows, &rows, params);
    let drift = check(&report, "drift");
    let x = finding(drift, "drift[x]");
    assert_eq!((prop(x, "method"), prop(x, "threshold")), ("psi", "0.25"));
    let y = finding(drift, "drift[y]");
    assert_eq!((prop(y, "method"), prop(y, "threshold")), ("ks", "0.01"));
    assert!(prop(y, "reason").starts_with("auto"), "{y:#}");
}

#[test]
fn include_and_exclude_patterns_select_columns() {
    let scratch = Scratch::credit_risk();
    let rows = "a_1,a_2,b\n1,2,3\n4,5,6\n7,8,9\n";
    let report = drift_suite(
        &scratch,
        rows,
        rows,
        "columns = [\"a_*\"]\nexclude = [\"a_2\"]",
    );
    let names: Vec<&str> = check(&report, "drift")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["drift[a_1]", "drift.dataset"]);
}

#[test]
fn edge_cases_are_reported_not_hidden() {
    let scratch = Scratch::credit_risk();
    // all_null: no values on either side; nulls_now: values, then none;
    // constant: one value; single: one category; odd: NaN and infinities.
    let mut reference = String::from("all_null,nulls_now,constant,single,odd\n");
    let mut current = reference.clone();
    for i in 0..60 {
        reference.push_str(&format!(
            ",{i},7,x,{}\n",
            if i % 10 == 0 {
                "NaN".into()
            } else {
                i.to_string()
            }
        ));
        current.push_str(&format!(
            ",,7,x,{}\n",
            if i % 7 == 0 {
                "inf".into()
            } else {
                i.to_string()
            }
        ));
    }
    let report = drift_suite(&scratch, &reference, &current, "");
    let drift = check(&report, "drift");
    assert_eq!(finding(drift, "drift[all_null]")["outcome"], "skip");
    let nulls_now = finding(drift, "drift[nulls_now]");
    assert_eq!(nulls_now["outcome"], "warn");
    assert!(
        nulls_now["message"]
            .as_str()
            .unwrap()
            .contains("null share 0.00% → 100.00%"),
        "{nulls_now:#}"
    );
    let constant = finding(drift, "drift[constant]");
    assert_eq!(
        (constant["outcome"].as_str(), prop(constant, "drifted")),
        (Some("pass"), "false")
    );
    let single = finding(drift, "drift[single]");
    assert_eq!(prop(single, "p_value"), "1");
    let odd = finding(drift, "drift[odd]");
    // NaN and infinities are left out of the statistic, and counted.
    assert_eq!(prop(odd, "n_reference"), "54");
    assert_eq!(prop(odd, "n_current"), "51");
    assert!(
        odd["details"]
            .as_str()
            .unwrap()
            .contains("left out (null, NaN, inf): 6 reference, 9 current")
    );
}

#[test]
fn new_categories_are_reported() {
    let scratch = Scratch::credit_risk();
    let reference: String = "c\n".to_string() + &"a\nb\n".repeat(50);
    let current: String = "c\n".to_string() + &"a\nb\nz\n".repeat(30);
    let report = drift_suite(&scratch, &reference, &current, "new_categories = \"fail\"");
    let c = finding(check(&report, "drift"), "drift[c]");
    assert_eq!(c["outcome"], "fail");
    assert_eq!(prop(c, "new_categories"), "1");
    assert_eq!(prop(c, "new_category_rows"), "30");
    assert!(
        c["message"].as_str().unwrap().contains("\"z\" (30)"),
        "{c:#}"
    );
}

#[test]
fn empty_tables_are_an_error_naming_the_file() {
    let scratch = Scratch::credit_risk();
    let report = drift_suite(&scratch, "x\n1\n2\n", "x\n", "");
    let drift = check(&report, "drift");
    assert_eq!(drift["outcome"], "error");
    let message = drift["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("current.csv") && message.contains("empty"),
        "{message}"
    );
}

#[test]
fn raw_wasserstein_needs_a_threshold() {
    let scratch = Scratch::credit_risk();
    let rows = "x\n1\n2\n3\n";
    let report = drift_suite(&scratch, rows, rows, "method = \"wasserstein\"");
    let x = finding(check(&report, "drift"), "drift[x]");
    assert_eq!(x["outcome"], "error");
    assert!(
        x["message"]
            .as_str()
            .unwrap()
            .contains("no default threshold"),
        "{x:#}"
    );
}

/// `preset = "evidently"` against Evidently 0.7's own verdicts on the
/// fixtures in `fixtures/evidently/` (generated with Evidently installed; see
/// its `generate.py`): the same method, threshold, score and verdict for
/// every column.
#[test]
fn evidently_preset_reproduces_evidently() {
    let scratch = Scratch::credit_risk();
    let dir = crate::support::root().join("fixtures/evidently");
    for size in ["small", "large"] {
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("expected-{size}.json"))).unwrap(),
        )
        .unwrap();
        scratch.write(
            "parity.toml",
            format!(
                // The fixtures stay where they are: a root that holds them.
                "[suite]\nroot = \"/\"\n[artifacts]\nreference = {:?}\ncurrent = {:?}\n[[check]]\nid = \"drift\"\nplugin = \"drift\"\n\
                 [check.params]\nreference = \"reference\"\ncurrent = \"current\"\npreset = \"evidently\"\n",
                dir.join(format!("{size}-reference.parquet")),
                dir.join(format!("{size}-current.parquet")),
            ),
        );
        let (run, report) = scratch.run_suite("parity.toml", &[]);
        assert!(matches!(run.code(), 0 | 1), "{}", run.all());
        let drift = check(&report, "drift");
        let columns = expected["columns"].as_array().unwrap();
        assert!(columns.len() >= 8, "{size}: {} columns", columns.len());
        for want in columns {
            let column = want["column"].as_str().unwrap();
            let got = finding(drift, &format!("drift[{column}]"));
            let method = match want["stattest"].as_str().unwrap() {
                "ks" => "ks",
                "chisquare" => "chi_square_gof",
                "z" => "z",
                "wasserstein" => "wasserstein_normed",
                "jensenshannon" => "jensen_shannon",
                other => panic!("{size}/{column}: unexpected Evidently test {other}"),
            };
            assert_eq!(prop(got, "method"), method, "{size}/{column}: {got:#}");
            let threshold: f64 = prop(got, "threshold").parse().unwrap();
            assert_eq!(
                threshold,
                want["threshold"].as_f64().unwrap(),
                "{size}/{column}"
            );
            let score = got["observed"].as_f64().unwrap();
            let evidently = want["drift_score"].as_f64().unwrap();
            assert!(
                (score - evidently).abs() <= 1e-9 * evidently.abs() + 1e-12,
                "{size}/{column}: {method} {score} vs Evidently {evidently}"
            );
            assert_eq!(
                prop(got, "drifted") == "true",
                want["drifted"].as_bool().unwrap(),
                "{size}/{column}: drift verdict"
            );
        }
        let dataset = finding(drift, "drift.dataset");
        let share = expected["share_of_drifted_columns"].as_f64().unwrap();
        assert!(
            (dataset["observed"].as_f64().unwrap() - share).abs() < 1e-12,
            "{size}: share"
        );
    }
}
