//! Regression tests for inputs that used to crash, hang or fool the runner:
//! suite values that cannot work, names that could shadow command outputs,
//! paths outside the suite root, files that are not regular, duplicate
//! columns, decoder panics, and a report that cannot be written.

use crate::support::{Scratch, check, finding};

/// Validates an edited demo suite; returns stderr, asserting exit code 2.
fn invalid(scratch: &Scratch, edit: impl FnOnce(String) -> String) -> String {
    scratch.write("bad.toml", edit(scratch.read("mltest.toml")));
    let run = scratch.mltest(&["validate", "bad.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    run.stderr()
}

fn replace(from: &'static str, to: &str) -> impl FnOnce(String) -> String {
    let to = to.to_string();
    move |suite| {
        assert!(suite.contains(from), "fixture changed: `{from}` not found");
        suite.replacen(from, &to, 1)
    }
}

#[test]
fn absurd_durations_and_memory_are_refused_at_validation() {
    let scratch = Scratch::credit_risk();
    let err = invalid(
        &scratch,
        replace("timeout = \"30s\"", "timeout = \"300000000000y\""),
    );
    assert!(
        err.contains("longer than the 7 days a timeout may be"),
        "{err}"
    );
    let err = invalid(
        &scratch,
        replace("timeout = \"60s\"", "timeout = \"5000000000years\""),
    );
    assert!(err.contains("longer than the 7 days"), "{err}");
    let err = invalid(
        &scratch,
        replace("memory = \"256MiB\"", "memory = \"8GiB\""),
    );
    assert!(
        err.contains("more than a wasm32 plugin can address"),
        "{err}"
    );
}

#[test]
fn a_bin_count_that_cannot_work_is_refused_at_validation() {
    let scratch = Scratch::credit_risk();
    let err = invalid(
        &scratch,
        replace(
            "max_drifted_share = 0.3",
            "max_drifted_share = 0.3\nbinning = { bins = 4294967295 }",
        ),
    );
    assert!(err.contains("mltest::suite::invalid_params"), "{err}");
    assert!(err.contains("params.binning.bins"), "{err}");
}

#[test]
fn names_outside_the_documented_set_are_refused() {
    let scratch = Scratch::credit_risk();
    // An artifact named like a command output would replace the real run's
    // output (and let a random scorer pass determinism).
    let err = invalid(
        &scratch,
        replace(
            "[artifacts]\n",
            "[artifacts]\n\"score@1/predictions\" = \"golden/predictions.csv\"\n",
        ),
    );
    assert!(
        err.contains("invalid artifact name `score@1/predictions`"),
        "{err}"
    );
    let err = invalid(&scratch, replace("id = \"drift\"", "id = \"drift\\u0007\""));
    assert!(err.contains("invalid check id"), "{err}");
    let err = invalid(&scratch, |s| {
        s + "\n[plugins.\"bad name\"]\npath = \"score.py\"\n"
    });
    assert!(err.contains("invalid plugin name `bad name`"), "{err}");
}

#[test]
fn command_mistakes_are_caught_with_spans() {
    let scratch = Scratch::credit_risk();
    let err = invalid(
        &scratch,
        replace(
            "outputs = { predictions = \"predictions.csv\" }",
            "outputs = { predictions = { format = \"csv\" } }",
        ),
    );
    assert!(err.contains("output `predictions` has no `path`"), "{err}");
    assert!(err.contains("bad.toml:"), "a span into the suite: {err}");
    let err = invalid(&scratch, replace("rerun = \"score\"", "rerun = \"scroe\""));
    assert!(err.contains("mltest::suite::unknown_command"), "{err}");
    assert!(err.contains("unknown command `scroe`"), "{err}");
    assert!(err.contains("did you mean `score`?"), "{err}");
}

#[test]
fn unknown_grants_are_refused() {
    let scratch = Scratch::credit_risk();
    let err = invalid(
        &scratch,
        replace("id = \"drift\"", "id = \"drift\"\ngrants = [\"clocks\"]"),
    );
    assert!(err.contains("unknown grant `clocks`"), "{err}");
    assert!(err.contains("did you mean `clock`?"), "{err}");
}

#[test]
fn paths_outside_the_suite_root_are_refused_unless_the_root_allows_them() {
    let scratch = Scratch::credit_risk();
    scratch.write("../outside-mltest-suite.csv", "a,b\n1,2\n");
    let outside = "serving = \"../outside-mltest-suite.csv\"";
    let err = invalid(&scratch, replace("serving = \"data/serving.csv\"", outside));
    assert!(err.contains("mltest::suite::outside_root"), "{err}");
    assert!(err.contains("is outside the suite"), "{err}");
    let err = invalid(
        &scratch,
        replace(
            "serving = \"data/serving.csv\"",
            "serving = { path = \"/etc/passwd\", format = \"csv\" }",
        ),
    );
    assert!(err.contains("outside the suite"), "{err}");
    // A symlink inside the folder that points out is outside too.
    std::os::unix::fs::symlink("/etc/passwd", scratch.path("data/link.csv")).unwrap();
    let err = invalid(
        &scratch,
        replace(
            "serving = \"data/serving.csv\"",
            "serving = \"data/link.csv\"",
        ),
    );
    assert!(err.contains("outside the suite"), "{err}");

    // The escape hatch: a root that holds the file.
    let suite = scratch
        .read("mltest.toml")
        .replacen("[suite]\n", "[suite]\nroot = \"..\"\n", 1)
        .replacen("serving = \"data/serving.csv\"", outside, 1);
    scratch.write("rooted.toml", suite);
    let run = scratch.mltest(&["validate", "rooted.toml"]);
    assert_eq!(run.code(), 0, "{}", run.all());
    let _ = std::fs::remove_file(scratch.path("../outside-mltest-suite.csv"));
}

#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let scratch = Scratch::credit_risk();
    let fifo = scratch.path("data/pipe.csv");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let err = invalid(
        &scratch,
        replace(
            "serving = \"data/serving.csv\"",
            "serving = \"data/pipe.csv\"",
        ),
    );
    assert!(err.contains("is not a regular file"), "{err}");
    // A suite file that is a FIFO is refused too, instead of blocking.
    let run = scratch.mltest(&["validate", "data/pipe.csv"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.stderr().contains("not a regular file"), "{}", run.all());
}

#[test]
fn duplicate_column_names_are_an_error_not_invisible() {
    let scratch = Scratch::credit_risk();
    let serving = scratch.read("data/serving.csv");
    let mut lines = serving.lines();
    let header = lines.next().unwrap();
    let first = header.split(',').next().unwrap().to_string();
    let mut dup = format!("{header},{first}\n");
    for line in lines {
        dup.push_str(&format!("{line},garbage\n"));
    }
    scratch.write("data/dup.csv", dup);
    let suite = scratch.read("mltest.toml").replacen(
        "serving = \"data/serving.csv\"",
        "serving = \"data/dup.csv\"",
        1,
    );
    scratch.write("dup.toml", suite);
    let (run, report) = scratch.run_suite("dup.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    let schema = check(&report, "schema");
    assert_eq!(schema["outcome"], "error");
    let message = finding(schema, "check")["message"].as_str().unwrap();
    assert!(
        message.contains("dup.csv") && message.contains(&format!("column `{first}`")),
        "{message}"
    );
    assert!(message.contains("used by two columns"), "{message}");
    assert_eq!(check(&report, "metrics")["outcome"], "pass");
}

#[test]
fn a_failed_junit_write_keeps_the_json_report_and_the_summary() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(&[
        "run",
        "mltest.toml",
        "--junit",
        "no/such/folder/report.xml",
        "--json",
        "report.json",
    ]);
    assert_eq!(run.code(), 3, "{}", run.all());
    assert!(
        run.stderr().contains("cannot write the JUnit report"),
        "{}",
        run.all()
    );
    assert!(run.stdout().contains("PASSED"), "{}", run.all());
    let report: serde_json::Value = serde_json::from_str(&scratch.read("report.json")).unwrap();
    assert_eq!(report["outcome"], "warn");
}

#[test]
fn a_suite_folder_that_is_not_utf8_reaches_commands_intact() {
    use std::os::unix::ffi::OsStrExt;
    let scratch = Scratch::credit_risk();
    let name = std::ffi::OsStr::from_bytes(b"suite-\xff-dir");
    let dir = scratch.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in [
        "data",
        "golden",
        "metrics",
        "model",
        "score.py",
        "mltest.toml",
    ] {
        std::process::Command::new("cp")
            .arg("-r")
            .arg(scratch.path(entry))
            .arg(&dir)
            .status()
            .unwrap();
    }
    let run = std::process::Command::new(crate::support::BINARY)
        .arg("run")
        .arg(dir.join("mltest.toml"))
        .args(["--only", "determinism"])
        .env("MLTEST_CACHE_DIR", scratch.path(".cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("PASS  determinism"), "{stdout}");
}

#[test]
fn documents_past_the_size_limit_are_refused_by_name() {
    let scratch = Scratch::credit_risk();
    let suite = scratch.read("mltest.toml").replacen(
        "[defaults]\n",
        "[limits]\nmax_document_size = \"1KiB\"\n\n[defaults]\n",
        1,
    );
    let mut big = String::from("{\"padding\": \"");
    big.push_str(&"x".repeat(4096));
    big.push_str("\", \"auc\": [0.9]}");
    scratch.write("metrics/candidate.json", big);
    scratch.write("limited.toml", suite);
    let (run, report) = scratch.run_suite("limited.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    let metrics = check(&report, "metrics");
    assert_eq!(metrics["outcome"], "error");
    let message = finding(metrics, "check")["message"].as_str().unwrap();
    assert!(
        message.contains("candidate.json") && message.contains("[limits] max_document_size"),
        "{message}"
    );
    assert_eq!(check(&report, "drift")["outcome"], "pass");
}
