//! CI-native outputs, read back the way GitHub and GitLab read them: the
//! workflow commands with GitHub's documented unescaping, the step summary
//! through cmark-gfm (GitHub's renderer), Code Quality against GitLab's
//! published schema, and JUnit through the PyPI and npm consumers.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use regex::Regex;

use crate::support::{Scratch, count, root};

/// GitHub's unescaping of a command's message and property values.
fn unescape(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// One parsed `::level props::message` line.
struct Workflow {
    level: String,
    props: BTreeMap<String, String>,
    message: String,
}

fn commands(log: &str) -> Vec<Workflow> {
    let line = Regex::new(r"^::(error|warning|notice)( [^:]*)?::(.*)$").unwrap();
    log.lines()
        .filter_map(|l| line.captures(l))
        .map(|c| Workflow {
            level: c[1].to_string(),
            props: c
                .get(2)
                .map(|p| {
                    p.as_str()
                        .trim()
                        .split(',')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_string(), unescape(v)))
                        .collect()
                })
                .unwrap_or_default(),
            message: unescape(&c[3]),
        })
        .collect()
}

fn python(args: &[&str]) -> serde_json::Value {
    let output = Command::new(mltest_testkit::python())
        .arg(root().join("tests/read_reports.py"))
        .args(args)
        .output()
        .expect("the test Python runs");
    assert!(
        output.status.success(),
        "read_reports.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("read_reports.py prints JSON")
}

fn npm_consumers(report: &std::path::Path) -> serde_json::Value {
    let node = mltest_testkit::node();
    let output = Command::new(&node.node)
        .arg(root().join("tests/node/read_junit.js"))
        .arg(report)
        .env("NODE_PATH", &node.modules)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "read_junit.js failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("read_junit.js prints JSON")
}

#[test]
fn github_annotations_groups_summary_and_outputs() {
    let scratch = Scratch::credit_risk();
    let workspace = scratch.path("");
    let summary = scratch.path("summary.md");
    let outputs = scratch.path("outputs.txt");
    let run = scratch.mltest_env(
        &["run", "regressed.toml", "--json", "report.json"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_WORKSPACE", workspace.to_str().unwrap()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ],
    );
    assert_eq!(run.code(), 1, "{}", run.all());
    let log = run.stdout();
    let suite = scratch.read("regressed.toml");
    let suite_lines: Vec<&str> = suite.lines().collect();

    // Commands start their line: no colour code, no prefix.
    for line in log
        .lines()
        .filter(|l| l.contains("::error ") || l.contains("::warning "))
    {
        assert!(
            line.starts_with("::"),
            "a command not at the line start: {line:?}"
        );
    }
    let found = commands(&log);
    let errors: Vec<&Workflow> = found.iter().filter(|c| c.level == "error").collect();
    let warnings: Vec<&Workflow> = found.iter().filter(|c| c.level == "warning").collect();
    assert_eq!(errors.len(), 10, "GitHub keeps 10 per level:\n{log}");
    assert_eq!(warnings.len(), 5);
    // Round-robin: every failing check is annotated.
    let annotated: BTreeSet<&str> = errors
        .iter()
        .map(|c| {
            c.props["title"]
                .trim_start_matches("mltest ")
                .split(':')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        annotated,
        [
            "determinism",
            "drift",
            "fairness",
            "metrics",
            "performance",
            "schema"
        ]
        .into_iter()
        .collect()
    );
    let notice = found
        .iter()
        .find(|c| c.level == "notice")
        .expect("a closing notice");
    assert!(
        notice.message.starts_with("10 more failing findings"),
        "{}",
        notice.message
    );
    // Each annotation points at the suite key it comes from.
    for c in errors.iter().chain(&warnings) {
        assert_eq!(c.props["file"], "regressed.toml");
        let line: usize = c.props["line"].parse().unwrap();
        let text = suite_lines[line - 1];
        let title = &c.props["title"];
        if title.contains("metrics.regression[auc]") {
            assert!(text.starts_with("max_regression"), "{title} → {text}");
        }
        if title.contains("performance.roc_auc[region=west]") {
            assert!(text.starts_with("slices = "), "{title} → {text}");
        }
        if title.contains("drift.dataset") {
            assert!(text.starts_with("max_drifted_share"), "{title} → {text}");
        }
        if title.contains("fairness.equalized_odds_difference") {
            assert!(
                text.starts_with("equalized_odds_difference"),
                "{title} → {text}"
            );
        }
        if title.starts_with("mltest schema") {
            assert_eq!(text, "id = \"schema\"");
        }
    }
    // The message round-trips through GitHub's unescaping.
    let report: serde_json::Value = serde_json::from_str(&scratch.read("report.json")).unwrap();
    let dataset = errors
        .iter()
        .find(|c| c.props["title"].ends_with("drift.dataset"))
        .expect("drift.dataset is annotated");
    let message = crate::support::finding(crate::support::check(&report, "drift"), "drift.dataset")
        ["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        dataset.message.starts_with(&message),
        "{} vs {message}",
        dataset.message
    );

    // Groups: one per check, closed; plugin output fenced by stop-commands.
    assert_eq!(
        log.matches("\n::group::").count() + usize::from(log.starts_with("::group::")),
        6
    );
    assert_eq!(log.matches("::endgroup::").count(), 6);
    let stop = Regex::new(r"(?m)^::stop-commands::(\S+)$").unwrap();
    for token in stop.captures_iter(&log) {
        assert!(
            log.contains(&format!("\n::{}::\n", &token[1])),
            "unclosed {}",
            &token[1]
        );
    }

    // Step outputs.
    let outputs = scratch.read("outputs.txt");
    for line in [
        "outcome=fail",
        "checks=6",
        "checks_failed=6",
        "findings=84",
        "findings_failed=20",
        "findings_warned=5",
    ] {
        assert!(
            outputs.lines().any(|l| l == line),
            "{line} missing from:\n{outputs}"
        );
    }

    // The summary, and what GitHub's renderer makes of it.
    let text = scratch.read("summary.md");
    assert!(text.contains("**6 of 6 checks failed**"));
    assert!(text.len() < 1024 * 1024);
    let html = python(&["gfm", summary.to_str().unwrap()])["html"]
        .as_str()
        .unwrap()
        .to_string();
    // The checks table and one table per check with findings that need attention.
    assert_eq!(html.matches("<table>").count(), 7, "{html}");
    assert_eq!(html.matches("<details>").count(), 6);
    assert!(html.contains("<td>metrics.regression[auc]</td>"), "{html}");
    let rows = html.matches("<tr>").count();
    // Header rows (7) + a row per check (6) + per failing or warning finding (25).
    assert_eq!(
        rows,
        7 + 6 + count(&report, "fail") + count(&report, "warn")
    );
}

#[test]
fn ci_outputs_change_neither_the_exit_code_nor_the_json() {
    let scratch = Scratch::credit_risk();
    let strip = |json: &str| {
        let re = Regex::new(r#""(duration_ms|instantiate_us|started_at)": [^,\n]+"#).unwrap();
        re.replace_all(json, "").into_owned()
    };
    let plain = scratch.mltest(&["run", "mltest.toml", "--json", "plain.json", "--ci", "none"]);
    let github = scratch.mltest_env(
        &["run", "mltest.toml", "--json", "github.json"],
        &[("GITHUB_ACTIONS", "true")],
    );
    let gitlab = scratch.mltest_env(
        &["run", "mltest.toml", "--json", "gitlab.json"],
        &[("GITLAB_CI", "true")],
    );
    assert_eq!(plain.code(), 0, "{}", plain.all());
    assert_eq!(github.code(), 0);
    assert_eq!(gitlab.code(), 0);
    assert!(
        github.stdout().contains("::group::mltest schema"),
        "auto detects GitHub"
    );
    assert!(
        gitlab.stdout().contains("section_start:"),
        "auto detects GitLab"
    );
    assert!(!plain.stdout().contains("::group::") && !plain.stdout().contains("section_start:"));
    let base = strip(&scratch.read("plain.json"));
    assert_eq!(strip(&scratch.read("github.json")), base);
    assert_eq!(strip(&scratch.read("gitlab.json")), base);
}

#[test]
fn gitlab_sections_codequality_and_metrics() {
    let scratch = Scratch::credit_risk();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/schemas/gitlab-codeclimate.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("GitLab's schema compiles");
    // What GitLab keeps: no `#` (or quote or backslash) in a label value.
    let line = Regex::new(
        r##"^mltest_[a-z_]+\{[a-z]+="[^"#\\]*"(,[a-z]+="[^"#\\]*")*\} -?[0-9][0-9.e+-]*$"##,
    )
    .unwrap();
    let mut fingerprints = Vec::new();
    for _ in 0..2 {
        let run = scratch.mltest_env(
            &[
                "run",
                "regressed.toml",
                "--json",
                "report.json",
                "--gitlab-codequality",
                "codequality.json",
                "--gitlab-metrics",
                "metrics.txt",
            ],
            &[("GITLAB_CI", "true")],
        );
        assert_eq!(run.code(), 1, "{}", run.all());
        let log = run.stdout();
        assert_eq!(log.matches("\x1b[0Ksection_start:").count(), 6);
        assert_eq!(log.matches("\x1b[0Ksection_end:").count(), 6);
        assert!(log.contains(":mltest_drift[collapsed=false]\r\x1b[0K"));

        let report: serde_json::Value = serde_json::from_str(&scratch.read("report.json")).unwrap();
        let entries: serde_json::Value =
            serde_json::from_str(&scratch.read("codequality.json")).unwrap();
        let entries = entries.as_array().unwrap();
        assert_eq!(
            entries.len(),
            count(&report, "fail") + count(&report, "warn")
        );
        for entry in entries {
            assert!(validator.is_valid(entry), "invalid entry: {entry}");
            assert!(entry["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
            assert_eq!(entry["location"]["path"], "regressed.toml");
            assert!(["minor", "major", "critical"].contains(&entry["severity"].as_str().unwrap()));
        }
        let prints: Vec<String> = entries
            .iter()
            .map(|e| e["fingerprint"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            prints.iter().collect::<BTreeSet<_>>().len(),
            prints.len(),
            "unique"
        );
        fingerprints.push(prints);

        let metrics = scratch.read("metrics.txt");
        for l in metrics.lines() {
            assert!(line.is_match(l), "GitLab would drop: {l}");
        }
        assert!(metrics.contains("mltest_checks{outcome=\"fail\"} 6\n"));
        assert!(metrics.contains("mltest_findings{outcome=\"fail\"} 20\n"));
    }
    assert_eq!(
        fingerprints[0], fingerprints[1],
        "fingerprints are stable across runs"
    );
}

#[test]
fn junit_consumers_read_counts_locations_skips_and_warnings() {
    let scratch = Scratch::credit_risk();
    // A variant with skips: no baseline, so the baseline rules are skipped.
    let suite = scratch
        .read("regressed.toml")
        .replace("baseline = \"champion_metrics\"\n", "");
    scratch.write("nobase.toml", suite);
    let (run, report) = scratch.run_suite("nobase.toml", &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let (tests, failures, skipped) = (
        report["counts"]["findings"]["total"].as_u64().unwrap(),
        count(&report, "fail") as u64,
        count(&report, "skip") as u64,
    );
    assert!(skipped >= 3, "the variant has skips");

    // junitparser, with the extended XSD.
    let junit = scratch.validate_junit("report.xml");
    assert_eq!(junit["tests"], tests);
    assert_eq!(junit["failures"], failures);
    assert_eq!(junit["skipped"], skipped);
    for case in junit["cases"].as_array().unwrap() {
        assert_eq!(case["file"], "nobase.toml", "{case}");
        assert!(case["line"].as_str().unwrap().parse::<u32>().unwrap() >= 1);
        if case["result"] == "skipped" {
            assert!(
                case["text"].as_str().unwrap().contains("no baseline"),
                "{case}"
            );
        }
    }

    // xunitparser.
    let xunit = python(&["xunit", scratch.path("report.xml").to_str().unwrap()]);
    assert_eq!(xunit["tests"], tests);
    assert_eq!(xunit["failures"], failures);
    assert_eq!(xunit["skipped"], skipped);
    for case in xunit["cases"].as_array().unwrap() {
        if case["result"] == "skipped" {
            assert!(
                case["message"].as_str().unwrap().contains("no baseline"),
                "{case}"
            );
        }
    }

    // junit2json and test-results-parser (npm).
    let npm = npm_consumers(&scratch.path("report.xml"));
    let j = &npm["junit2json"];
    assert_eq!(j["tests"], tests);
    assert_eq!(j["failures"], failures);
    let suites_skipped: u64 = j["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skipped"].as_u64().unwrap())
        .sum();
    assert_eq!(suites_skipped, skipped);
    let metrics_line = scratch
        .read("nobase.toml")
        .lines()
        .position(|l| l.starts_with("max_regression"))
        .unwrap()
        + 1;
    let mut warnings_seen = 0;
    for case in j["cases"].as_array().unwrap() {
        assert_eq!(case["file"], "nobase.toml");
        if case["name"] == "metrics.regression[auc]" {
            assert_eq!(case["line"], metrics_line, "{case}");
            assert!(case["skipped"][0].as_str().unwrap().contains("no baseline"));
        }
        if case["systemOut"]
            .as_str()
            .is_some_and(|s| s.starts_with("warning: "))
        {
            warnings_seen += 1;
        }
    }
    assert_eq!(
        warnings_seen,
        count(&report, "warn"),
        "warnings are in passing cases' system-out"
    );
    let t = &npm["testResultsParser"];
    assert_eq!(t["total"], tests);
    assert_eq!(t["failed"], failures);
    // It reads skips per suite (junit-10.xsd has no `skipped` on
    // <testsuites>, so the root's count stays 0 there).
    let suites = t["suites"].as_array().unwrap();
    let sum = |key: &str| suites.iter().map(|s| s[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("skipped"), skipped);
    assert_eq!(sum("total") + sum("skipped"), tests);
    let skip_cases = t["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "SKIP")
        .count();
    assert_eq!(skip_cases as u64, skipped);

    // The strict flavour is valid against Jenkins' XSD itself.
    let run = scratch.mltest(&[
        "run",
        "nobase.toml",
        "--junit",
        "strict.xml",
        "--junit-flavor",
        "strict",
    ]);
    assert_eq!(run.code(), 1);
    let output = Command::new(mltest_testkit::python())
        .arg(root().join("tests/validate_junit.py"))
        .arg(scratch.path("strict.xml"))
        .arg("--strict")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let strict: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(strict["tests"], tests);
    assert!(
        strict["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("line").is_none())
    );
    // …and the extended one is not, which is the one deviation documented.
    let output = Command::new(mltest_testkit::python())
        .arg(root().join("tests/validate_junit.py"))
        .arg(scratch.path("report.xml"))
        .arg("--strict")
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "junit-10.xsd has no testcase file/line"
    );
}

#[test]
fn report_renders_a_saved_run_as_the_run_did() {
    let scratch = Scratch::credit_risk();
    let outputs = [
        "--junit",
        "--html",
        "--gitlab-codequality",
        "--gitlab-metrics",
    ];
    let mut args = vec!["run", "regressed.toml", "--json", "saved.json"];
    let first = ["a.xml", "a.html", "a.cq.json", "a.metrics"];
    for (flag, path) in outputs.iter().zip(first) {
        args.extend([*flag, path]);
    }
    let run = scratch.mltest(&args);
    assert_eq!(run.code(), 1);
    let mut args = vec!["report", "saved.json"];
    let second = ["b.xml", "b.html", "b.cq.json", "b.metrics"];
    for (flag, path) in outputs.iter().zip(second) {
        args.extend([*flag, path]);
    }
    let again = scratch.mltest(&args);
    assert_eq!(again.code(), 1, "exits as the run did: {}", again.all());
    assert_eq!(again.stdout(), run.stdout(), "the same summary");
    for (a, b) in first.iter().zip(second) {
        assert!(scratch.read(a) == scratch.read(b), "{a} and {b} differ");
    }
    scratch.write("broken.json", "{\"suite\": 3}");
    let broken = scratch.mltest(&["report", "broken.json"]);
    assert_eq!(broken.code(), 2);
    assert!(
        broken
            .stderr()
            .contains("broken.json is not an mltest JSON report"),
        "{}",
        broken.stderr()
    );
}

#[test]
fn progress_shows_on_a_terminal_and_never_in_logs() {
    let scratch = Scratch::credit_risk();
    // A terminal: util-linux `script` runs mltest on a pseudo-terminal.
    let command = format!("{} run mltest.toml --no-cache", crate::support::BINARY);
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(scratch.path(""))
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .expect("script runs");
    let tty = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{tty}");
    assert!(
        tty.contains("checks ") && tty.contains("/6"),
        "no progress on a terminal:\n{tty}"
    );
    assert!(tty.contains("PASSED: 6 checks"), "{tty}");
    // Piped, and in CI: none.
    let piped = scratch.mltest(&["run", "mltest.toml"]);
    assert!(
        !piped.stderr().contains("checks ") && !piped.stderr().contains('\r'),
        "{}",
        piped.stderr()
    );
    let ci = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(scratch.path(""))
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .output()
        .expect("script runs");
    let ci = String::from_utf8_lossy(&ci.stdout);
    assert!(!ci.contains("/5 "), "progress in a CI log:\n{ci}");
}
