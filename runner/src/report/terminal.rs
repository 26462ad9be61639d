//! The terminal summary: one line per check, the findings that need
//! attention, and a verdict. Coloured only when stdout is a terminal
//! (`anstream` strips styles otherwise, and honours `NO_COLOR`).
//!
//! Everything a plugin wrote (finding names, messages, details, logs,
//! stderr, its version) has its control characters escaped first, so no
//! plugin can send escape sequences to the user's terminal.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use mltest_report::number::short as number;
use mltest_report::text::escape_controls as esc;
use mltest_report::{CheckResult, Outcome, RunResult};

fn style(outcome: Outcome) -> Style {
    let color = match outcome {
        Outcome::Pass => AnsiColor::Green,
        Outcome::Warn => AnsiColor::Yellow,
        Outcome::Fail | Outcome::Error => AnsiColor::Red,
        Outcome::Skip => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

fn label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "PASS",
        Outcome::Warn => "WARN",
        Outcome::Fail => "FAIL",
        Outcome::Error => "ERROR",
        Outcome::Skip => "SKIP",
    }
}

/// What the summary shows beyond the findings that need attention.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Detail {
    /// Passing findings and plugin output too.
    pub(crate) verbose: bool,
    /// Every finding with its details: how each was decided (for drift, the
    /// method chosen for each column and why).
    pub(crate) explain: bool,
}

/// Writes the summary.
pub(crate) fn write(
    out: &mut dyn Write,
    result: &RunResult,
    detail: Detail,
) -> std::io::Result<()> {
    let verbose = detail.verbose || detail.explain;
    let dim = Style::new().dimmed();
    writeln!(
        out,
        "{}running suite {}{} ({} checks)",
        dim.render(),
        result.suite,
        dim.render_reset(),
        result.checks.len()
    )?;
    for check in &result.checks {
        check_line(out, check)?;
        for finding in &check.findings {
            let notable = matches!(
                finding.outcome,
                Outcome::Fail | Outcome::Error | Outcome::Warn
            );
            if !(notable || verbose) {
                continue;
            }
            let s = style(finding.outcome);
            let mut line = format!(
                "      {s}{:<5}{s:#} {}: {}",
                label(finding.outcome),
                esc(&finding.name),
                esc(&finding.message)
            );
            if let (Some(observed), Some(threshold)) = (finding.observed, finding.threshold) {
                line.push_str(&format!(
                    " {dim}[observed {}, threshold {}]{dim:#}",
                    number(observed),
                    number(threshold)
                ));
            }
            writeln!(out, "{line}")?;
            if detail.explain {
                for line in esc(&finding.details).lines() {
                    writeln!(out, "          {dim}{line}{dim:#}")?;
                }
            }
        }
        if detail.verbose || check.outcome == Outcome::Error {
            let stderr = esc(&check.stderr);
            for line in check
                .logs
                .iter()
                .map(|l| esc(l))
                .chain(stderr.lines().map(str::to_string))
            {
                writeln!(out, "      {dim}| {line}{dim:#}")?;
            }
            let cut = &check.truncated;
            if !cut.is_empty() {
                writeln!(
                    out,
                    "      {dim}| (output cut at its caps: {} log lines dropped, {} findings dropped, {} findings shortened{}){dim:#}",
                    cut.logs_dropped,
                    cut.findings_dropped,
                    cut.findings_shortened,
                    if cut.output_truncated {
                        ", stdout/stderr full"
                    } else {
                        ""
                    }
                )?;
            }
        }
    }
    // Both levels: checks are what gates, findings what there is to fix.
    let counts = result.count();
    let tally = |t: mltest_report::Tally| {
        format!(
            "{} passed, {} warned, {} failed, {} errored, {} skipped",
            t.pass, t.warn, t.fail, t.error, t.skip
        )
    };
    let s = style(result.outcome);
    writeln!(
        out,
        "{s}{}{s:#}: {} checks: {}; {} findings: {} in {:.2}s",
        verdict(result.outcome),
        counts.checks.total,
        tally(counts.checks),
        counts.findings.total,
        tally(counts.findings),
        // Whole milliseconds, as the JSON keeps them, so `mltest report`
        // prints the same line the run did.
        result.duration_ms.as_millis() as f64 / 1000.0
    )
}

fn check_line(out: &mut dyn Write, check: &CheckResult) -> std::io::Result<()> {
    let s = style(check.outcome);
    let dim = Style::new().dimmed();
    writeln!(
        out,
        "  {s}{:<5}{s:#} {} {dim}({} {}, {} ms){dim:#}",
        label(check.outcome),
        check.id,
        check.plugin,
        esc(&check.plugin_version),
        check.duration_ms.as_millis()
    )
}

fn verdict(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass | Outcome::Warn | Outcome::Skip => "PASSED",
        Outcome::Fail => "FAILED",
        Outcome::Error => "ERROR",
    }
}
