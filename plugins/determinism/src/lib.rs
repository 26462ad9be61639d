//! The `determinism` check: does the same model on the same input give the
//! same output?
//!
//! Two sources of outputs, either or both:
//! - `outputs`: artifacts already on disk, the first the baseline (a golden
//!   output), each other compared with it;
//! - `rerun`: a command the suite declares under `[commands]`, which the
//!   runner executes K times host-side in fresh folders; each run's outputs
//!   are compared with the first run's, and with `golden` outputs if given.
//!
//! Tables are compared element-wise (rows aligned by `key` columns or by
//! position; discrete values exactly, floats within `rtol`/`atol`/`max_ulp`),
//! JSON documents value by value with the same float tolerance, anything
//! else by sha256 digest.

use std::collections::BTreeMap;

use mltest_sdk::kernels::{self, Alignment, TableDiffRequest, Tolerance};
use mltest_sdk::serde_json::Value;
use mltest_sdk::{
    ArtifactKind, ArtifactName, Check, CommandName, Finding, Result, artifacts, bail, columns,
};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Artifacts to compare: the first is the baseline (e.g. golden
    /// predictions), each other is compared with it.
    #[serde(default)]
    outputs: Vec<ArtifactName>,
    /// A command declared under `[commands]` to run K times and compare run against run.
    #[serde(default)]
    rerun: Option<CommandName>,
    /// Golden artifacts for the re-run's outputs, by output name: every run must match them too.
    #[serde(default)]
    golden: BTreeMap<String, ArtifactName>,
    /// Key columns to align table rows by; default: by position.
    #[serde(default)]
    key: Vec<String>,
    /// Columns to compare (names or glob patterns); default: every column of the baseline.
    #[serde(default)]
    columns: Vec<String>,
    /// Columns to leave out (names or glob patterns).
    #[serde(default)]
    exclude: Vec<String>,
    /// Relative tolerance for floats: |a − e| ≤ atol + rtol·|e|. Default 0 (exact).
    #[serde(default)]
    rtol: f64,
    /// Absolute tolerance for floats. Default 0.
    #[serde(default)]
    atol: f64,
    /// Floats also match when at most this many representable doubles apart.
    #[serde(default)]
    max_ulp: Option<u64>,
    /// Per-column tolerances (name or glob pattern).
    #[serde(default)]
    per_column: BTreeMap<String, ColumnTolerance>,
    /// How many differing rows (or JSON paths) to show.
    #[serde(default = "default_show")]
    show: u32,
}

fn default_show() -> u32 {
    5
}

#[derive(Deserialize, JsonSchema, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct ColumnTolerance {
    #[serde(default)]
    rtol: Option<f64>,
    #[serde(default)]
    atol: Option<f64>,
    #[serde(default)]
    max_ulp: Option<u64>,
}

struct Determinism;

impl Check for Determinism {
    type Params = Params;
    const NAME: &'static str = "determinism";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "same input, same output: candidate vs golden outputs and re-runs of a scoring command (tables, JSON, digests)";

    fn run(params: Params) -> Result<Vec<Finding>> {
        if params.rtol < 0.0 || params.atol < 0.0 {
            bail!("rtol and atol must not be negative");
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        match params.outputs.as_slice() {
            [] => {}
            [only] => bail!(
                "`outputs` names only `{}`: give a baseline and at least one output to compare with it",
                only.0
            ),
            [baseline, others @ ..] => {
                pairs.extend(others.iter().map(|o| (baseline.0.clone(), o.0.clone())));
            }
        }
        if let Some(command) = &params.rerun {
            let runs = artifacts::command_runs(command)?;
            let Some((first, rest)) = runs.split_first() else {
                bail!("command `{command}` ran no times");
            };
            for (output, baseline) in &first.outputs {
                for run in rest {
                    if let Some((_, artifact)) = run.outputs.iter().find(|(o, _)| o == output) {
                        pairs.push((baseline.clone(), artifact.clone()));
                    }
                }
                if let Some(golden) = params.golden.get(output) {
                    for run in &runs {
                        if let Some((_, artifact)) = run.outputs.iter().find(|(o, _)| o == output) {
                            pairs.push((golden.0.clone(), artifact.clone()));
                        }
                    }
                }
            }
            if let Some(unknown) = params
                .golden
                .keys()
                .find(|g| !first.outputs.iter().any(|(o, _)| o == *g))
            {
                bail!(
                    "`golden` names output `{unknown}`, which command `{command}` does not declare"
                );
            }
        } else if !params.golden.is_empty() {
            bail!(
                "`golden` needs `rerun`: for artifacts on disk, list the golden one first in `outputs`"
            );
        }
        if pairs.is_empty() {
            bail!(
                "nothing to compare: give `outputs` (two or more artifacts) or `rerun` (a declared command)"
            );
        }
        let mut findings = Vec::new();
        for (baseline, other) in &pairs {
            let kind = (artifacts::kind(baseline)?, artifacts::kind(other)?);
            match kind {
                (ArtifactKind::Table, ArtifactKind::Table) => {
                    findings.extend(compare_tables(&params, baseline, other)?)
                }
                (ArtifactKind::Document, ArtifactKind::Document) => {
                    findings.push(compare_documents(&params, baseline, other)?)
                }
                _ => findings.push(compare_digests(baseline, other)?),
            }
        }
        Ok(findings)
    }
}

fn tolerance(params: &Params, column: &str) -> Result<Tolerance> {
    let mut o = Default::default();
    for (pattern, t) in &params.per_column {
        if columns::matches(std::slice::from_ref(pattern), column)? {
            o = *t;
            break;
        }
    }
    Ok(Tolerance {
        rtol: o.rtol.unwrap_or(params.rtol),
        atol: o.atol.unwrap_or(params.atol),
        max_ulp: o.max_ulp.or(params.max_ulp),
    })
}

fn compare_tables(params: &Params, baseline: &str, other: &str) -> Result<Vec<Finding>> {
    let (expected, actual) = (artifacts::table(baseline)?, artifacts::table(other)?);
    let expected_names: Vec<String> = expected.schema()?.into_iter().map(|f| f.name).collect();
    let actual_names: Vec<String> = actual.schema()?.into_iter().map(|f| f.name).collect();
    for k in &params.key {
        if !expected_names.contains(k) || !actual_names.contains(k) {
            bail!("key column `{k}` is not in both `{baseline}` and `{other}`");
        }
    }
    let selection = columns::Selection::new(&params.columns, &params.exclude)?;
    let selected: Vec<&String> = expected_names
        .iter()
        .filter(|c| !params.key.contains(c))
        .filter(|c| selection.selected(c))
        .collect();
    let mut findings = Vec::new();
    let missing: Vec<&str> = selected
        .iter()
        .filter(|c| !actual_names.contains(c))
        .map(|c| c.as_str())
        .collect();
    let columns: Vec<(String, Tolerance)> = selected
        .iter()
        .filter(|c| actual_names.contains(c))
        .map(|c| Ok(((*c).clone(), tolerance(params, c)?)))
        .collect::<Result<_>>()?;
    let diff = kernels::compare_tables(
        &actual,
        &expected,
        &TableDiffRequest {
            align: match params.key.is_empty() {
                true => Alignment::ByPosition,
                false => Alignment::ByKey(params.key.clone()),
            },
            columns,
            limit: params.show,
        },
    )?;

    // Rows: counts, and with a key, which keys pair up.
    let pair = format!("{other} vs {baseline}");
    let rows_name = format!("determinism.rows[{pair}]");
    let mut problems = Vec::new();
    if diff.rows_actual != diff.rows_expected {
        problems.push(format!(
            "{} rows vs {} in `{baseline}`",
            diff.rows_actual, diff.rows_expected
        ));
    }
    if diff.missing_keys > 0 {
        problems.push(format!(
            "{} keys of `{baseline}` missing, e.g. {}",
            diff.missing_keys,
            diff.missing_examples.join("; ")
        ));
    }
    if diff.extra_keys > 0 {
        problems.push(format!(
            "{} keys not in `{baseline}`, e.g. {}",
            diff.extra_keys,
            diff.extra_examples.join("; ")
        ));
    }
    if diff.duplicate_keys > 0 {
        problems.push(format!("{} rows repeat a key", diff.duplicate_keys));
    }
    if !missing.is_empty() {
        problems.push(format!("columns missing: {}", missing.join(", ")));
    }
    let rows = if problems.is_empty() {
        Finding::pass(
            rows_name,
            format!("{} rows, the same as `{baseline}`", diff.rows_actual),
        )
    } else {
        Finding::fail(rows_name, problems.join("; "))
    };
    findings.push(
        rows.property("baseline", baseline)
            .property("rows", diff.rows_actual)
            .property("rows_baseline", diff.rows_expected)
            .property("missing_keys", diff.missing_keys)
            .property("extra_keys", diff.extra_keys)
            .property("duplicate_keys", diff.duplicate_keys),
    );

    for column in diff.columns {
        let column = match column {
            Ok(c) => c,
            Err(e) => {
                findings.push(Finding::error(
                    format!("determinism.column[{pair}]"),
                    mltest_sdk::Error::from(e).message(),
                ));
                continue;
            }
        };
        let name = format!("determinism.column[{pair}: {}]", column.column);
        let t = tolerance(params, &column.column)?;
        let largest = match (column.max_abs_diff, column.max_rel_diff) {
            (Some(a), Some(r)) => format!(
                "; largest difference {a:.3e} (relative {r:.3e}, {} ulp)",
                column.max_ulp.unwrap_or(0)
            ),
            _ => String::new(),
        };
        let tolerance_text = if column.max_abs_diff.is_some() {
            let ulp = t
                .max_ulp
                .map(|u| format!(" or {u} ulp"))
                .unwrap_or_default();
            format!(" (rtol {}, atol {}{ulp})", num(t.rtol), num(t.atol))
        } else {
            " (exact)".to_string()
        };
        let finding = if column.mismatches == 0 {
            Finding::pass(
                name,
                format!("{} rows match{tolerance_text}{largest}", column.compared),
            )
        } else {
            let shown: Vec<String> = column
                .first
                .iter()
                .map(|m| {
                    format!(
                        "row {}: {} vs {}",
                        m.row,
                        m.actual.as_deref().unwrap_or("null"),
                        m.expected.as_deref().unwrap_or("null")
                    )
                })
                .collect();
            let cell = |v: &Option<String>| {
                v.as_deref()
                    .unwrap_or("null")
                    .chars()
                    .take(48)
                    .collect::<String>()
            };
            let rows = mltest_sdk::Plot::Rows {
                columns: vec!["row".into(), other.to_string(), baseline.to_string()]
                    .into_iter()
                    .map(|c: String| c.chars().take(48).collect())
                    .collect(),
                rows: column
                    .first
                    .iter()
                    .take(20)
                    .map(|m| {
                        vec![
                            m.row.chars().take(48).collect(),
                            cell(&m.actual),
                            cell(&m.expected),
                        ]
                    })
                    .collect(),
            };
            Finding::fail(
                name,
                format!(
                    "{} of {} rows differ{tolerance_text}{largest}; first: {}",
                    column.mismatches,
                    column.compared,
                    shown.first().cloned().unwrap_or_default()
                ),
            )
            .details(format!(
                "first differing rows ({other} vs {baseline}):\n{}",
                shown.join("\n")
            ))
            .plot(&rows)
        };
        let mut finding = finding
            .observed(column.mismatches as f64)
            .threshold(0.0)
            .property("baseline", baseline)
            .property("column", &column.column)
            .property("rows_compared", column.compared)
            .property("rows_differing", column.mismatches)
            .property("rtol", t.rtol)
            .property("atol", t.atol);
        if let Some(a) = column.max_abs_diff {
            finding = finding.property("max_abs_diff", a);
        }
        if let Some(r) = column.max_rel_diff {
            finding = finding.property("max_rel_diff", r);
        }
        if let Some(u) = column.max_ulp {
            finding = finding.property("max_ulp", u);
        }
        findings.push(finding);
    }
    Ok(findings)
}

/// Differences between two JSON values: paths, with both sides.
fn json_diff(
    path: &str,
    a: &Value,
    e: &Value,
    t: &Tolerance,
    out: &mut Vec<String>,
    max_abs: &mut f64,
) {
    match (a, e) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) {
                let d = (x - y).abs();
                *max_abs = max_abs.max(d);
                if d > t.atol + t.rtol * y.abs() {
                    out.push(format!("{path}: {x} vs {y}"));
                }
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in y {
                match x.get(k) {
                    Some(w) => json_diff(&format!("{path}.{k}"), w, v, t, out, max_abs),
                    None => out.push(format!("{path}.{k}: missing")),
                }
            }
            for k in x.keys().filter(|k| !y.contains_key(*k)) {
                out.push(format!("{path}.{k}: not in the baseline"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                out.push(format!("{path}: {} items vs {}", x.len(), y.len()));
            }
            for (i, (w, v)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{path}[{i}]"), w, v, t, out, max_abs);
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(format!("{path}: {x} vs {y}")),
    }
}

fn compare_documents(params: &Params, baseline: &str, other: &str) -> Result<Finding> {
    let (expected, actual) = (artifacts::document(baseline)?, artifacts::document(other)?);
    let t = Tolerance {
        rtol: params.rtol,
        atol: params.atol,
        max_ulp: None,
    };
    let mut differences = Vec::new();
    let mut max_abs = 0.0;
    json_diff("$", &actual, &expected, &t, &mut differences, &mut max_abs);
    let name = format!("determinism.document[{other} vs {baseline}]");
    let finding = if differences.is_empty() {
        Finding::pass(
            name,
            format!(
                "the same as `{baseline}` (rtol {}, atol {})",
                num(t.rtol),
                num(t.atol)
            ),
        )
    } else {
        let shown: Vec<String> = differences
            .iter()
            .take(params.show as usize)
            .cloned()
            .collect();
        Finding::fail(
            name,
            format!(
                "{} values differ from `{baseline}`; first: {}",
                differences.len(),
                shown[0]
            ),
        )
        .details(shown.join("\n"))
    };
    Ok(finding
        .observed(differences.len() as f64)
        .threshold(0.0)
        .property("baseline", baseline)
        .property("differences", differences.len())
        .property("max_abs_diff", max_abs))
}

fn compare_digests(baseline: &str, other: &str) -> Result<Finding> {
    let (expected, actual) = (artifacts::digest(baseline)?, artifacts::digest(other)?);
    let name = format!("determinism.digest[{other} vs {baseline}]");
    let finding = if expected == actual {
        Finding::pass(
            name,
            format!("byte-identical to `{baseline}` (sha256 {})", &actual[..12]),
        )
    } else {
        Finding::fail(
            name,
            format!(
                "bytes differ from `{baseline}`: sha256 {} vs {}",
                &actual[..12],
                &expected[..12]
            ),
        )
    };
    Ok(finding
        .property("baseline", baseline)
        .property("sha256", actual)
        .property("sha256_baseline", expected))
}

/// Tolerances as people write them: `1e-12`, not `0.000000000001`.
fn num(v: f64) -> String {
    mltest_sdk::number::short(v)
}

mltest_sdk::export_check!(Determinism);
