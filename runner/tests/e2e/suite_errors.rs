//! Every kind of suite-file mistake: exit code 2, and a diagnostic that
//! points at the span in the suite file (snapshotted).

use crate::support::Scratch;

/// Applies `edit` to the passing suite, validates it, snapshots stderr.
fn diagnose(name: &str, edit: impl FnOnce(String) -> String) {
    let scratch = Scratch::credit_risk();
    scratch.write("bad.toml", edit(scratch.read("mltest.toml")));
    let run = scratch.mltest(&["validate", "bad.toml"]);
    assert_eq!(run.code(), 2, "{name}: {}", run.all());
    assert!(run.stdout().is_empty(), "{name}: {}", run.all());
    insta::assert_snapshot!(name, run.stderr());
    // `run` fails the same way, before any check runs.
    let run = scratch.mltest(&["run", "bad.toml", "--junit", "never.xml"]);
    assert_eq!(run.code(), 2, "{name}");
    assert!(
        !scratch.path("never.xml").exists(),
        "{name}: no report for an invalid suite"
    );
}

fn replace(from: &'static str, to: &'static str) -> impl FnOnce(String) -> String {
    move |suite| {
        assert!(suite.contains(from), "fixture changed: `{from}` not found");
        suite.replacen(from, to, 1)
    }
}

#[test]
fn toml_syntax() {
    diagnose("syntax", replace("[defaults]", "[defaults"));
}

#[test]
fn unknown_top_level_key() {
    diagnose(
        "unknown_top_level_key",
        replace("[artifacts]", "[artifact]"),
    );
}

#[test]
fn unknown_check_key() {
    diagnose(
        "unknown_check_key",
        replace("id = \"metrics\"", "id = \"metrics\"\nseverty = \"warn\""),
    );
}

#[test]
fn wrong_type() {
    diagnose("wrong_type", replace("timeout = \"30s\"", "timeout = 30"));
}

#[test]
fn invalid_duration_and_size() {
    diagnose(
        "invalid_limits",
        replace(
            "timeout = \"30s\"\nmemory = \"256MiB\"",
            "timeout = \"soon\"\nmemory = \"lots\"",
        ),
    );
}

#[test]
fn invalid_severity() {
    diagnose(
        "invalid_severity",
        replace("id = \"metrics\"", "id = \"metrics\"\nseverity = \"fatal\""),
    );
}

#[test]
fn duplicate_check_id() {
    diagnose(
        "duplicate_id",
        replace("id = \"metrics\"", "id = \"schema\""),
    );
}

#[test]
fn unknown_artifact() {
    diagnose(
        "unknown_artifact",
        replace("actual = \"serving\"", "actual = \"servng\""),
    );
}

#[test]
fn unknown_plugin() {
    diagnose(
        "unknown_plugin",
        replace("plugin = \"schema\"", "plugin = \"shema\""),
    );
}

#[test]
fn unknown_parameter() {
    diagnose(
        "unknown_parameter",
        replace("extra_columns = \"warn\"", "extra_colums = \"warn\""),
    );
}

#[test]
fn parameter_of_the_wrong_type() {
    diagnose("parameter_type", replace("min = 0.75", "min = \"high\""));
}

#[test]
fn parameter_outside_its_enum() {
    diagnose(
        "parameter_enum",
        replace("extra_columns = \"warn\"", "extra_columns = \"sometimes\""),
    );
}

#[test]
fn missing_parameter() {
    diagnose(
        "missing_parameter",
        replace("candidate = \"candidate_metrics\"\n", ""),
    );
}

#[test]
fn missing_artifact_file() {
    diagnose(
        "missing_file",
        replace("data/serving.csv", "data/serving-v2.csv"),
    );
}

#[test]
fn unknown_format() {
    diagnose(
        "unknown_format",
        replace(
            "serving = \"data/serving.csv\"",
            "serving = { path = \"data/serving.csv\", format = \"cvs\" }",
        ),
    );
}

#[test]
fn no_checks() {
    diagnose("no_checks", |suite| {
        suite.split("[[check]]").next().unwrap().to_string()
    });
}

#[test]
fn several_mistakes_are_reported_together() {
    diagnose("several", |suite| {
        suite
            .replacen("timeout = \"30s\"", "timeout = \"soon\"", 1)
            .replacen("id = \"metrics\"", "id = \"schema\"", 1)
            .replacen("[suite]", "[suite]\nnmae = \"x\"", 1)
    });
}

#[test]
fn missing_suite_file() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(&["validate", "nope.toml"]);
    assert_eq!(run.code(), 2);
    insta::assert_snapshot!("missing_suite", run.stderr());
}
