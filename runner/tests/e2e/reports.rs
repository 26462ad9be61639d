//! Snapshots of what users read: the terminal summary, the JSON report and
//! the JUnit XML of both demos, with durations, timings and digests
//! redacted. README's sample output is checked against the terminal
//! snapshot, so it cannot go stale.

use regex::Regex;

use crate::support::{Scratch, root};

/// What changes from run to run, replaced by stable placeholders.
fn redactions() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\d+ ms\)", "[ms])"),
        (r"in \d+\.\d+s", "in [s]"),
        (r#""duration_ms": \d+"#, r#""duration_ms": "[ms]""#),
        (r#""instantiate_us": \d+"#, r#""instantiate_us": "[us]""#),
        (r#"time="[0-9.]+""#, r#"time="[s]""#),
        (r#"timestamp="[^"]+""#, r#"timestamp="[time]""#),
        (r"[0-9a-f]{64}", "[sha256]"),
        // Re-runs write to fresh temporary folders.
        (r"/tmp/[A-Za-z0-9._/-]+", "[tmp]"),
        (r"duration_ms=\d+", "duration_ms=[ms]"),
        (r#""started_at": "[^"]+""#, r#""started_at": "[time]""#),
    ]
}

fn redact(text: &str) -> String {
    redactions()
        .into_iter()
        .fold(text.to_string(), |text, (pattern, to)| {
            Regex::new(pattern)
                .unwrap()
                .replace_all(&text, to)
                .into_owned()
        })
}

/// Numbers that differ from run to run: the regressed demo's scorer is
/// noisy on purpose (an unseeded generator), so its determinism findings
/// carry different differences each run.
fn redact_random(text: &str) -> String {
    let number = Regex::new(r"-?\d+(\.\d+)?(e-?\d+)?").unwrap();
    number.replace_all(text, "[n]").into_owned()
}

/// The regressed demo's determinism check, run-dependent numbers redacted,
/// in each format.
fn stable_terminal(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.contains("determinism.column[") {
                redact_random(l)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn stable_junit(xml: &str) -> String {
    let Some(start) = xml
        .find("name=\"determinism\"")
        .and_then(|at| xml[..at].rfind("<testsuite"))
    else {
        return xml.to_string();
    };
    let end = xml[start..]
        .find("</testsuite>")
        .map_or(xml.len(), |e| start + e);
    format!(
        "{}{}{}",
        &xml[..start],
        redact_random(&xml[start..end]),
        &xml[end..]
    )
}

fn stable_json(json: &str) -> String {
    let mut report: serde_json::Value = serde_json::from_str(json).unwrap();
    for check in report["checks"].as_array_mut().unwrap() {
        if check["id"] != "determinism" {
            continue;
        }
        for finding in check["findings"].as_array_mut().unwrap() {
            for key in ["message", "details"] {
                if let Some(text) = finding[key].as_str() {
                    finding[key] = redact_random(text).into();
                }
            }
            if let Some(rows) = finding["plot"]["rows"].as_array_mut() {
                for cell in rows.iter_mut().flat_map(|r| r.as_array_mut().unwrap()) {
                    *cell = redact_random(cell.as_str().unwrap_or_default()).into();
                }
            }
            if let Some(properties) = finding["properties"].as_object_mut() {
                for value in properties.values_mut() {
                    *value = redact_random(value.as_str().unwrap_or_default()).into();
                }
            }
        }
    }
    serde_json::to_string_pretty(&report).unwrap()
}

/// The HTML report, with durations, times and the noisy scorer's numbers
/// (its section) redacted.
fn stable_html(html: &str) -> String {
    let html = redact(html);
    let times = Regex::new(r"\d+ ms|\d+\.\d+ s|started [0-9TZ:-]+").unwrap();
    let html = times.replace_all(&html, "[time]").into_owned();
    match html.find("id=\"check-determinism\"") {
        Some(start) => {
            let end = html[start..]
                .find("</section>")
                .map_or(html.len(), |e| start + e);
            format!(
                "{}{}{}",
                &html[..start],
                redact_random(&html[start..end]),
                &html[end..]
            )
        }
        None => html,
    }
}

/// Lines about the noisy scorer, redacted (summary, Code Quality, metrics).
fn stable_lines(text: &str) -> String {
    let times = Regex::new(r"\| \d+ ms \||· \d+\.\d+ s").unwrap();
    let text = times.replace_all(text, "[time]").into_owned();
    text.lines()
        .map(|l| {
            if l.contains("determinism") {
                redact_random(l)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn snapshot_demo(suite: &str, name: &str) -> String {
    let scratch = Scratch::credit_risk();
    let (run, _) = scratch.run_suite(
        suite,
        &[
            "--html",
            "report.html",
            "--gitlab-codequality",
            "codequality.json",
            "--gitlab-metrics",
            "metrics.txt",
        ],
    );
    let terminal = stable_terminal(&redact(&run.stdout()));
    insta::assert_snapshot!(format!("{name}_terminal"), terminal);
    let json = stable_json(&scratch.read("report.json"));
    insta::assert_snapshot!(format!("{name}_json"), redact(&json));
    let junit = stable_junit(&redact(&scratch.read("report.xml")));
    insta::assert_snapshot!(format!("{name}_junit"), redact(&junit));
    insta::assert_snapshot!(
        format!("{name}_html"),
        stable_html(&scratch.read("report.html"))
    );
    insta::assert_snapshot!(
        format!("{name}_codequality"),
        stable_lines(&scratch.read("codequality.json"))
    );
    insta::assert_snapshot!(
        format!("{name}_gitlab_metrics"),
        stable_lines(&scratch.read("metrics.txt"))
    );
    // The step summary, from the saved run (`mltest report` renders what the run did).
    let summary = scratch.path("summary.md");
    let again = scratch.mltest_env(
        &["report", "report.json", "--ci", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(again.code(), run.code(), "{}", again.all());
    insta::assert_snapshot!(
        format!("{name}_step_summary"),
        stable_lines(&scratch.read("summary.md"))
    );
    terminal
}

#[test]
fn passing_demo_reports() {
    snapshot_demo("mltest.toml", "passing");
}

#[test]
fn regressed_demo_reports_and_the_readme_sample_agrees() {
    let terminal = snapshot_demo("regressed.toml", "regressed");
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("running suite credit-risk-regressed")
        .expect("README shows the regressed demo's output");
    let sample = &readme[start..readme[start..].find("```").unwrap() + start];
    let mut checked = 0;
    for line in sample
        .lines()
        .map(str::trim_end)
        .filter(|l| l.trim() != "...")
    {
        let line = stable_terminal(&redact(line));
        assert!(
            terminal.lines().any(|t| t.trim_end() == line),
            "README's sample output has a line the run does not print:\n{line}\n--- the run printed:\n{terminal}"
        );
        checked += 1;
    }
    assert!(
        checked >= 10,
        "the sample was found and read ({checked} lines)"
    );
}
