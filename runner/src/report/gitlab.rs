//! GitLab CI: collapsible log sections per check, the Code Quality report
//! (`artifacts:reports:codequality`) and the metrics report
//! (`artifacts:reports:metrics`).
//!
//! GitLab's parsers stop at the first invalid Code Quality entry, collapse
//! entries with equal fingerprints, and compare fingerprints with the
//! target branch; so every entry has every required field with the right
//! type, and fingerprints are derived from what identifies a finding (the
//! suite file, the check and the finding's name), never from its numbers.
//! Metrics lines are dropped when a label holds `#`, and values are
//! compared as strings, so labels are restricted and numbers formatted one
//! way.

use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use mltest_report::number::short as number;
use mltest_report::text::escape_controls;
use mltest_report::{CheckResult, Outcome, RunResult};

use super::RepoPaths;

/// A section name: letters, digits, `_`, `.` and `-` only.
fn section_name(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("mltest_{safe}")
}

/// The log: one section per check, collapsed unless it needs attention,
/// holding its findings and plugin output (control characters escaped, so
/// a plugin cannot open or close sections).
pub(crate) fn log(result: &RunResult, now: u64) -> String {
    let mut out = String::new();
    for check in &result.checks {
        let name = section_name(&check.id);
        let collapsed = matches!(check.outcome, Outcome::Pass | Outcome::Skip);
        let _ = write!(
            out,
            "\x1b[0Ksection_start:{now}:{name}[collapsed={collapsed}]\r\x1b[0Kmltest {}: {} ({} {})\n",
            escape_controls(&check.id),
            check.outcome.as_str(),
            escape_controls(&check.plugin),
            escape_controls(&check.plugin_version)
        );
        out.push_str(&super::check_log(check));
        let _ = write!(out, "\x1b[0Ksection_end:{now}:{name}\r\x1b[0K\n");
    }
    out
}

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: String,
    description: String,
    categories: [&'static str; 1],
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// Code Climate JSON: one entry per failing, errored or warning finding.
pub(crate) fn codequality(result: &RunResult, paths: &RepoPaths) -> String {
    let mut issues = Vec::new();
    for check in &result.checks {
        for f in &check.findings {
            let severity = match f.outcome {
                Outcome::Error => "critical",
                Outcome::Fail => "major",
                Outcome::Warn => "minor",
                Outcome::Pass | Outcome::Skip => continue,
            };
            let (path, line) = check
                .location_of(f)
                .map(|l| (paths.relative(&l.file), l.line.max(1)))
                .unwrap_or_else(|| (result.suite.clone(), 1));
            issues.push(Issue {
                kind: "issue",
                check_name: rule(check, &f.name),
                description: escape_controls(&format!("{}: {}", f.name, f.message)),
                categories: ["Bug Risk"],
                fingerprint: fingerprint(&path, check, &f.name),
                severity,
                location: IssueLocation {
                    path,
                    lines: Lines { begin: line },
                },
            });
        }
    }
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into()) + "\n"
}

/// `mltest.<check>.<rule>`: the finding's name up to its subject
/// (`metrics.min[auc]` → `metrics.min`).
fn rule(check: &CheckResult, name: &str) -> String {
    let base = name.split('[').next().unwrap_or(name);
    escape_controls(&format!("mltest.{}.{base}", check.id))
}

/// Stable across runs: what the finding is about, not what it measured.
fn fingerprint(path: &str, check: &CheckResult, name: &str) -> String {
    let mut hash = Sha256::new();
    for part in [path, &check.id, name] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    format!("{:x}", hash.finalize())[..32].to_string()
}

/// A label value GitLab keeps: no `#` (it cuts the line), no quotes,
/// backslashes or line breaks. Letters and digits of any script stay; when
/// anything is replaced or cut, a short hash of the original follows, so
/// two names never collapse into one series.
fn label(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "_.:-[]&@/ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(160)
        .collect();
    if kept == text {
        kept
    } else {
        let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
        format!("{kept}~{}", &hash[..8])
    }
}

/// OpenMetrics text: counts at both levels, and each finding's observed
/// value and threshold where it has them.
pub(crate) fn metrics(result: &RunResult) -> String {
    let counts = result.count();
    let mut out = String::new();
    for (level, tally) in [("checks", counts.checks), ("findings", counts.findings)] {
        for outcome in [
            Outcome::Pass,
            Outcome::Warn,
            Outcome::Fail,
            Outcome::Error,
            Outcome::Skip,
        ] {
            let _ = writeln!(
                out,
                "mltest_{level}{{outcome=\"{}\"}} {}",
                outcome.as_str(),
                tally.get(outcome)
            );
        }
    }
    for check in &result.checks {
        for f in &check.findings {
            let labels = format!(
                "check=\"{}\",finding=\"{}\"",
                label(&check.id),
                label(&f.name)
            );
            for (metric, value) in [("observed", f.observed), ("threshold", f.threshold)] {
                if let Some(v) = value.filter(|v| v.is_finite()) {
                    let _ = writeln!(out, "mltest_{metric}{{{labels}}} {}", number(v));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mltest_report::{FindingResult, Location, Severity};
    use std::time::Duration;

    fn run(message: &str, observed: f64) -> RunResult {
        let mut check = CheckResult::new("drift", "drift", Severity::Error);
        check.location = Some(Location::new("suite.toml", 7, 6));
        let mut f = FindingResult::new("drift[a#2]", Outcome::Fail, message);
        f.observed = Some(observed);
        check.findings = vec![f, FindingResult::new("ok", Outcome::Pass, "")];
        check.outcome = Outcome::Fail;
        RunResult::new("s", Duration::ZERO, vec![check])
    }

    #[test]
    fn fingerprints_ignore_what_was_measured() {
        let a: serde_json::Value =
            serde_json::from_str(&codequality(&run("0.5", 0.5), &RepoPaths::default())).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(&codequality(&run("0.7", 0.7), &RepoPaths::default())).unwrap();
        assert_eq!(a.as_array().unwrap().len(), 1);
        assert_eq!(a[0]["fingerprint"], b[0]["fingerprint"]);
        assert_eq!(a[0]["location"]["lines"]["begin"], 7);
        assert_eq!(a[0]["check_name"], "mltest.drift.drift");
    }

    #[test]
    fn metric_labels_hold_no_hash() {
        let text = metrics(&run("x", 0.25));
        assert!(
            text.contains("mltest_checks{outcome=\"fail\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("finding=\"drift[a_2]~"), "{text}");
        assert!(label("名前") != label("住所") && label("名前") == "名前");
        assert_eq!(label("drift[a#2]").len(), "drift[a_2]~".len() + 8);
        assert!(!text.contains('#'));
    }

    #[test]
    fn sections_are_named_as_gitlab_allows() {
        let text = log(&run("x", 1.0), 1700000000);
        assert!(
            text.starts_with(
                "\x1b[0Ksection_start:1700000000:mltest_drift[collapsed=false]\r\x1b[0K"
            )
        );
        assert!(text.contains("\x1b[0Ksection_end:1700000000:mltest_drift\r\x1b[0K"));
    }
}
