//! The JSON report: [`RunResult`] serialised as `mltest-report` defines it
//! (a public contract; its JSON Schema is `report/report.schema.json`).

use std::path::Path;

use mltest_report::RunResult;

pub(crate) fn write(result: &RunResult, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, result.to_json() + "\n")
}
