//! The `drift` check: has the data moved between a reference table
//! (training, or last month's serving) and a current one?
//!
//! Per column, a method is chosen by documented rules (see [`rules`]), each
//! with its threshold; the host computes the statistics for all columns in
//! parallel. The plugin keeps the policy: which method, which threshold,
//! what counts as drifted, and the dataset verdict (share of drifted columns
//! against `max_drifted_share`). The method and threshold actually used are
//! in every finding, so a change in data size never changes a test silently.

mod rules;

use std::collections::BTreeMap;

use mltest_sdk::kernels::{
    self, BinCount, BinEdges, Binning, DriftRequest, PairProfile, SideProfile, Smoothing,
};
use mltest_sdk::{
    ArtifactName, Check, Finding, Outcome, Plot, Result, Table, artifacts, bail, columns, worst,
};
use schemars::JsonSchema;
use serde::Deserialize;

use rules::{Choice, Kind, Method, Preset};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Artifact name of the reference table (what "no drift" looks like).
    reference: ArtifactName,
    /// Artifact name of the current table.
    current: ArtifactName,
    /// Columns to compare, as names or glob patterns; default: every column
    /// both tables have.
    #[serde(default)]
    columns: Vec<String>,
    /// Columns (names or glob patterns) to leave out.
    #[serde(default)]
    exclude: Vec<String>,
    /// `default`: Evidently's rules with the contingency chi-square.
    /// `evidently`: Evidently's choices and numbers exactly (goodness-of-fit chi-square).
    #[serde(default)]
    preset: Preset,
    /// One method for every column, instead of the automatic choice.
    #[serde(default)]
    method: Option<Method>,
    /// Per column (name or glob pattern): method, threshold or kind.
    #[serde(default)]
    per_column: BTreeMap<String, ColumnOverride>,
    /// Threshold per method: the p-value below which a test says drift, or the
    /// distance at or above which a distance says drift.
    #[serde(default)]
    thresholds: BTreeMap<Method, f64>,
    /// The dataset drifts when at least this share of compared columns drift.
    #[serde(default = "default_share")]
    max_drifted_share: f64,
    /// How numerical columns are binned for psi, kl_div, jensen_shannon and hellinger.
    #[serde(default)]
    binning: BinningParams,
    /// Outcome of a drifted column's own finding: `warn` (reported; the
    /// dataset share decides) or `fail`.
    #[serde(default)]
    column_outcome: Level,
    /// Largest allowed change in a column's null share (absolute, 0.1 = 10
    /// points) before its finding is marked with `column_outcome`.
    #[serde(default = "default_null_change")]
    max_null_share_change: f64,
    /// What current categories unseen in the reference do to a column's finding.
    #[serde(default = "default_new_categories")]
    new_categories: Policy,
    /// Attach binned reference-vs-current summaries (20 bins, or the top
    /// categories) to each column's finding, for the HTML report.
    #[serde(default = "default_plots")]
    plots: bool,
    /// What a column's finding is when a profile side only brackets its
    /// statistic and the bracket straddles the threshold: `warn` (the
    /// default), `fail`, or `pass`.
    #[serde(default)]
    inconclusive: Inconclusive,
}

#[derive(Deserialize, JsonSchema, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Inconclusive {
    Pass,
    #[default]
    Warn,
    Fail,
}

fn default_plots() -> bool {
    true
}

/// Bins of a numerical column's plot.
const PLOT_BINS: usize = 20;
/// Categories a categorical column's plot shows, from each side's top.
const PLOT_CATEGORIES: u32 = 10;

fn default_share() -> f64 {
    0.5
}

fn default_null_change() -> f64 {
    0.1
}

fn default_new_categories() -> Policy {
    Policy::Warn
}

#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ColumnOverride {
    #[serde(default)]
    method: Option<Method>,
    #[serde(default)]
    threshold: Option<f64>,
    /// Compare as `numerical` or `categorical` values.
    #[serde(default)]
    kind: Option<Kind>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BinningParams {
    /// `both` (equal width over both samples), `reference` (equal width over
    /// the reference, outer bins open) or `reference_quantiles`.
    #[serde(default = "default_edges")]
    edges: EdgesParam,
    /// A bin count, or `"sturges"` (NumPy's rule).
    #[serde(default)]
    bins: BinsParam,
    /// Empty bins: `none`, `evidently` (min share / 1e6, at most 1e-4) or a
    /// share. Default: `evidently` for psi and kl_div (which need non-zero
    /// shares), `none` for jensen_shannon and hellinger (as Evidently does).
    #[serde(default)]
    smoothing: Option<SmoothingParam>,
}

impl Default for BinningParams {
    fn default() -> Self {
        BinningParams {
            edges: default_edges(),
            bins: BinsParam::default(),
            smoothing: None,
        }
    }
}

fn default_edges() -> EdgesParam {
    EdgesParam::Both
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum EdgesParam {
    Both,
    Reference,
    ReferenceQuantiles,
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(untagged)]
pub enum BinsParam {
    /// 1 to 100,000 bins (the host's bound): `mltest validate` refuses more.
    Count(#[schemars(range(min = 1, max = 100_000))] u32),
    Rule(BinsRule),
}

impl Default for BinsParam {
    fn default() -> Self {
        BinsParam::Rule(BinsRule::Sturges)
    }
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum BinsRule {
    Sturges,
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(untagged)]
pub enum SmoothingParam {
    Floor(f64),
    Rule(SmoothingRule),
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum SmoothingRule {
    None,
    Evidently,
}

impl BinningParams {
    /// Empty-bin smoothing for a method, unless the suite sets one.
    fn smoothing(&self, method: Method) -> SmoothingParam {
        self.smoothing.unwrap_or(match method {
            Method::Psi | Method::KlDiv => SmoothingParam::Rule(SmoothingRule::Evidently),
            _ => SmoothingParam::Rule(SmoothingRule::None),
        })
    }

    fn to_wit(&self, method: Method) -> Binning {
        Binning {
            edges: match self.edges {
                EdgesParam::Both => BinEdges::Both,
                EdgesParam::Reference => BinEdges::Reference,
                EdgesParam::ReferenceQuantiles => BinEdges::ReferenceQuantiles,
            },
            bins: match self.bins {
                BinsParam::Count(n) => BinCount::Count(n.max(1)),
                BinsParam::Rule(BinsRule::Sturges) => BinCount::Sturges,
            },
            smoothing: match self.smoothing(method) {
                SmoothingParam::Floor(v) => Smoothing::Floor(v),
                SmoothingParam::Rule(SmoothingRule::None) => Smoothing::None,
                SmoothingParam::Rule(SmoothingRule::Evidently) => Smoothing::Evidently,
            },
        }
    }

    fn describe(&self, method: Method) -> String {
        let edges = match self.edges {
            EdgesParam::Both => "both",
            EdgesParam::Reference => "reference",
            EdgesParam::ReferenceQuantiles => "reference_quantiles",
        };
        let bins = match self.bins {
            BinsParam::Count(n) => n.to_string(),
            BinsParam::Rule(BinsRule::Sturges) => "sturges".into(),
        };
        let smoothing = match self.smoothing(method) {
            SmoothingParam::Floor(v) => v.to_string(),
            SmoothingParam::Rule(SmoothingRule::None) => "none".into(),
            SmoothingParam::Rule(SmoothingRule::Evidently) => "evidently".into(),
        };
        format!("edges={edges}, bins={bins}, smoothing={smoothing}")
    }
}

#[derive(Deserialize, JsonSchema, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Warn,
    Fail,
}

impl Level {
    fn outcome(self) -> Outcome {
        match self {
            Level::Warn => Outcome::Warn,
            Level::Fail => Outcome::Fail,
        }
    }
}

#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    Allow,
    Warn,
    Fail,
}

/// Distinct values counted exactly up to this; the rules need far fewer.
const DISTINCT_LIMIT: u32 = 1000;

struct Drift;

impl Check for Drift {
    type Params = Params;
    const NAME: &'static str = "drift";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "data and prediction drift per column (KS, chi-square, z, PSI, Jensen-Shannon, Wasserstein...) and the share of drifted columns";

    fn run(params: Params) -> Result<Vec<Finding>> {
        if !(0.0..=1.0).contains(&params.max_drifted_share) {
            bail!("max_drifted_share must be between 0 and 1");
        }
        let reference = artifacts::table(&params.reference)?;
        let current = artifacts::table(&params.current)?;
        let (columns, only_one_side) = select_columns(&params, &reference, &current)?;
        if columns.is_empty() {
            bail!(
                "no columns to compare: `{}` and `{}` share none that the `columns`/`exclude` patterns select",
                params.reference.0,
                params.current.0
            );
        }
        let profiles = kernels::profile_pairs(&reference, &current, &columns, DISTINCT_LIMIT)?;

        // Choose per column, then compute every statistic in one batch.
        let mut planned: Vec<(usize, Choice)> = Vec::new();
        let mut findings: Vec<Option<Finding>> = vec![None; columns.len()];
        for (i, (column, profile)) in columns.iter().zip(&profiles).enumerate() {
            let profile = match profile {
                Ok(p) => p,
                Err(e) => {
                    findings[i] = Some(Finding::error(name(column), e.message()));
                    continue;
                }
            };
            match choose(&params, column, profile) {
                // Without values on a side there is no statistic to ask for.
                Ok(choice)
                    if values(&profile.reference, choice.kind) == 0
                        || values(&profile.current, choice.kind) == 0 =>
                {
                    findings[i] = Some(no_values(&params, column, &choice, profile));
                }
                Ok(choice) => planned.push((i, choice)),
                Err(e) => findings[i] = Some(Finding::error(name(column), e.message())),
            }
        }
        let requests: Vec<DriftRequest> = planned
            .iter()
            .map(|(i, choice)| DriftRequest {
                column: columns[*i].clone(),
                method: choice.method.to_wit(),
                kind: choice.kind.to_wit(),
                binning: params.binning.to_wit(choice.method),
            })
            .collect();
        let results = kernels::drift_estimates(&reference, &current, &requests)?;

        let mut drifted = Vec::new();
        let mut evaluated = 0usize;
        for ((i, choice), result) in planned.iter().zip(results) {
            let column = &columns[*i];
            let profile = profiles[*i].as_ref().ok();
            let finding = match result {
                Ok(result) => {
                    evaluated += 1;
                    let verdict = judge(&params, column, choice, &result, profile);
                    if verdict.drifted {
                        drifted.push(column.clone());
                    }
                    // A plot is an extra: a column it cannot be drawn for
                    // keeps its verdict.
                    match params.plots {
                        true => match plot(&reference, &current, column, choice.kind) {
                            Ok(plot) => verdict.finding.plot(&plot),
                            Err(_) => verdict.finding,
                        },
                        false => verdict.finding,
                    }
                }
                Err(e) => Finding::error(name(column), e.message()),
            };
            findings[*i] = Some(finding);
        }
        let mut out: Vec<Finding> = findings
            .into_iter()
            .flatten()
            .map(|f| match override_of(&params, &f) {
                Some(pattern) => f.param(format!("/per_column/{}", pointer_token(pattern))),
                None => f,
            })
            .collect();
        out.push(dataset(&params, &drifted, evaluated, &only_one_side).param("/max_drifted_share"));
        Ok(out)
    }
}

/// The `per_column` pattern that applies to a column's finding, if any:
/// reports point at it rather than at the check.
fn override_of<'p>(params: &'p Params, finding: &Finding) -> Option<&'p String> {
    let column = finding.name.strip_prefix("drift[")?.strip_suffix(']')?;
    params
        .per_column
        .keys()
        // Every pattern compiled in `select_columns` before any finding.
        .find(|pattern| columns::matches(std::slice::from_ref(pattern), column).unwrap_or(false))
}

fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Binned summaries of both sides for the HTML report: equal-width bins
/// over both sides' finite range, or the top categories of each side, as
/// shares of the values.
fn plot(reference: &Table, current: &Table, column: &str, kind: Kind) -> Result<Plot> {
    let (r, c) = (reference.column(column)?, current.column(column)?);
    let (rs, cs) = (r.stats()?, c.stats()?);
    let values = |s: &mltest_sdk::ColumnStats| s.count.saturating_sub(s.nulls + s.nans) as f64;
    let shares = |counts: &[u64], total: f64| -> Vec<f64> {
        counts
            .iter()
            .map(|&n| if total > 0.0 { n as f64 / total } else { 0.0 })
            .collect()
    };
    match kind {
        Kind::Numerical => {
            let lo = rs
                .min
                .into_iter()
                .chain(cs.min)
                .fold(f64::INFINITY, f64::min);
            let hi = rs
                .max
                .into_iter()
                .chain(cs.max)
                .fold(f64::NEG_INFINITY, f64::max);
            if !(lo.is_finite() && hi.is_finite()) {
                bail!("no finite values to bin");
            }
            let width = if hi > lo {
                (hi - lo) / PLOT_BINS as f64
            } else {
                1.0
            };
            let mut edges: Vec<f64> = (0..=PLOT_BINS).map(|i| lo + width * i as f64).collect();
            edges[PLOT_BINS] = if hi > lo { hi } else { lo + 1.0 };
            let (rc, cc) = (r.histogram(&edges)?, c.histogram(&edges)?);
            let total = |counts: &[u64]| counts.iter().sum::<u64>() as f64;
            Ok(Plot::Histogram {
                reference: shares(&rc, total(&rc)),
                current: shares(&cc, total(&cc)),
                edges,
            })
        }
        Kind::Categorical => {
            // Enough of each side's counts that the shown categories' counts
            // are exact whenever a side has few distinct values.
            let (rv, cv) = (r.value_counts(256)?, c.value_counts(256)?);
            let mut labels: Vec<String> = Vec::new();
            for v in rv
                .top
                .iter()
                .take(PLOT_CATEGORIES as usize)
                .chain(cv.top.iter().take(PLOT_CATEGORIES as usize))
            {
                if !labels.contains(&v.value) {
                    labels.push(v.value.clone());
                }
            }
            let count = |counts: &mltest_sdk::ValueCounts, label: &str| {
                counts
                    .top
                    .iter()
                    .find(|v| v.value == label)
                    .map_or(0, |v| v.count)
            };
            let rc: Vec<u64> = labels.iter().map(|l| count(&rv, l)).collect();
            let cc: Vec<u64> = labels.iter().map(|l| count(&cv, l)).collect();
            Ok(Plot::Categories {
                reference: shares(&rc, values(&rs)),
                current: shares(&cc, values(&cs)),
                // Long values are cut for display (labels are bounded).
                labels: labels
                    .iter()
                    .map(|l| l.chars().take(48).collect())
                    .collect(),
            })
        }
    }
}

fn name(column: &str) -> String {
    format!("drift[{column}]")
}

/// The columns to compare, in the current table's order, and those only
/// one table has (reported in the dataset finding).
fn select_columns(
    params: &Params,
    reference: &mltest_sdk::Table,
    current: &mltest_sdk::Table,
) -> Result<(Vec<String>, Vec<String>)> {
    let overrides: Vec<String> = params.per_column.keys().cloned().collect();
    columns::Patterns::new(&overrides)?;
    let selection = columns::Selection::new(&params.columns, &params.exclude)?;
    let reference_names: Vec<String> = reference.schema()?.into_iter().map(|f| f.name).collect();
    let current_names: Vec<String> = current.schema()?.into_iter().map(|f| f.name).collect();
    let wanted = |c: &String| selection.selected(c);
    let columns = current_names
        .iter()
        .filter(|c| reference_names.contains(c) && wanted(c))
        .cloned()
        .collect();
    let only_one_side = reference_names
        .iter()
        .filter(|c| !current_names.contains(c))
        .chain(
            current_names
                .iter()
                .filter(|c| !reference_names.contains(c)),
        )
        .filter(|c| wanted(c))
        .cloned()
        .collect();
    // A plain name (no wildcard) that is missing is a mistake, not a filter.
    for c in &params.columns {
        let plain = !c.contains(['*', '?', '[']);
        if plain && !(reference_names.contains(c) && current_names.contains(c)) {
            bail!(
                "column `{c}` is not in both `{}` and `{}`",
                params.reference.0,
                params.current.0
            );
        }
    }
    Ok((columns, only_one_side))
}

fn choose(params: &Params, column: &str, profile: &PairProfile) -> Result<Choice> {
    let overrides = params
        .per_column
        .iter()
        // Compiled in `select_columns`, which runs first.
        .filter(|(pattern, _)| {
            columns::matches(std::slice::from_ref(pattern), column).unwrap_or(false)
        })
        .map(|(_, o)| o)
        .collect::<Vec<_>>();
    let method = overrides.iter().find_map(|o| o.method).or(params.method);
    let kind = overrides.iter().find_map(|o| o.kind);
    let threshold = overrides.iter().find_map(|o| o.threshold);
    rules::choose(
        params.preset,
        profile,
        method,
        kind,
        threshold,
        &params.thresholds,
    )
}

struct Verdict {
    finding: Finding,
    drifted: bool,
}

fn share(missing: u64, rows: u64) -> f64 {
    if rows == 0 {
        0.0
    } else {
        missing as f64 / rows as f64
    }
}

fn null_shares(profile: Option<&PairProfile>) -> (f64, f64) {
    profile.map_or((0.0, 0.0), |p| {
        (
            share(p.reference.nulls + p.reference.nans, p.reference.rows),
            share(p.current.nulls + p.current.nans, p.current.rows),
        )
    })
}

fn judge(
    params: &Params,
    column: &str,
    choice: &Choice,
    estimate: &kernels::DriftEstimate,
    profile: Option<&PairProfile>,
) -> Verdict {
    let result = &estimate.value;
    let score = result.p_value.unwrap_or(result.statistic);
    // The range the full-data score lies in: one value when exact.
    let range = match (estimate.exactness, estimate.p_value) {
        (kernels::Exactness::Exact, _) => (score, score),
        (_, Some(p)) if result.p_value.is_some() => (p.low, p.high),
        _ => (estimate.statistic.low, estimate.statistic.high),
    };
    let comparison = choice.method.comparison(params.preset);
    let (low, high) = (
        comparison.drifted(range.0, choice.threshold),
        comparison.drifted(range.1, choice.threshold),
    );
    // Drift is declared only when every value in a bracket drifts, so a
    // bracketed statistic never raises an alarm its full-data value would
    // not. (Exact statistics from a profile are exact for their own bins:
    // edges on bucket bounds, categories past the cap counted together.)
    let inconclusive = low != high;
    let drifted = (low && high) || (inconclusive && params.inconclusive == Inconclusive::Fail);
    let mut outcome = match (inconclusive, drifted) {
        (true, false) if params.inconclusive == Inconclusive::Warn => Outcome::Warn,
        // "fail": an undecided column counts as a drifted one.
        (_, true) => params.column_outcome.outcome(),
        (_, false) => Outcome::Pass,
    };
    let shown = match inconclusive || range.0 != range.1 {
        true => format!("in [{}, {}]", fmt(range.0), fmt(range.1)),
        false => fmt(score),
    };
    let compare = format!(
        "{}{shown} (drift {} {})",
        if choice.method.is_test() {
            "p-value "
        } else {
            ""
        },
        comparison.as_str(),
        fmt(choice.threshold)
    );
    let verdict = match (inconclusive, drifted) {
        (true, _) => "inconclusive",
        (false, true) => "drifted",
        (false, false) => "no drift",
    };
    let mut message = format!("{verdict}: {} {compare}", choice.method.label());
    if inconclusive {
        message += "; the profile's buckets cannot decide: profile with more mantissa bits, or compare the table itself";
    }
    let mut notes = Vec::new();
    let (null_reference, null_current) = null_shares(profile);
    let null_change = null_current - null_reference;
    if null_change.abs() > params.max_null_share_change {
        outcome = worst(outcome, params.column_outcome.outcome());
        notes.push(format!(
            "null share {:.2}% → {:.2}% (allowed change {:.2} points)",
            null_reference * 100.0,
            null_current * 100.0,
            params.max_null_share_change * 100.0
        ));
    }
    let new = result.new_categories.as_ref().filter(|n| n.rows > 0);
    if let Some(new) = new {
        let examples: Vec<String> = new
            .examples
            .iter()
            .take(3)
            .map(|e| format!("\"{}\" ({})", e.value, e.count))
            .collect();
        notes.push(format!(
            "{} new categor{} in {} rows, e.g. {}",
            new.distinct,
            if new.distinct == 1 { "y" } else { "ies" },
            new.rows,
            examples.join(", ")
        ));
        match params.new_categories {
            Policy::Allow => {}
            Policy::Warn => outcome = worst(outcome, Outcome::Warn),
            Policy::Fail => outcome = worst(outcome, Outcome::Fail),
        }
    }
    if !notes.is_empty() {
        message = format!("{message}; {}", notes.join("; "));
    }
    let mut details = vec![
        format!(
            "method: {} ({})",
            choice.method.as_str(),
            choice.method.label()
        ),
        format!("chosen: {}", choice.reason),
        format!("kind: {}", choice.kind.as_str()),
        format!("computed: {}", result.detail),
        format!(
            "values: {} reference, {} current; left out (null, NaN, inf): {} reference, {} current",
            result.n_reference, result.n_current, result.missing_reference, result.missing_current
        ),
    ];
    if choice.method.is_binned() && choice.kind == Kind::Numerical {
        details.push(format!(
            "binning: {}",
            params.binning.describe(choice.method)
        ));
    }
    let mut finding = Finding::new(name(column), outcome, message)
        .observed(score)
        .threshold(choice.threshold)
        .property("column", column)
        .property("method", choice.method.as_str())
        .property("kind", choice.kind.as_str())
        .property("statistic", result.statistic)
        .property("threshold", choice.threshold)
        .property("drifted", drifted)
        .property(
            "exactness",
            match estimate.exactness {
                kernels::Exactness::Exact => "exact",
                kernels::Exactness::Bracketed => "bracketed",
            },
        )
        .property("n_reference", result.n_reference)
        .property("n_current", result.n_current)
        .property("reason", &choice.reason)
        .property("null_share_reference", null_reference)
        .property("null_share_current", null_current);
    if let Some(p) = result.p_value {
        finding = finding.property("p_value", p);
    }
    if estimate.exactness == kernels::Exactness::Bracketed {
        finding = finding
            .property("inconclusive", inconclusive)
            .property("statistic_low", estimate.statistic.low)
            .property("statistic_high", estimate.statistic.high);
        if let Some(p) = estimate.p_value {
            finding = finding
                .property("p_value_low", p.low)
                .property("p_value_high", p.high);
        }
    }
    if let Some(n) = &result.new_categories {
        finding = finding
            .property("new_categories", n.distinct)
            .property("new_category_rows", n.rows);
        if let Some(new) = new {
            let all: Vec<String> = new
                .examples
                .iter()
                .map(|e| format!("{} ({})", e.value, e.count))
                .collect();
            details.push(format!("new categories: {}", all.join(", ")));
        }
    }
    Verdict {
        finding: finding.details(details.join("\n")),
        drifted,
    }
}

/// Values a statistic of this kind would use: nulls and NaN never count,
/// infinities only as categories.
fn values(side: &SideProfile, kind: Kind) -> u64 {
    let missing = side.nulls + side.nans;
    let missing = match kind {
        Kind::Numerical => missing + side.infinities,
        Kind::Categorical => missing,
    };
    side.rows.saturating_sub(missing)
}

/// A column with no values on one side: no statistic exists, but the change
/// itself is news when only one side is empty.
fn no_values(params: &Params, column: &str, choice: &Choice, profile: &PairProfile) -> Finding {
    let (null_reference, null_current) = null_shares(Some(profile));
    let empty = |side: &SideProfile| values(side, choice.kind) == 0;
    let finding = match (empty(&profile.reference), empty(&profile.current)) {
        (true, true) => Finding::skip(name(column), "no values on either side: nothing to compare"),
        (reference_empty, _) => {
            let outcome = if (null_current - null_reference).abs() > params.max_null_share_change {
                params.column_outcome.outcome()
            } else {
                Outcome::Warn
            };
            let side = if reference_empty {
                "reference"
            } else {
                "current"
            };
            Finding::new(
                name(column),
                outcome,
                format!(
                    "cannot compare: the {side} sample has no values; null share {:.2}% → {:.2}%",
                    null_reference * 100.0,
                    null_current * 100.0
                ),
            )
        }
    };
    finding
        .property("column", column)
        .property("method", choice.method.as_str())
        .property("threshold", choice.threshold)
        .property("drifted", false)
        .property("null_share_reference", null_reference)
        .property("null_share_current", null_current)
}

fn dataset(
    params: &Params,
    drifted: &[String],
    evaluated: usize,
    only_one_side: &[String],
) -> Finding {
    let share = if evaluated == 0 {
        0.0
    } else {
        drifted.len() as f64 / evaluated as f64
    };
    let failed = evaluated > 0 && share >= params.max_drifted_share;
    let mut message = format!(
        "{} of {} columns drifted ({:.1}%; dataset drift at {:.1}% or more)",
        drifted.len(),
        evaluated,
        share * 100.0,
        params.max_drifted_share * 100.0
    );
    if !drifted.is_empty() {
        message.push_str(&format!(": {}", drifted.join(", ")));
    }
    let mut details = Vec::new();
    if !only_one_side.is_empty() {
        details.push(format!(
            "columns in only one table (not compared): {}",
            only_one_side.join(", ")
        ));
    }
    details.push(format!("preset: {}", params.preset.as_str()));
    let finding = if evaluated == 0 {
        Finding::skip("drift.dataset", "no column could be compared")
    } else {
        Finding::check("drift.dataset", !failed, message)
    };
    finding
        .observed(share)
        .threshold(params.max_drifted_share)
        .property("drifted_columns", drifted.len())
        .property("columns", evaluated)
        .property("share", share)
        .property("max_drifted_share", params.max_drifted_share)
        .property("preset", params.preset.as_str())
        .details(details.join("\n"))
}

/// Short, exact enough for messages: 4 significant digits, scientific when tiny.
fn fmt(v: f64) -> String {
    mltest_sdk::number::significant(v, 4)
}

mltest_sdk::export_check!(Drift);
