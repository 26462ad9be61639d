//! The terminal summary: one line per check, the findings that need
//! attention, and a verdict. Coloured only when stdout is a terminal
//! (`anstream` strips styles otherwise, and honours `NO_COLOR`).

use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::number;
use crate::run::{CheckResult, Outcome, RunResult};

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
pub struct Detail {
    /// Passing findings and plugin output too.
    pub verbose: bool,
    /// Every finding with its details: how each was decided (for drift, the
    /// method chosen for each column and why).
    pub explain: bool,
}

/// Writes the summary.
pub fn write(out: &mut dyn Write, result: &RunResult, detail: Detail) -> std::io::Result<()> {
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
                finding.name,
                finding.message
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
                for line in finding.details.lines() {
                    writeln!(out, "          {dim}{line}{dim:#}")?;
                }
            }
        }
        if detail.verbose || check.outcome == Outcome::Error {
            for line in check.logs.iter().chain(
                check
                    .stderr
                    .lines()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .iter(),
            ) {
                writeln!(out, "      {dim}| {line}{dim:#}")?;
            }
        }
    }
    let count = |o: Outcome| result.checks.iter().filter(|c| c.outcome == o).count();
    let s = style(result.outcome);
    writeln!(
        out,
        "{s}{}{s:#}: {} passed, {} warned, {} failed, {} errored, {} skipped in {:.2}s",
        verdict(result.outcome),
        count(Outcome::Pass),
        count(Outcome::Warn),
        count(Outcome::Fail),
        count(Outcome::Error),
        count(Outcome::Skip),
        result.duration_ms.as_secs_f64()
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
        check.plugin_version,
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
