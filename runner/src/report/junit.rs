//! The JUnit XML report: one `<testsuite>` per check, one `<testcase>` per
//! finding (`classname` = check id, `name` = finding name), written with
//! quick-xml so it holds what CI consumers read (see `ARCHITECTURE.md`):
//!
//! - `file` and `line` on every testcase: the suite file and the line of
//!   the key the finding comes from (else the check's `id`). GitLab, and
//!   the GitHub JUnit actions, annotate there instead of guessing. Jenkins'
//!   `junit-10.xsd` does not have these two attributes; the
//!   [`Flavor::Strict`] report leaves them out.
//! - `file` on testsuites, `skipped` counts, and totals on `<testsuites>`;
//!   the check's plugin, version, digest, severity and outcome in its
//!   `system-out`.
//! - The text of `<failure>`, `<error>` and `<skipped>` is the message and
//!   body: GitLab shows only element text, and a `<skipped>` without text
//!   shows as a raw hash.
//! - Warnings stay passing cases (a warning never turns CI red); their
//!   `system-out` says `warning:`, and the annotations, step summary and
//!   Code Quality report are where they are seen.
//!
//! All text is sanitised first: XML 1.0 forbids most control characters.

use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use mltest_report::number::short as number;
use mltest_report::text::escape_controls;
use mltest_report::{CheckResult, FindingResult, Outcome, RunResult, Tally};

use super::RepoPaths;

/// Which attribute set the report uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Flavor {
    /// Testcases carry `file` and `line` (what GitLab and the GitHub
    /// actions read); valid against junit-10.xsd extended by exactly those
    /// two attributes.
    #[default]
    Extended,
    /// Only what Jenkins' junit-10.xsd allows.
    Strict,
}

/// `paths` makes the `file` attributes repository-relative, which is what
/// GitLab and the GitHub JUnit actions resolve.
pub(crate) fn render(result: &RunResult, flavor: Flavor, paths: &RepoPaths) -> Vec<u8> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec<u8> cannot fail for I/O reasons.
    let _ = document(&mut writer, result, flavor, paths);
    let mut out = writer.into_inner();
    out.push(b'\n');
    out
}

pub(crate) fn write(
    result: &RunResult,
    path: &Path,
    flavor: Flavor,
    paths: &RepoPaths,
) -> std::io::Result<()> {
    std::fs::write(path, render(result, flavor, paths))
}

type Xml = Writer<Vec<u8>>;

fn document(
    w: &mut Xml,
    result: &RunResult,
    flavor: Flavor,
    paths: &RepoPaths,
) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let findings = result.count().findings;
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", sanitize(&result.suite).as_str()));
    push_counts(&mut root, &findings, false);
    root.push_attribute(("time", seconds(result.duration_ms).as_str()));
    w.write_event(Event::Start(root))?;
    for check in &result.checks {
        suite(w, result, check, flavor, paths)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    Ok(())
}

/// `tests`, `failures`, `errors` and (where the schema has it) `skipped`.
fn push_counts(element: &mut BytesStart<'_>, t: &Tally, skipped: bool) {
    element.push_attribute(("tests", t.total.to_string().as_str()));
    element.push_attribute(("failures", t.fail.to_string().as_str()));
    element.push_attribute(("errors", t.error.to_string().as_str()));
    if skipped {
        element.push_attribute(("skipped", t.skip.to_string().as_str()));
    }
}

/// Whole milliseconds, as the JSON report keeps them, so a report
/// rendered again from saved JSON (`mltest report`) is the same file.
fn seconds(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn suite(
    w: &mut Xml,
    run: &RunResult,
    check: &CheckResult,
    flavor: Flavor,
    paths: &RepoPaths,
) -> std::io::Result<()> {
    let id = sanitize(&check.id);
    let mut element = BytesStart::new("testsuite");
    element.push_attribute(("name", id.as_str()));
    push_counts(
        &mut element,
        &Tally::of(check.findings.iter().map(|f| f.outcome)),
        true,
    );
    element.push_attribute(("time", seconds(check.duration_ms).as_str()));
    if !run.started_at.is_empty() {
        element.push_attribute(("timestamp", sanitize(&run.started_at).as_str()));
    }
    if let Some(location) = &check.location {
        element.push_attribute(("file", sanitize(&paths.relative(&location.file)).as_str()));
    }
    w.write_event(Event::Start(element))?;

    for (i, finding) in check.findings.iter().enumerate() {
        // The check's time goes on its first case: suite time = check time.
        let time = if i == 0 {
            check.duration_ms
        } else {
            std::time::Duration::ZERO
        };
        case(w, check, finding, &seconds(time), flavor, paths)?;
    }

    // The check's facts go in its system-out, not in `<properties>`: no
    // consumer shows properties, and xunitparser refuses a report whose
    // suites repeat a property name.
    let contract = match check.plugin_contract.as_str() {
        "" => String::new(),
        version => format!(", contract {version}"),
    };
    let mut out = format!(
        "plugin: {} {} (sha256:{}{contract})\nseverity: {}\noutcome: {}\n",
        check.plugin,
        check.plugin_version,
        check.plugin_digest,
        match check.severity {
            mltest_report::Severity::Error => "error",
            mltest_report::Severity::Warn => "warn",
        },
        check.outcome.as_str()
    );
    if !check.grants.is_empty() {
        out.push_str(&format!("granted: {}\n", check.grants.join(", ")));
    }
    for line in &check.logs {
        out.push_str(line);
        out.push('\n');
    }
    if !check.stdout.is_empty() {
        out.push_str("--- plugin stdout ---\n");
        out.push_str(&check.stdout);
    }
    text_element(w, "system-out", &out)?;
    text_element(w, "system-err", &check.stderr)?;
    w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    Ok(())
}

fn case(
    w: &mut Xml,
    check: &CheckResult,
    finding: &FindingResult,
    time: &str,
    flavor: Flavor,
    paths: &RepoPaths,
) -> std::io::Result<()> {
    let mut element = BytesStart::new("testcase");
    element.push_attribute(("name", sanitize(&finding.name).as_str()));
    element.push_attribute(("classname", sanitize(&check.id).as_str()));
    element.push_attribute(("time", time));
    let location = check.location_of(finding);
    if flavor == Flavor::Extended
        && let Some(location) = location
    {
        element.push_attribute(("file", sanitize(&paths.relative(&location.file)).as_str()));
        element.push_attribute(("line", location.line.to_string().as_str()));
    }
    w.write_event(Event::Start(element))?;
    let message = sanitize(&finding.message);
    let mut text = format!("{message}\n{}", body(finding));
    if let Some(location) = location {
        text.push_str(&format!("at: {}:{}\n", location.file, location.line));
    }
    let text = sanitize(text.trim_end());
    let result = |w: &mut Xml, tag: &str, kind: &str| -> std::io::Result<()> {
        let mut e = BytesStart::new(tag);
        e.push_attribute(("type", sanitize(kind).as_str()));
        e.push_attribute(("message", message.as_str()));
        w.write_event(Event::Start(e))?;
        w.write_event(Event::Text(BytesText::new(&text)))?;
        w.write_event(Event::End(BytesEnd::new(tag)))?;
        Ok(())
    };
    match finding.outcome {
        Outcome::Pass => text_element(w, "system-out", &text)?,
        Outcome::Warn => text_element(w, "system-out", &format!("warning: {text}"))?,
        Outcome::Fail => result(w, "failure", &format!("{}.fail", check.plugin))?,
        Outcome::Error => {
            let kind = finding
                .properties
                .get("error")
                .map(String::as_str)
                .unwrap_or("error");
            result(w, "error", kind)?;
        }
        // The reason is the text: GitLab shows a text-less skip as a hash.
        Outcome::Skip => result(w, "skipped", "skip")?,
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))?;
    Ok(())
}

/// `<tag>text</tag>`, or nothing when the text is empty.
fn text_element(w: &mut Xml, tag: &str, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    w.write_event(Event::Start(BytesStart::new(tag)))?;
    w.write_event(Event::Text(BytesText::new(&sanitize(text))))?;
    w.write_event(Event::End(BytesEnd::new(tag)))?;
    Ok(())
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

/// Makes any text safe in XML 1.0: control characters other than tab and
/// newline are shown as `\u{..}` escapes and non-characters replaced;
/// quick-xml escapes `<`, `>`, `&` and quotes.
pub(crate) fn sanitize(text: &str) -> String {
    escape_controls(text).replace(['\u{FFFE}', '\u{FFFF}'], "\u{FFFD}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use mltest_report::{Location, Severity};
    use std::time::Duration;

    #[test]
    fn sanitize_removes_what_xml_forbids() {
        let s = sanitize("a\x1b[31mred\x00]]>\u{FFFF}\r\nok\tdone");
        assert_eq!(s, "a\\u{1b}[31mred\\u{0}]]>\u{FFFD}\nok\tdone");
        assert!(!s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
    }

    fn run() -> RunResult {
        let mut check = CheckResult::new("metrics", "metrics", Severity::Error);
        check.location = Some(Location::new("suite.toml", 3, 6));
        let mut fail = FindingResult::new("metrics.min[auc]", Outcome::Fail, "auc <low> & \"bad\"");
        let mut at = Location::new("suite.toml", 9, 1);
        at.key = Some("/thresholds/auc/min".into());
        fail.location = Some(at);
        check.findings = vec![
            fail,
            FindingResult::new("metrics.regression[auc]", Outcome::Skip, "no baseline"),
            FindingResult::new("metrics.max[loss]", Outcome::Warn, "close"),
        ];
        check.outcome = Outcome::Fail;
        RunResult::new("demo", Duration::from_millis(5), vec![check])
    }

    #[test]
    fn cases_carry_locations_and_skips_their_reason() {
        let xml =
            String::from_utf8(render(&run(), Flavor::Extended, &RepoPaths::default())).unwrap();
        assert!(
            xml.contains(r#"<testsuites name="demo" tests="3" failures="1" errors="0""#),
            "{xml}"
        );
        assert!(xml.contains(r#"skipped="1""#), "{xml}");
        assert!(xml.contains(r#"file="suite.toml" line="9">"#), "{xml}");
        // The skipped finding comes from the check as a whole: its line.
        assert!(xml.contains(r#"name="metrics.regression[auc]" classname="metrics" time="0.000" file="suite.toml" line="3""#), "{xml}");
        assert!(
            xml.contains(r#"<skipped type="skip" message="no baseline">no baseline"#),
            "{xml}"
        );
        assert!(
            xml.contains("auc &lt;low&gt; &amp; &quot;bad&quot;"),
            "{xml}"
        );
        assert!(xml.contains("<system-out>warning: close"), "{xml}");
        let strict =
            String::from_utf8(render(&run(), Flavor::Strict, &RepoPaths::default())).unwrap();
        assert!(!strict.contains(" line="), "{strict}");
        assert!(
            strict.contains(r#"<testsuite name="metrics""#)
                && strict.contains(r#"file="suite.toml""#)
        );
    }
}
