//! The hostile-plugin corpus beyond the basic sandbox: sleeps, ambient
//! clocks and entropy, kernel-argument abuse, handle and output floods,
//! empty results, control characters in every string, and describe-time
//! misbehaviour. Each case asserts its exact error kind, and that the other
//! checks' results are intact.

use crate::support::{
    HOSTILE_DESCRIBE_PLUGIN, HOSTILE_PLUGIN, HOSTILE_SCHEMA_PLUGIN, Scratch, check, finding,
};

/// The demo suite plus one hostile check per `(id, behavior, extra)`.
fn suite_with(scratch: &Scratch, cases: &[(&str, &str, &str)]) -> String {
    std::fs::copy(HOSTILE_PLUGIN, scratch.path("hostile.wasm")).unwrap();
    let mut suite = scratch.read("mltest.toml");
    suite.push_str("\n[plugins.hostile]\npath = \"hostile.wasm\"\n");
    for (id, behavior, extra) in cases {
        let (check_keys, params) = extra.split_once("|").unwrap_or((extra, ""));
        suite.push_str(&format!(
            "\n[[check]]\nid = \"{id}\"\nplugin = \"hostile\"\n{check_keys}\n[check.params]\nbehavior = \"{behavior}\"\n{params}\n"
        ));
    }
    suite
}

fn error_of(report: &serde_json::Value, id: &str) -> (String, String) {
    let c = check(report, id);
    assert_eq!(c["outcome"], "error", "{id}: {c:#}");
    (
        c["error"].as_str().unwrap_or_default().to_string(),
        finding(c, "check")["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// The demo's own checks keep their verdicts whatever the hostile ones did.
fn demo_checks_intact(report: &serde_json::Value) {
    for (id, outcome) in [
        ("schema", "warn"),
        ("metrics", "pass"),
        ("drift", "pass"),
        ("fairness", "pass"),
        ("determinism", "pass"),
    ] {
        assert_eq!(check(report, id)["outcome"], outcome, "{id}");
    }
}

#[test]
fn sleeps_trap_without_a_clock_and_time_out_with_one() {
    let scratch = Scratch::credit_risk();
    let suite = suite_with(
        &scratch,
        &[
            ("sleep", "sleep", "timeout = \"20s\""),
            (
                "sleep-granted",
                "sleep",
                "timeout = \"1s\"\ngrants = [\"clock\"]",
            ),
        ],
    );
    scratch.write("sleep.toml", suite);
    let started = std::time::Instant::now();
    let (run, report) = scratch.run_suite("sleep.toml", &[]);
    // Neither sleep may hold the run: an hour was asked for twice.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{}",
        run.all()
    );
    assert_eq!(run.code(), 3, "{}", run.all());
    let (kind, message) = error_of(&report, "sleep");
    assert_eq!(kind, "contract", "{message}");
    assert!(message.contains("no clock grant"), "{message}");
    let (kind, message) = error_of(&report, "sleep-granted");
    assert_eq!(kind, "timeout", "{message}");
    assert_eq!(check(&report, "sleep-granted")["grants"][0], "clock");
    demo_checks_intact(&report);
}

#[test]
fn clocks_and_entropy_are_frozen_unless_granted() {
    let scratch = Scratch::credit_risk();
    let suite = suite_with(
        &scratch,
        &[
            ("probe", "probe", ""),
            ("probe-granted", "probe", "grants = [\"clock\", \"random\"]"),
        ],
    );
    scratch.write("probe.toml", suite);
    let probe = |id: &str| {
        let (run, report) = scratch.run_suite("probe.toml", &["--only", "probe*"]);
        assert_eq!(run.code(), 0, "{}", run.all());
        let props = finding(check(&report, id), "probe")["properties"].clone();
        let field = |k: &str| props[k].as_str().unwrap().to_string();
        (
            field("wall_seconds").parse::<u64>().unwrap(),
            field("monotonic_moved"),
            field("random_hash"),
        )
    };
    let (wall, moved, hash) = probe("probe");
    assert_eq!((wall, moved.as_str()), (0, "false"));
    // The same fixed stream every run: a check cannot depend on luck.
    assert_eq!(probe("probe").2, hash);

    let (wall, moved, hash_granted) = probe("probe-granted");
    assert!(wall > 1_700_000_000, "{wall}");
    assert_eq!(moved, "true");
    assert_ne!(
        probe("probe-granted").2,
        hash_granted,
        "real entropy differs per run"
    );
}

#[test]
fn kernel_arguments_are_bounded_before_anything_is_allocated() {
    let scratch = Scratch::credit_risk();
    let table = "|table = \"training\"\ncolumn = \"income\"";
    let abuse = |what: &str| format!("{table}\nabuse = \"{what}\"");
    let cases = [
        ("edges", abuse("edges")),
        ("quantiles", abuse("quantiles")),
        ("bins", abuse("bins")),
        ("limit", abuse("limit")),
        ("empty-key", abuse("empty-key")),
    ];
    let mut all: Vec<(&str, &str, &str)> = cases
        .iter()
        .map(|(id, extra)| (*id, "kernel-abuse", extra.as_str()))
        .collect();
    all.push(("handles", "handle-flood", table));
    scratch.write("abuse.toml", suite_with(&scratch, &all));
    let (run, report) = scratch.run_suite("abuse.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    for (id, needle) in [
        ("edges", "histogram edges is 2000000, at most 100001"),
        (
            "quantiles",
            "quantiles asked for is 5000000, at most 100000",
        ),
        ("bins", "binning bins is 4294967295, at most 100000"),
        ("limit", "count-values limit is 4294967295, at most 10000"),
        ("empty-key", "by-key alignment names no key column"),
        ("handles", "open handles is 50001, at most 50000"),
    ] {
        let (kind, message) = error_of(&report, id);
        assert_eq!(kind, "contract", "{id}: {message}");
        assert!(message.contains(needle), "{id}: {message}");
    }
    demo_checks_intact(&report);
    scratch.validate_junit("report.xml");
}

#[test]
fn output_floods_are_capped_and_the_cut_is_reported() {
    let scratch = Scratch::credit_risk();
    let suite = suite_with(
        &scratch,
        &[
            ("log-flood", "log-flood", "timeout = \"60s\""),
            ("finding-flood", "finding-flood", ""),
        ],
    );
    scratch.write("flood.toml", suite);
    let (run, report) = scratch.run_suite("flood.toml", &[]);
    assert_eq!(run.code(), 1, "{}", run.all());

    let logs = check(&report, "log-flood");
    assert_eq!(logs["outcome"], "pass", "{}", run.all());
    assert!(logs["logs"].as_array().unwrap().len() <= 10_000);
    let dropped = logs["truncated"]["logs_dropped"].as_u64().unwrap();
    assert!(dropped >= 19_990_000, "{dropped}");

    let findings = check(&report, "finding-flood");
    assert_eq!(findings["findings"].as_array().unwrap().len(), 10_000);
    assert_eq!(findings["truncated"]["findings_dropped"], 20_000);
    assert_eq!(findings["truncated"]["findings_shortened"], 1);
    let first = finding(findings, "same");
    assert!(first["message"].as_str().unwrap().len() <= 16 * 1024);
    // Names stay unique however many share one.
    assert!(
        findings["findings"][9_999]["name"]
            .as_str()
            .unwrap()
            .starts_with("same#")
    );
    // The report stays small enough for every JUnit reader.
    assert!(scratch.read("report.json").len() < 8 << 20);
    scratch.validate_junit("report.xml");
    demo_checks_intact(&report);
}

#[test]
fn a_check_without_findings_is_an_error_not_a_pass() {
    let scratch = Scratch::credit_risk();
    scratch.write(
        "empty.toml",
        suite_with(&scratch, &[("empty", "no-findings", "")]),
    );
    let (run, report) = scratch.run_suite("empty.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    let (kind, message) = error_of(&report, "empty");
    assert_eq!(kind, "contract");
    assert!(message.contains("reported no findings"), "{message}");
    demo_checks_intact(&report);
}

#[test]
fn control_characters_reach_neither_the_terminal_nor_the_xml() {
    let scratch = Scratch::credit_risk();
    scratch.write(
        "controls.toml",
        suite_with(&scratch, &[("controls", "control-chars", "")]),
    );
    let (run, report) = scratch.run_suite("controls.toml", &["-v", "--explain"]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let out = run.stdout();
    assert!(out.contains("name \\u{1b}[2J"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{8}'),
        "raw control characters reached the terminal: {out:?}"
    );
    let xml = scratch.read("report.xml");
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'));
    scratch.validate_junit("report.xml");
    // The JSON keeps the text as the plugin sent it.
    let controls = check(&report, "controls");
    assert!(
        controls["stdout"].as_str().unwrap().contains('\u{1b}'),
        "{controls:#}"
    );
    demo_checks_intact(&report);
}

#[test]
fn a_self_referencing_params_schema_is_refused_in_run_and_validate() {
    let scratch = Scratch::credit_risk();
    std::fs::copy(HOSTILE_SCHEMA_PLUGIN, scratch.path("self.wasm")).unwrap();
    let mut suite = scratch.read("mltest.toml");
    suite.push_str("\n[plugins.selfref]\npath = \"self.wasm\"\n\n[[check]]\nid = \"selfref\"\nplugin = \"selfref\"\n[check.params]\nx = 1\n");
    scratch.write("selfref.toml", suite);
    for command in ["validate", "run"] {
        let run = scratch.mltest(&[command, "selfref.toml"]);
        assert_eq!(run.code(), 2, "{command}: {}", run.all());
        let err = run.stderr();
        assert!(err.contains("mltest::suite::plugin_load"), "{err}");
        assert!(
            err.contains("declares a params schema that cannot be used"),
            "{err}"
        );
    }
}

#[test]
fn a_sleeping_describe_fails_to_load_at_once() {
    let scratch = Scratch::credit_risk();
    std::fs::copy(HOSTILE_DESCRIBE_PLUGIN, scratch.path("sleepy.wasm")).unwrap();
    let mut suite = scratch.read("mltest.toml");
    suite.push_str("\n[plugins.sleepy]\npath = \"sleepy.wasm\"\n");
    scratch.write("sleepy.toml", suite);
    let started = std::time::Instant::now();
    let run = scratch.mltest(&["validate", "sleepy.toml"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(run.code(), 2, "{}", run.all());
    let err = run.stderr();
    assert!(err.contains("describe failed"), "{err}");
    assert!(err.contains("no clock grant"), "{err}");
}
