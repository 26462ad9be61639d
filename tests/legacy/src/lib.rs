//! A check written against `mltest:plugin@0.1.0` with the raw bindings, as
//! a plugin published before 0.2 was: it must keep working, unchanged.
//!
//! It leans on what 0.2 changed: `bins: 0` for Sturges, a capped distinct
//! count reported as `limit + 1`, an empty key for alignment by position,
//! the single `kernels` interface, and errors as text. Params are
//! `reference;current;column` (0.1 plugins parse their own).

wit_bindgen::generate!({
    path: "../../wit/since_v0.1.0",
    world: "check",
});

use mltest::plugin::artifacts;
use mltest::plugin::kernels::{self, BinEdges, Binning, ColumnKind, DriftMethod, DriftRequest};
use mltest::plugin::log;
use mltest::plugin::types::Outcome;

struct Legacy;

/// The distinct limit: small, so a continuous column exceeds it.
const LIMIT: u32 = 3;

fn finding(
    name: &str,
    message: String,
    observed: Option<f64>,
    props: &[(&str, String)],
) -> Finding {
    Finding {
        name: name.to_string(),
        outcome: Outcome::Pass,
        message,
        details: String::new(),
        observed,
        threshold: None,
        properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

impl Guest for Legacy {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "legacy".into(),
            version: "0.1.0".into(),
            summary: "a 0.1 plugin (compatibility tests)".into(),
            params_schema: r#"{"type":"object","properties":{"reference":{"type":"string","format":"mltest-artifact"},"current":{"type":"string","format":"mltest-artifact"},"column":{"type":"string"}},"required":["reference","current","column"],"additionalProperties":false}"#.into(),
        }
    }

    fn run(params: String) -> Result<Vec<Finding>, String> {
        let field = |key: &str| -> Result<String, String> {
            let needle = format!("\"{key}\":\"");
            let start = params.find(&needle).ok_or(format!("no `{key}`"))? + needle.len();
            let len = params[start..].find('"').ok_or("unterminated")?;
            Ok(params[start..start + len].to_string())
        };
        let (reference, current, column) =
            (field("reference")?, field("current")?, field("column")?);
        log::write(log::Level::Info, "running on the 0.1 contract");
        let reference = artifacts::open_table(&reference)?;
        let current = artifacts::open_table(&current)?;
        let rows = current.num_rows()?;

        let profile =
            kernels::profile_pairs(&reference, &current, std::slice::from_ref(&column), LIMIT)
                .pop()
                .ok_or("no profile")??;

        let binning = Binning {
            edges: BinEdges::Both,
            bins: 0,
            smoothing: kernels::Smoothing::Evidently,
        };
        let request = DriftRequest {
            column: column.clone(),
            method: DriftMethod::Psi,
            kind: ColumnKind::Numerical,
            binning,
        };
        let psi = kernels::drift(&reference, &current, &[request])
            .pop()
            .ok_or("no drift")??;

        let missing = match current.column("no-such-column") {
            Ok(_) => "found".to_string(),
            Err(text) => text,
        };

        let same = kernels::compare_tables(
            &current,
            &current,
            &kernels::TableDiffRequest {
                key: Vec::new(),
                columns: vec![(
                    column.clone(),
                    kernels::Tolerance {
                        rtol: 0.0,
                        atol: 0.0,
                        max_ulp: None,
                    },
                )],
                limit: 1,
            },
        )?;
        let compared = match &same.columns[0] {
            Ok(diff) => diff.compared,
            Err(e) => return Err(e.clone()),
        };

        let stats = kernels::summarize(&current.column(&column)?)?;
        Ok(vec![
            finding(
                "legacy.rows",
                format!("{rows} rows"),
                Some(rows as f64),
                &[],
            ),
            finding(
                "legacy.distinct",
                format!("distinct current values, capped at {LIMIT}"),
                Some(profile.distinct_current as f64),
                &[("exact", stats.distinct.to_string())],
            ),
            finding(
                "legacy.psi",
                format!("psi {}", psi.statistic),
                Some(psi.statistic),
                &[("bins", psi.bins.to_string())],
            ),
            finding("legacy.missing", missing, None, &[]),
            finding(
                "legacy.compare",
                format!("{compared} compared by position"),
                Some(compared as f64),
                &[],
            ),
        ])
    }
}

export!(Legacy);
