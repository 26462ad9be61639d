//! The credit-risk demo: the passing and the regressed candidate.

use crate::support::{Scratch, check, count, finding};

/// The demo's checks, each run by the built-in plugin of the same name.
const DEMO_CHECKS: [&str; 6] = [
    "schema",
    "metrics",
    "performance",
    "drift",
    "fairness",
    "determinism",
];

#[test]
fn passing_candidate_passes_with_a_warning_and_valid_reports() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("mltest.toml", &[]);
    assert_eq!(run.code(), 0, "{}", run.all());
    assert_eq!(report["suite"], "credit-risk");
    assert_eq!(
        report["outcome"], "warn",
        "an extra serving column is a warning, not a failure"
    );
    assert_eq!(
        finding(check(&report, "schema"), "schema.extra[request_id]")["outcome"],
        "warn"
    );
    for id in DEMO_CHECKS {
        assert_eq!(
            check(&report, id)["outcome"],
            if id == "schema" { "warn" } else { "pass" }
        );
        let digest = check(&report, id)["plugin_digest"].as_str().unwrap();
        assert_eq!(digest.len(), 64, "sha256 hex digest");
    }
    let auc = finding(check(&report, "metrics"), "metrics.regression[auc]");
    assert_eq!(auc["outcome"], "pass");
    assert_eq!(auc["threshold"], 0.01);
    assert_eq!(
        auc["properties"]["candidate"], "0.805178",
        "the latest step of the MLflow metric list is used"
    );
    assert!(run.stdout().contains("PASSED"), "{}", run.all());

    let junit = scratch.validate_junit("report.xml");
    assert_eq!(junit["suites"], 6);
    assert_eq!(junit["failures"], 0);
    assert_eq!(junit["errors"], 0);
    let findings = count(&report, "pass") + count(&report, "warn") + count(&report, "skip");
    assert_eq!(junit["tests"], findings);
}

#[test]
fn regressed_candidate_fails_for_each_planted_reason() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("regressed.toml", &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    assert_eq!(report["outcome"], "fail");
    let schema = check(&report, "schema");
    let metrics = check(&report, "metrics");
    for (check, name) in [
        (schema, "schema.presence[credit_score]"),
        (schema, "schema.type[age]"),
        (schema, "schema.categories[employment_type]"),
        (metrics, "metrics.regression[auc]"),
        (metrics, "metrics.min[auc]"),
        (check(&report, "drift"), "drift.dataset"),
        (
            check(&report, "fairness"),
            "fairness.demographic_parity_ratio[sex]",
        ),
        (
            check(&report, "determinism"),
            "determinism.column[score@2/predictions vs score@1/predictions: score]",
        ),
    ] {
        assert_eq!(finding(check, name)["outcome"], "fail", "{name}");
    }
    assert_eq!(
        finding(schema, "schema.extra[fico_score]")["outcome"],
        "warn"
    );
    let age = finding(schema, "schema.type[age]");
    assert_eq!(age["properties"]["expected_type"], "long");
    assert_eq!(age["properties"]["rule"], "refused");
    let auc = finding(metrics, "metrics.regression[auc]");
    assert!((auc["observed"].as_f64().unwrap() - (0.797934 - 0.699326)).abs() < 1e-9);
    assert!(
        finding(schema, "schema.categories[employment_type]")["message"]
            .as_str()
            .unwrap()
            .contains("gig_worker")
    );

    let junit = scratch.validate_junit("report.xml");
    assert_eq!(junit["failures"], count(&report, "fail"));
    assert_eq!(
        junit["tests"],
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["findings"].as_array().unwrap().len())
            .sum::<usize>()
    );
    let failed: Vec<&str> = junit["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "failure")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"schema.type[age]") && failed.contains(&"metrics.regression[auc]"),
        "{failed:?}"
    );
    // Names are stable ids, never messages; and unique within each class.
    let mut keys: Vec<String> = junit["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}/{}", c["classname"], c["name"]))
        .collect();
    let total = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), total);
    let xml = scratch.read("report.xml");
    assert!(
        xml.contains("observed: 0.098608") && xml.contains("threshold: 0.01"),
        "failure text says observed vs threshold"
    );
}

#[test]
fn only_and_skip_select_checks_by_glob() {
    let scratch = Scratch::credit_risk();
    let (run, report) = scratch.run_suite("regressed.toml", &["--only", "metr*"]);
    assert_eq!(run.code(), 1);
    assert_eq!(report["checks"].as_array().unwrap().len(), 1);
    assert_eq!(report["checks"][0]["id"], "metrics");

    let (_, report) = scratch.run_suite(
        "regressed.toml",
        &["--skip", "metrics", "--skip", "d*", "--skip", "perf*"],
    );
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["schema", "fairness"]);

    let run = scratch.mltest(&["run", "regressed.toml", "--only", "nothing-*"]);
    assert_eq!(
        run.code(),
        2,
        "selecting no check is a usage error: {}",
        run.all()
    );
    assert!(run.stderr().contains("no check matches"), "{}", run.all());
}

#[test]
fn warn_severity_reports_failures_without_gating() {
    let scratch = Scratch::credit_risk();
    let suite = scratch.read("regressed.toml").replace(
        "id = \"metrics\"\nplugin = \"metrics\"",
        "id = \"metrics\"\nplugin = \"metrics\"\nseverity = \"warn\"",
    );
    scratch.write("warn.toml", suite);
    let (run, report) = scratch.run_suite("warn.toml", &["--only", "metrics"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let metrics = check(&report, "metrics");
    assert_eq!(metrics["outcome"], "warn");
    assert_eq!(
        finding(metrics, "metrics.regression[auc]")["outcome"],
        "warn"
    );
    assert_eq!(scratch.validate_junit("report.xml")["failures"], 0);
}

#[test]
fn missing_baseline_skips_baseline_rules_visibly() {
    let scratch = Scratch::credit_risk();
    let suite = scratch
        .read("mltest.toml")
        .replace("baseline = \"champion_metrics\"\n", "");
    scratch.write("nobase.toml", suite);
    let (run, report) = scratch.run_suite("nobase.toml", &["--only", "metrics"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let skipped = finding(check(&report, "metrics"), "metrics.regression[auc]");
    assert_eq!(skipped["outcome"], "skip");
    assert!(skipped["message"].as_str().unwrap().contains("no baseline"));
    let junit = scratch.validate_junit("report.xml");
    assert_eq!(junit["skipped"], count(&report, "skip"));
}

#[test]
fn json_to_stdout_and_validate_and_plugins() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(&["run", "mltest.toml", "--json", "-"]);
    assert_eq!(run.code(), 0);
    let report: serde_json::Value =
        serde_json::from_str(&run.stdout()).expect("stdout is the JSON report alone");
    assert_eq!(report["checks"].as_array().unwrap().len(), 6);

    let run = scratch.mltest(&["validate", "regressed.toml"]);
    assert_eq!(
        run.code(),
        0,
        "a failing candidate is still a valid suite: {}",
        run.all()
    );
    assert!(
        run.stdout().contains("valid (10 artifacts, 6 checks)"),
        "{}",
        run.all()
    );

    let run = scratch.mltest(&["plugins"]);
    assert_eq!(run.code(), 0);
    for plugin in DEMO_CHECKS {
        assert!(
            run.stdout()
                .lines()
                .any(|l| l.starts_with(plugin) && l.contains("sha256:")),
            "{}",
            run.all()
        );
    }
    let run = scratch.mltest(&["plugins", "--schema", "schema"]);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(schema["properties"]["actual"]["format"], "mltest-artifact");
}

#[test]
fn second_run_loads_compiled_plugins_from_the_cache() {
    let scratch = Scratch::credit_risk();
    let cache = scratch.path(".cache");
    assert!(!cache.exists());
    assert_eq!(scratch.mltest(&["validate", "mltest.toml"]).code(), 0);
    let entries: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        entries.len(),
        6,
        "one compiled entry per built-in plugin: {entries:?}"
    );
    assert!(entries.iter().all(|e| e.ends_with(".cwasm")));
    // A damaged entry is recompiled, not trusted.
    for entry in &entries {
        std::fs::write(cache.join(entry), b"garbage").unwrap();
    }
    assert_eq!(scratch.mltest(&["run", "mltest.toml"]).code(), 0);
    for entry in &entries {
        assert!(
            std::fs::metadata(cache.join(entry)).unwrap().len() > 1000,
            "rewritten"
        );
    }
    // Damaged machine code behind an intact header crashed the runner:
    // flip bytes in the middle of every entry (its code section), keep
    // the length and the header.
    let intact: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| std::fs::read(cache.join(e)).unwrap())
        .collect();
    for (entry, bytes) in entries.iter().zip(&intact) {
        let mut damaged = bytes.clone();
        let middle = damaged.len() / 2;
        for b in &mut damaged[middle..middle + 64] {
            *b ^= 0xff;
        }
        std::fs::write(cache.join(entry), damaged).unwrap();
    }
    let run = scratch.mltest(&["run", "mltest.toml"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    for (entry, bytes) in entries.iter().zip(&intact) {
        let now = std::fs::read(cache.join(entry)).unwrap();
        use sha2::Digest;
        let (sum, code) = now.split_at(32);
        assert_eq!(
            sum,
            sha2::Sha256::digest(code).as_slice(),
            "a sound entry again"
        );
        assert_eq!(now.len(), bytes.len(), "recompiled to the same size");
    }
}

#[test]
fn arrow_ipc_serving_table_reads_like_the_csv() {
    let scratch = Scratch::credit_risk();
    let (_, csv) = scratch.run_suite("mltest.toml", &["--only", "schema"]);
    let suite = scratch
        .read("mltest.toml")
        .replace("data/serving.csv", "data/serving.arrow");
    scratch.write("arrow.toml", suite);
    let (run, arrow) = scratch.run_suite("arrow.toml", &["--only", "schema"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let summary = |report: &serde_json::Value| -> Vec<(String, String, String)> {
        check(report, "schema")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["name"].to_string(),
                    f["outcome"].to_string(),
                    f["observed"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        summary(&arrow),
        summary(&csv),
        "same data, same findings, whatever the format"
    );
    assert!(summary(&arrow).len() > 30);
}
