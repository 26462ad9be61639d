//! GitHub Actions: workflow-command annotations, a log group per check,
//! the step summary and step outputs.
//!
//! What GitHub reads is in `ci-consumers` notes summarised in
//! `ARCHITECTURE.md`: commands start the line (no colour code before
//! `::`); messages escape `%`, CR and LF, properties also `:` and `,`;
//! at most 10 annotations per level per step are kept, so they are chosen
//! round-robin over the checks; the summary is dropped whole past 1 MiB,
//! so it keeps to a budget; untrusted plugin output is echoed between
//! `::stop-commands::` markers so it cannot issue commands.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use mltest_report::number::short as number;
use mltest_report::text::escape_controls;
use mltest_report::{CheckResult, FindingResult, Outcome, RunResult};

use super::RepoPaths;

/// Annotations GitHub keeps per level per step.
const ANNOTATIONS_PER_LEVEL: usize = 10;
/// GitHub cuts messages here; stay under it.
const MAX_MESSAGE: usize = 4000;
/// The step summary's budget: GitHub drops a summary over 1 MiB whole.
pub(crate) const SUMMARY_BUDGET: usize = 512 * 1024;

/// `%`, CR and LF in a message, escaped as the runner unescapes them.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The log: a group per check with its findings and plugin output, then
/// the annotations.
pub(crate) fn log(result: &RunResult, paths: &RepoPaths) -> String {
    let mut out = String::new();
    for check in &result.checks {
        let _ = writeln!(
            out,
            "::group::mltest {}: {} ({} {})",
            escape_data(&check.id),
            check.outcome.as_str(),
            escape_data(&check.plugin),
            escape_data(&escape_controls(&check.plugin_version))
        );
        let echoed = super::check_log(check);
        out.push_str(&stop_commands(&echoed));
        out.push_str("::endgroup::\n");
    }
    out.push_str(&annotations(result, paths));
    out
}

/// The terminal summary for a GitHub log: uncoloured, and fenced, since it
/// holds plugin text with its line breaks (a message could otherwise put
/// a workflow command on a line of its own).
pub(crate) fn terminal(result: &RunResult, detail: super::terminal::Detail) -> String {
    let mut text = Vec::new();
    let _ = super::terminal::write(&mut text, result, detail);
    let text = anstream::adapter::strip_str(&String::from_utf8_lossy(&text)).to_string();
    stop_commands(&text)
}

/// Wraps untrusted text so the runner parses no command in it. The token
/// is a digest of the text itself, so the text cannot contain it (and the
/// output stays deterministic).
pub(crate) fn stop_commands(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let token = format!("mltest-{:x}", Sha256::digest(text.as_bytes()));
    let mut out = format!("::stop-commands::{token}\n{text}");
    if !text.ends_with('\n') {
        out.push('\n');
    }
    let _ = writeln!(out, "::{token}::");
    out
}

/// `::error` for failing and errored findings, `::warning` for warnings,
/// at most 10 each, taken round-robin over the checks so that every
/// failing check is seen; a notice says how many more there are.
pub(crate) fn annotations(result: &RunResult, paths: &RepoPaths) -> String {
    let mut out = String::new();
    let mut left = Vec::new();
    for (level, outcomes) in [
        ("error", &[Outcome::Error, Outcome::Fail][..]),
        ("warning", &[Outcome::Warn][..]),
    ] {
        let per_check: Vec<Vec<(&CheckResult, &FindingResult)>> = result
            .checks
            .iter()
            .map(|c| {
                c.findings
                    .iter()
                    .filter(|f| outcomes.contains(&f.outcome))
                    .map(|f| (c, f))
                    .collect()
            })
            .filter(|v: &Vec<_>| !v.is_empty())
            .collect();
        let total: usize = per_check.iter().map(Vec::len).sum();
        let chosen = round_robin(&per_check, ANNOTATIONS_PER_LEVEL);
        for (check, finding) in &chosen {
            out.push_str(&annotation(level, check, finding, paths));
        }
        if total > chosen.len() {
            left.push(format!(
                "{} more {}",
                total - chosen.len(),
                if level == "error" {
                    "failing findings"
                } else {
                    "warnings"
                }
            ));
        }
    }
    if !left.is_empty() {
        let _ = writeln!(
            out,
            "::notice title=mltest::{} are not annotated (GitHub keeps {ANNOTATIONS_PER_LEVEL} per level): see the step summary or the JUnit report",
            left.join(" and ")
        );
    }
    out
}

/// Takes the first of each list in turn until `limit` are taken.
fn round_robin<T: Copy>(lists: &[Vec<T>], limit: usize) -> Vec<T> {
    let mut taken = Vec::new();
    let mut depth = 0;
    while taken.len() < limit {
        let mut any = false;
        for list in lists {
            if let Some(item) = list.get(depth) {
                any = true;
                if taken.len() < limit {
                    taken.push(*item);
                }
            }
        }
        if !any {
            break;
        }
        depth += 1;
    }
    taken
}

fn annotation(level: &str, check: &CheckResult, f: &FindingResult, paths: &RepoPaths) -> String {
    let mut properties = Vec::new();
    if let Some(at) = check.location_of(f) {
        properties.push(format!(
            "file={}",
            escape_property(&paths.relative(&at.file))
        ));
        properties.push(format!("line={}", at.line));
        properties.push(format!("col={}", at.column));
    }
    properties.push(format!(
        "title={}",
        escape_property(&cut(
            &format!("mltest {}: {}", check.id, escape_controls(&f.name)),
            200
        ))
    ));
    let mut message = escape_controls(&f.message);
    if let (Some(observed), Some(threshold)) = (f.observed, f.threshold) {
        let _ = write!(
            message,
            " (observed {}, threshold {})",
            number(observed),
            number(threshold)
        );
    }
    format!(
        "::{level} {}::{}\n",
        properties.join(","),
        escape_data(&cut(&message, MAX_MESSAGE))
    )
}

/// `name=value` lines for `$GITHUB_OUTPUT`: the outcome and both levels
/// of counts.
pub(crate) fn outputs(result: &RunResult) -> String {
    let counts = result.count();
    let mut out = format!("outcome={}\n", result.outcome.as_str());
    for (level, tally) in [("checks", counts.checks), ("findings", counts.findings)] {
        let _ = writeln!(out, "{level}={}", tally.total);
        for outcome in [
            Outcome::Pass,
            Outcome::Warn,
            Outcome::Fail,
            Outcome::Error,
            Outcome::Skip,
        ] {
            let _ = writeln!(out, "{level}_{}={}", past(outcome), tally.get(outcome));
        }
    }
    out
}

fn past(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "passed",
        Outcome::Warn => "warned",
        Outcome::Fail => "failed",
        Outcome::Error => "errored",
        Outcome::Skip => "skipped",
    }
}

/// Text made safe in a GFM table cell (and as HTML, which GitHub renders
/// in summaries): one line, `|` escaped, markup characters as entities.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_controls(text).chars() {
        match c {
            '\n' | '\t' => out.push(' '),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push_str("&#96;"),
            '*' | '_' | '[' | ']' | '\\' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    cut(&out, 1000)
}

fn icon(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✅",
        Outcome::Warn => "⚠️",
        Outcome::Fail => "❌",
        Outcome::Error => "💥",
        Outcome::Skip => "⏭️",
    }
}

/// The step summary (GitHub-flavoured Markdown): a headline with both
/// levels of counts, a table of checks, and per check that failed or
/// warned a `<details>` block with those findings. Kept within `budget`
/// bytes: once a block would not fit, the rest are counted, not dropped
/// silently.
pub(crate) fn summary(result: &RunResult, paths: &RepoPaths, budget: usize) -> String {
    let counts = result.count();
    let c = counts.checks;
    let f = counts.findings;
    let verdict = match result.outcome {
        Outcome::Pass | Outcome::Warn | Outcome::Skip => "passed",
        Outcome::Fail => "failed",
        Outcome::Error => "could not be evaluated",
    };
    let mut out = format!(
        "## {} mltest: {} {verdict}\n\n**{} of {} checks failed**{} · findings: {} failed, {} errored, {} warned, {} passed, {} skipped · {:.2} s\n\n",
        icon(result.outcome),
        cell(&result.suite),
        c.fail,
        c.total,
        if c.error > 0 {
            format!(", {} errored", c.error)
        } else {
            String::new()
        },
        f.fail,
        f.error,
        f.warn,
        f.pass,
        f.skip,
        result.duration_ms.as_secs_f64()
    );
    out.push_str("| | check | plugin | failed | warned | passed | skipped | time |\n");
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|\n");
    // The table gets at most half the budget; the details the rest.
    let mut checks_left = 0usize;
    for check in &result.checks {
        let row = format!(
            "| {} | {} | {} {} | {} | {} | {} | {} | {} ms |\n",
            icon(check.outcome),
            cell(&check.id),
            cell(&check.plugin),
            cell(&check.plugin_version),
            check.count(Outcome::Fail) + check.count(Outcome::Error),
            check.count(Outcome::Warn),
            check.count(Outcome::Pass),
            check.count(Outcome::Skip),
            check.duration_ms.as_millis()
        );
        if checks_left > 0 || out.len() + row.len() > budget / 2 {
            checks_left += 1;
            continue;
        }
        out.push_str(&row);
    }
    if checks_left > 0 {
        let _ = writeln!(
            out,
            "\n_{checks_left} more checks did not fit this summary; the JUnit and JSON reports have them all._"
        );
    }
    out.push('\n');
    let mut left_out = 0usize;
    for check in &result.checks {
        let notable: Vec<&FindingResult> = check
            .findings
            .iter()
            .filter(|f| matches!(f.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn))
            .collect();
        if notable.is_empty() {
            continue;
        }
        if left_out > 0 {
            left_out += notable.len();
            continue;
        }
        let failing = notable
            .iter()
            .filter(|f| f.outcome != Outcome::Warn)
            .count();
        let mut block = format!(
            "<details><summary>{} <b>{}</b>: {failing} failing, {} warnings</summary>\n\n| | finding | message | at |\n|---|---|---|---|\n",
            icon(check.outcome),
            cell(&check.id),
            notable.len() - failing
        );
        let end = "\n</details>\n\n";
        let mut rows = 0;
        for finding in &notable {
            let at = check
                .location_of(finding)
                .map(|l| format!("{}:{}", paths.relative(&l.file), l.line))
                .unwrap_or_default();
            let row = format!(
                "| {} | {} | {} | {} |\n",
                icon(finding.outcome),
                cell(&finding.name),
                cell(&finding.message),
                cell(&at)
            );
            // Room for this row, the block's end and a final note.
            if out.len() + block.len() + row.len() + end.len() + 200 > budget {
                break;
            }
            block.push_str(&row);
            rows += 1;
        }
        if rows == 0 {
            left_out += notable.len();
            continue;
        }
        if rows < notable.len() {
            left_out += notable.len() - rows;
        }
        block.push_str(end);
        out.push_str(&block);
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "_{left_out} more findings did not fit this summary; the JUnit and JSON reports have them all._"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mltest_report::{Location, Severity};
    use std::time::Duration;

    /// The runner's unescaping, as GitHub documents it.
    fn unescape(text: &str) -> String {
        text.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    }

    fn run(checks: usize, findings: usize, outcome: Outcome) -> RunResult {
        let checks = (0..checks)
            .map(|c| {
                let mut check = CheckResult::new(format!("c{c}"), "p", Severity::Error);
                check.location = Some(Location::new("suite.toml", c as u32 + 1, 6));
                check.findings = (0..findings)
                    .map(|i| FindingResult::new(format!("f{i}"), outcome, "50%, a:b\nnext"))
                    .collect();
                check.outcome = outcome;
                check
            })
            .collect();
        RunResult::new("s", Duration::ZERO, checks)
    }

    #[test]
    fn annotations_escape_and_round_trip() {
        let text = annotations(&run(1, 1, Outcome::Fail), &RepoPaths::default());
        let line = text.lines().next().unwrap();
        assert!(
            line.starts_with("::error file=suite.toml,line=1,col=6,title=mltest c0%3A f0::"),
            "{line}"
        );
        let message = line.split_once("::").unwrap().1.split_once("::").unwrap().1;
        assert_eq!(unescape(message), "50%, a:b\nnext");
    }

    #[test]
    fn ten_per_level_round_robin_over_checks_then_a_count() {
        let text = annotations(&run(3, 5, Outcome::Fail), &RepoPaths::default());
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("::error")).collect();
        assert_eq!(errors.len(), 10);
        // Every check is annotated before any check gets a second one.
        for (i, line) in errors.iter().take(3).enumerate() {
            assert!(line.contains(&format!("title=mltest c{i}%3A f0")), "{line}");
        }
        assert!(
            text.contains("::notice title=mltest::5 more failing findings"),
            "{text}"
        );
    }

    #[test]
    fn the_terminal_summary_cannot_issue_commands() {
        let mut result = run(1, 1, Outcome::Fail);
        result.checks[0].findings[0].message = "x\n::error file=a::pwned\n##[add-mask]y".into();
        let text = terminal(
            &result,
            super::super::terminal::Detail {
                verbose: true,
                explain: true,
            },
        );
        let mut lines = text.lines();
        let open = lines.next().unwrap();
        let token = open.strip_prefix("::stop-commands::").expect("fenced");
        let body: Vec<&str> = lines.collect();
        assert_eq!(body.last(), Some(&format!("::{token}::").as_str()));
        assert!(
            body.iter().any(|l| l.starts_with("::error file=a::pwned")),
            "the text is there, inert"
        );
    }

    #[test]
    fn stop_commands_enclose_untrusted_output() {
        let hostile = "::error::injected\n::endgroup::\n";
        let wrapped = stop_commands(hostile);
        let token = wrapped
            .lines()
            .next()
            .unwrap()
            .strip_prefix("::stop-commands::")
            .unwrap();
        assert!(!hostile.contains(token));
        assert!(wrapped.ends_with(&format!("::{token}::\n")));
    }

    #[test]
    fn summary_keeps_to_its_budget_and_counts_what_it_left_out() {
        let result = run(4, 2000, Outcome::Fail);
        let text = summary(&result, &RepoPaths::default(), 64 * 1024);
        assert!(text.len() <= 64 * 1024, "{}", text.len());
        assert!(text.contains("**4 of 4 checks failed**"));
        assert!(text.contains("more findings did not fit this summary"));
        assert_eq!(
            text.matches("<details>").count(),
            text.matches("</details>").count()
        );
        // Thousands of checks: the table itself is cut, and says so.
        let many = run(5000, 1, Outcome::Fail);
        let text = summary(&many, &RepoPaths::default(), 64 * 1024);
        assert!(text.len() <= 64 * 1024, "{}", text.len());
        assert!(text.contains("more checks did not fit this summary"));
    }

    #[test]
    fn outputs_give_both_levels() {
        let text = outputs(&run(2, 3, Outcome::Warn));
        assert!(text.contains("outcome=warn\n"));
        assert!(text.contains("checks_warned=2\n"));
        assert!(text.contains("findings_warned=6\n"));
    }
}
