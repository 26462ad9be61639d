//! Bad data: every failure names the file (and column), becomes that check's
//! `<error>`, and leaves the other checks alone.

use crate::support::{Scratch, check, finding};

/// Runs the passing suite with the serving artifact replaced by `file`.
fn with_serving(scratch: &Scratch, file: &str) -> serde_json::Value {
    let suite = scratch.read("mltest.toml").replace(
        "serving = \"data/serving.csv\"",
        &format!("serving = \"{file}\""),
    );
    scratch.write("bad.toml", suite);
    let (run, report) = scratch.run_suite("bad.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    assert_eq!(
        check(&report, "metrics")["outcome"],
        "pass",
        "other checks are unaffected"
    );
    scratch.validate_junit("report.xml");
    report
}

fn schema_error(report: &serde_json::Value) -> String {
    let schema = check(report, "schema");
    assert_eq!(schema["outcome"], "error");
    assert_eq!(schema["error"], "plugin");
    finding(schema, "check")["message"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn corrupt_parquet_names_the_file() {
    let scratch = Scratch::credit_risk();
    let bytes = std::fs::read(scratch.path("data/train.parquet")).unwrap();
    scratch.write("data/broken.parquet", &bytes[..bytes.len() / 2]);
    let message = schema_error(&with_serving(&scratch, "data/broken.parquet"));
    assert!(
        message.contains("broken.parquet") && message.contains("not a valid Parquet file"),
        "{message}"
    );
}

#[test]
fn csv_mislabelled_as_parquet_is_refused() {
    let scratch = Scratch::credit_risk();
    std::fs::copy(
        scratch.path("data/serving.csv"),
        scratch.path("data/serving.parquet"),
    )
    .unwrap();
    let message = schema_error(&with_serving(&scratch, "data/serving.parquet"));
    assert!(
        message.contains("serving.parquet") && message.contains("not a valid Parquet file"),
        "{message}"
    );
}

#[test]
fn empty_tables_are_errors_not_passes() {
    let scratch = Scratch::credit_risk();
    let header = scratch
        .read("data/serving.csv")
        .lines()
        .next()
        .unwrap()
        .to_string();
    scratch.write("data/header-only.csv", format!("{header}\n"));
    let message = schema_error(&with_serving(&scratch, "data/header-only.csv"));
    assert!(
        message.contains("header-only.csv") && message.contains("empty"),
        "{message}"
    );

    scratch.write("data/zero.csv", "");
    let message = schema_error(&with_serving(&scratch, "data/zero.csv"));
    assert!(
        message.contains("zero.csv") && message.contains("empty"),
        "{message}"
    );
}

#[test]
fn ragged_csv_names_the_file_and_line() {
    let scratch = Scratch::credit_risk();
    let mut text = scratch.read("data/serving.csv");
    text.push_str("req-x,40,1.0\n");
    scratch.write("data/ragged.csv", text);
    let message = schema_error(&with_serving(&scratch, "data/ragged.csv"));
    assert!(
        message.contains("ragged.csv") && message.contains("invalid CSV"),
        "{message}"
    );
    assert!(
        message.contains("1001") || message.contains("1002"),
        "names the bad record: {message}"
    );
}

#[test]
fn non_utf8_csv_names_the_file() {
    let scratch = Scratch::credit_risk();
    let mut bytes = scratch.read("data/serving.csv").into_bytes();
    let at = bytes.len() - 10;
    bytes[at] = 0xff;
    scratch.write("data/latin.csv", bytes);
    let message = schema_error(&with_serving(&scratch, "data/latin.csv"));
    assert!(message.contains("latin.csv"), "{message}");
}

#[test]
fn mistyped_and_non_finite_values_are_findings_with_the_column() {
    let scratch = Scratch::credit_risk();
    let text = scratch.read("data/serving.csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut set = |row: usize, column: usize, value: &str| {
        let mut cells: Vec<&str> = lines[row].split(',').collect();
        cells[column] = value;
        lines[row] = cells.join(",");
    };
    // Row 1: a text age; row 2: an infinite income; row 3: a NaN debt ratio.
    set(1, 1, "forty");
    set(2, 2, "inf");
    set(3, 7, "NaN");
    scratch.write("data/mistyped.csv", lines.join("\n") + "\n");
    let suite = scratch.read("mltest.toml").replace(
        "serving = \"data/serving.csv\"",
        "serving = \"data/mistyped.csv\"",
    );
    scratch.write("bad.toml", suite);
    // The scorer would crash on this batch too (an error, exit 3): not the point here.
    let (run, report) = scratch.run_suite("bad.toml", &["--skip", "determinism"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let schema = check(&report, "schema");
    let age = finding(schema, "schema.type[age]");
    assert_eq!(age["outcome"], "fail");
    assert_eq!(age["properties"]["actual_type"], "Utf8");
    assert_eq!(
        finding(schema, "schema.nonfinite[income]")["outcome"],
        "fail"
    );
    assert_eq!(
        finding(schema, "schema.nonfinite[debt_to_income]")["outcome"],
        "fail"
    );
}

#[test]
fn a_metrics_document_that_is_not_json_names_the_file() {
    let scratch = Scratch::credit_risk();
    scratch.write("metrics/candidate.json", "{\"auc\": 0.9,");
    let (run, report) = scratch.run_suite("mltest.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    let metrics = check(&report, "metrics");
    assert_eq!(metrics["outcome"], "error");
    let message = finding(metrics, "check")["message"].as_str().unwrap();
    assert!(
        message.contains("candidate.json") && message.contains("invalid JSON"),
        "{message}"
    );
    assert_eq!(
        check(&report, "schema")["outcome"],
        "warn",
        "the schema check still ran"
    );
}
