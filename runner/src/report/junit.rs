//! The JUnit XML report: one `<testsuite>` per check, one `<testcase>` per
//! finding (`classname` = check id, `name` = finding name).
//!
//! `junit-report` writes neither `<properties>` nor per-case `<system-out>`
//! for failures in every consumer's taste, so observed and threshold values
//! go in the failure message and body, and properties in the body too. All
//! text is sanitised first: XML 1.0 forbids most control characters, and
//! `]]>` would end the CDATA sections the crate writes.

use std::path::Path;
use std::time::Duration;

use junit_report::{Report, TestCase, TestCaseBuilder, TestSuite};

use mltest_report::number::short as number;
use mltest_report::text::escape_controls;
use mltest_report::{CheckResult, FindingResult, Outcome, RunResult};

pub(crate) fn render(result: &RunResult) -> Vec<u8> {
    let mut report = Report::new();
    report.add_testsuites(result.checks.iter().map(suite));
    let mut out = Vec::new();
    // Writing into a Vec<u8> cannot fail for I/O reasons.
    report.write_xml(&mut out).ok();
    out
}

pub(crate) fn write(result: &RunResult, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, render(result))
}

fn suite(check: &CheckResult) -> TestSuite {
    let mut suite = TestSuite::new(&sanitize(&check.id));
    for (i, finding) in check.findings.iter().enumerate() {
        // The check's time goes on its first case: suite time = check time.
        let time = if i == 0 {
            check.duration_ms
        } else {
            Duration::ZERO
        };
        let mut case = case(finding, time, &check.plugin);
        case.set_classname(&sanitize(&check.id));
        suite.add_testcase(case);
    }
    let mut out = format!(
        "plugin: {} {} (sha256:{})\nseverity: {:?}\n",
        check.plugin, check.plugin_version, check.plugin_digest, check.severity
    )
    .to_lowercase();
    for line in &check.logs {
        out.push_str(line);
        out.push('\n');
    }
    if !check.stdout.is_empty() {
        out.push_str("--- plugin stdout ---\n");
        out.push_str(&check.stdout);
    }
    suite.set_system_out(&sanitize(&out));
    if !check.stderr.is_empty() {
        suite.set_system_err(&sanitize(&check.stderr));
    }
    suite
}

fn case(finding: &FindingResult, time: Duration, plugin: &str) -> TestCase {
    let time = junit_report::Duration::try_from(time).unwrap_or(junit_report::Duration::ZERO);
    let name = sanitize(&finding.name);
    let message = sanitize(&finding.message);
    let body = sanitize(&body(finding));
    let mut case = match finding.outcome {
        Outcome::Pass | Outcome::Warn => TestCaseBuilder::success(&name, time),
        Outcome::Fail => {
            TestCaseBuilder::failure(&name, time, &sanitize(&format!("{plugin}.fail")), &message)
        }
        Outcome::Error => {
            let kind = finding
                .properties
                .get("error")
                .map(String::as_str)
                .unwrap_or("error");
            TestCaseBuilder::error(&name, time, &sanitize(kind), &message)
        }
        Outcome::Skip => TestCaseBuilder::skipped_with_cause(&name, "skip", &message),
    };
    // The failure body (observed vs threshold, properties) is what CI UIs
    // show under the failing test; passing cases keep it in system-out.
    case.set_trace(&format!("{message}\n{body}"));
    if matches!(
        finding.outcome,
        Outcome::Pass | Outcome::Warn | Outcome::Skip
    ) {
        let out = match finding.outcome {
            Outcome::Warn => format!("warning: {message}\n{body}"),
            _ => format!("{message}\n{body}"),
        };
        case.set_system_out(out.trim_end());
    }
    case.build()
}

/// Observed vs threshold, details and properties, as plain text.
fn body(finding: &FindingResult) -> String {
    let mut body = String::new();
    if let Some(observed) = finding.observed {
        body.push_str(&format!("observed: {}\n", number(observed)));
    }
    if let Some(threshold) = finding.threshold {
        body.push_str(&format!("threshold: {}\n", number(threshold)));
    }
    for (key, value) in &finding.properties {
        body.push_str(&format!("{key}: {value}\n"));
    }
    if !finding.details.is_empty() {
        body.push_str(&finding.details);
        body.push('\n');
    }
    body
}

/// Makes any text safe in XML 1.0 attributes and CDATA: control characters
/// other than tab and newline are shown as `\u{..}` escapes, non-characters
/// are dropped, and `]]>` is broken up.
pub(crate) fn sanitize(text: &str) -> String {
    escape_controls(text)
        .replace(['\u{FFFE}', '\u{FFFF}'], "\u{FFFD}")
        .replace("]]>", "]] >")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_removes_what_xml_forbids() {
        let s = sanitize("a\x1b[31mred\x00]]>\u{FFFF}\r\nok\tdone");
        assert_eq!(s, "a\\u{1b}[31mred\\u{0}]] >\u{FFFD}\nok\tdone");
        assert!(!s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
    }
}
