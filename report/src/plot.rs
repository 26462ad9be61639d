//! Plot data: binned summaries a plugin attaches to a finding, which the
//! HTML report draws. Never raw rows, so a report stays small whatever the
//! table's size, and plots are deterministic.
//!
//! Plugins are untrusted: the runner accepts a plot only if
//! [`Plot::validate`] does (bounded lengths, finite numbers, consistent
//! shapes), and drops it otherwise.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The property a plugin sets, as JSON, to attach a plot; the runner moves
/// it into [`crate::FindingResult::plot`].
pub const PLOT_PROPERTY: &str = "mltest.plot";

/// Most bins, categories, groups or rows in one plot.
pub const MAX_POINTS: usize = 256;
/// Longest label (category, group, column or cell), in bytes.
pub const MAX_LABEL: usize = 200;
/// Largest magnitude of an edge, a metric value or a bound: far past any
/// real one, and small enough that differences of two stay finite.
pub const MAX_MAGNITUDE: f64 = 1e100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Plot {
    /// A numerical column: the share of rows per bin, reference against
    /// current, over shared edges (`edges.len() == bins + 1`).
    Histogram {
        edges: Vec<f64>,
        reference: Vec<f64>,
        current: Vec<f64>,
    },
    /// A categorical column: the share of rows of its top categories.
    Categories {
        labels: Vec<String>,
        reference: Vec<f64>,
        current: Vec<f64>,
    },
    /// Rates per group (fairness): one series per rate the metric
    /// compares, each with the bound its groups are held to.
    Groups {
        metric: String,
        groups: Vec<String>,
        series: Vec<Series>,
    },
    /// A metric of the candidate against its baseline, with the worst
    /// value still allowed.
    Comparison {
        metric: String,
        candidate: f64,
        baseline: f64,
        allowed: f64,
        greater_is_better: bool,
    },
    /// Rows that differ (determinism): a header and the first rows.
    Rows {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// One rate across the groups of a [`Plot::Groups`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Series {
    pub name: String,
    /// Per group; `null` where the rate is undefined (no positives, say).
    pub values: Vec<Option<f64>>,
    /// The rate every group must reach (or stay under), given the best
    /// group and the metric's bound; absent when the metric sets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<Option<f64>>, bound: Option<f64>) -> Self {
        Series {
            name: name.into(),
            values,
            bound,
        }
    }
}

impl Plot {
    /// Checks a plot from a plugin before it goes in the report.
    pub fn validate(&self) -> Result<(), String> {
        let finite = |name: &str, values: &[f64]| {
            if values
                .iter()
                .all(|v| v.is_finite() && v.abs() <= MAX_MAGNITUDE)
            {
                Ok(())
            } else {
                Err(format!(
                    "`{name}` holds a value that is not finite or past {MAX_MAGNITUDE:e}"
                ))
            }
        };
        // Shares and rates are fractions.
        let shares = |name: &str, values: &[f64]| {
            if values.iter().all(|v| (0.0..=1.0).contains(v)) {
                Ok(())
            } else {
                Err(format!("`{name}` holds a value outside [0, 1]"))
            }
        };
        let points = |name: &str, n: usize| {
            if n == 0 || n > MAX_POINTS {
                Err(format!(
                    "`{name}` must hold 1 to {MAX_POINTS} entries, not {n}"
                ))
            } else {
                Ok(())
            }
        };
        let same = |a: (&str, usize), b: (&str, usize)| {
            if a.1 == b.1 {
                Ok(())
            } else {
                Err(format!(
                    "`{}` has {} entries but `{}` has {}",
                    a.0, a.1, b.0, b.1
                ))
            }
        };
        let labels = |name: &str, labels: &[String]| {
            if labels.iter().all(|l| l.len() <= MAX_LABEL) {
                Ok(())
            } else {
                Err(format!("`{name}` holds a label over {MAX_LABEL} bytes"))
            }
        };
        match self {
            Plot::Histogram {
                edges,
                reference,
                current,
            } => {
                points("reference", reference.len())?;
                same(("reference", reference.len()), ("current", current.len()))?;
                same(("edges", edges.len()), ("bins + 1", reference.len() + 1))?;
                finite("edges", edges)?;
                shares("reference", reference)?;
                shares("current", current)?;
                if edges.windows(2).any(|w| w[0] > w[1]) {
                    return Err("`edges` must not decrease".into());
                }
                Ok(())
            }
            Plot::Categories {
                labels: names,
                reference,
                current,
            } => {
                points("labels", names.len())?;
                same(("labels", names.len()), ("reference", reference.len()))?;
                same(("labels", names.len()), ("current", current.len()))?;
                labels("labels", names)?;
                shares("reference", reference)?;
                shares("current", current)
            }
            Plot::Groups {
                metric,
                groups,
                series,
            } => {
                points("groups", groups.len())?;
                if series.is_empty() || series.len() > 4 {
                    return Err("`series` must hold 1 to 4 rates".into());
                }
                labels("groups", groups)?;
                labels("metric", std::slice::from_ref(metric))?;
                for s in series {
                    labels("series", std::slice::from_ref(&s.name))?;
                    same(("groups", groups.len()), ("a series", s.values.len()))?;
                    shares(
                        "values",
                        &s.values.iter().flatten().copied().collect::<Vec<_>>(),
                    )?;
                    finite("bound", s.bound.as_slice())?;
                }
                Ok(())
            }
            Plot::Comparison {
                metric,
                candidate,
                baseline,
                allowed,
                ..
            } => {
                labels("metric", std::slice::from_ref(metric))?;
                finite(
                    "candidate, baseline and allowed",
                    &[*candidate, *baseline, *allowed],
                )
            }
            Plot::Rows { columns, rows } => {
                points("columns", columns.len())?;
                if rows.len() > MAX_POINTS {
                    return Err(format!("`rows` holds more than {MAX_POINTS} rows"));
                }
                labels("columns", columns)?;
                for row in rows {
                    same(("columns", columns.len()), ("a row", row.len()))?;
                    labels("rows", row)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_consistent_plots_and_refuses_the_rest() {
        let ok = Plot::Histogram {
            edges: vec![0.0, 1.0, 2.0],
            reference: vec![0.5, 0.5],
            current: vec![0.25, 0.75],
        };
        assert_eq!(ok.validate(), Ok(()));
        let short_edges = Plot::Histogram {
            edges: vec![0.0, 1.0],
            reference: vec![0.5, 0.5],
            current: vec![0.25, 0.75],
        };
        assert!(short_edges.validate().unwrap_err().contains("edges"));
        let nan = Plot::Groups {
            metric: "demographic_parity_ratio".into(),
            groups: vec!["a".into()],
            series: vec![Series::new("selection_rate", vec![Some(f64::NAN)], None)],
        };
        assert!(nan.validate().unwrap_err().contains("outside [0, 1]"));
        // Values that would overflow SVG coordinates are refused.
        let huge = Plot::Comparison {
            metric: "auc".into(),
            candidate: -1e308,
            baseline: 1e308,
            allowed: 0.0,
            greater_is_better: true,
        };
        assert!(huge.validate().unwrap_err().contains("not finite or past"));
        let negative = Plot::Histogram {
            edges: vec![0.0, 1.0],
            reference: vec![-0.5],
            current: vec![1.0],
        };
        assert!(negative.validate().is_err());
        let ragged = Plot::Rows {
            columns: vec!["a".into(), "b".into()],
            rows: vec![vec!["1".into()]],
        };
        assert!(ragged.validate().is_err());
        let many = Plot::Categories {
            labels: vec!["x".into(); MAX_POINTS + 1],
            reference: vec![0.0; MAX_POINTS + 1],
            current: vec![0.0; MAX_POINTS + 1],
        };
        assert!(many.validate().is_err());
    }
}
