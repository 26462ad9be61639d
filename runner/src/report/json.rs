//! The JSON report: a public contract, documented in README.md.
//!
//! `{suite, outcome, duration_ms, checks: [{id, plugin, plugin_version,
//! plugin_digest, severity, outcome, duration_ms, error, findings: [{name,
//! outcome, message, details?, observed, threshold, properties}], logs,
//! stdout, stderr}]}`. Fields are only ever added, never renamed.

use std::path::Path;

use crate::run::RunResult;

pub fn render(result: &RunResult) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(result).unwrap_or_default()
}

pub fn write(result: &RunResult, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, render(result) + "\n")
}
