//! How a drift method is chosen for a column, and what its threshold means.
//!
//! The automatic rules start from Evidently's defaults, which users know:
//!
//! | column | reference ≤ 1000 values | reference > 1000 values |
//! |---|---|---|
//! | numerical, > 5 distinct (both sides) | `ks` (p < 0.05) | `wasserstein_normed` (≥ 0.1) |
//! | numerical, 3–5 distinct | `chi_square` (p < 0.05) | `jensen_shannon` (≥ 0.1) |
//! | ≤ 2 distinct | `z` (p < 0.05) | `jensen_shannon` (≥ 0.1) |
//! | categorical (strings, booleans), > 2 distinct | `chi_square` (p < 0.05) | `jensen_shannon` (≥ 0.1) |
//!
//! "Distinct" counts both sides together. Binned methods (psi, kl_div,
//! jensen_shannon, hellinger) bin a numerical column only when the
//! reference has more than 20 distinct values; otherwise each value is a
//! category (Evidently's `get_binned_data`).
//!
//! One deliberate difference: the `default` preset's `chi_square` is the
//! contingency test (reference and current both samples). Evidently's
//! chi-square is a goodness-of-fit test that takes the reference proportions
//! as exact; with many categories and a small reference it raises false
//! alarms on data that did not move. The `evidently` preset keeps Evidently's
//! form (`chi_square_gof`) for parity, and also its column typing (integer
//! columns with at most 10 distinct current values are categorical) and its
//! KS rule (drift at p ≤ threshold rather than p < threshold).

use std::collections::BTreeMap;

use mltest_sdk::kernels::{ColumnKind, DriftMethod, PairProfile};
use mltest_sdk::{DataType, Result, bail};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Preset {
    #[default]
    Default,
    Evidently,
}

impl Preset {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Preset::Default => "default",
            Preset::Evidently => "evidently",
        }
    }
}

#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Method {
    /// Two-sample Kolmogorov–Smirnov test (p-value).
    Ks,
    /// Chi-square contingency test on category counts (p-value).
    ChiSquare,
    /// Evidently's chi-square: goodness of fit to the reference proportions (p-value).
    ChiSquareGof,
    /// Two-proportion z-test, at most two categories (p-value).
    Z,
    /// Population stability index (distance).
    Psi,
    /// Kullback–Leibler divergence of the reference from the current (distance).
    KlDiv,
    /// Jensen–Shannon distance, natural log (distance).
    JensenShannon,
    /// Hellinger distance (distance).
    Hellinger,
    /// Wasserstein-1 distance in the column's units (distance; no default threshold).
    Wasserstein,
    /// Wasserstein-1 over the reference standard deviation (distance).
    WassersteinNormed,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Ks => "ks",
            Method::ChiSquare => "chi_square",
            Method::ChiSquareGof => "chi_square_gof",
            Method::Z => "z",
            Method::Psi => "psi",
            Method::KlDiv => "kl_div",
            Method::JensenShannon => "jensen_shannon",
            Method::Hellinger => "hellinger",
            Method::Wasserstein => "wasserstein",
            Method::WassersteinNormed => "wasserstein_normed",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Method::Ks => "K-S test",
            Method::ChiSquare => "chi-square contingency test",
            Method::ChiSquareGof => "chi-square goodness-of-fit test",
            Method::Z => "two-proportion z-test",
            Method::Psi => "PSI",
            Method::KlDiv => "K-L divergence",
            Method::JensenShannon => "Jensen-Shannon distance",
            Method::Hellinger => "Hellinger distance",
            Method::Wasserstein => "Wasserstein distance",
            Method::WassersteinNormed => "Wasserstein distance (normed)",
        }
    }

    pub(crate) fn is_test(self) -> bool {
        matches!(
            self,
            Method::Ks | Method::ChiSquare | Method::ChiSquareGof | Method::Z
        )
    }

    pub(crate) fn is_binned(self) -> bool {
        matches!(
            self,
            Method::Psi | Method::KlDiv | Method::JensenShannon | Method::Hellinger
        )
    }

    /// The threshold when the suite sets none (Evidently's defaults).
    fn default_threshold(self) -> Option<f64> {
        match self {
            Method::Wasserstein => None,
            m if m.is_test() => Some(0.05),
            _ => Some(0.1),
        }
    }

    /// How the score meets the threshold: tests drift when the p-value is
    /// below it (Evidently's KS: at or below); distances when they reach it.
    pub(crate) fn comparison(self, preset: Preset) -> Comparison {
        if self == Method::Ks && preset == Preset::Evidently {
            Comparison::AtOrBelow
        } else if self.is_test() {
            Comparison::Below
        } else {
            Comparison::AtOrAbove
        }
    }

    /// The kind a method forces, if any.
    fn forced_kind(self) -> Option<Kind> {
        match self {
            Method::Ks | Method::Wasserstein | Method::WassersteinNormed => Some(Kind::Numerical),
            Method::ChiSquare | Method::ChiSquareGof | Method::Z => Some(Kind::Categorical),
            _ => None,
        }
    }

    pub(crate) fn to_wit(self) -> DriftMethod {
        match self {
            Method::Ks => DriftMethod::Ks,
            Method::ChiSquare => DriftMethod::ChiSquare,
            Method::ChiSquareGof => DriftMethod::ChiSquareGof,
            Method::Z => DriftMethod::Z,
            Method::Psi => DriftMethod::Psi,
            Method::KlDiv => DriftMethod::KlDiv,
            Method::JensenShannon => DriftMethod::JensenShannon,
            Method::Hellinger => DriftMethod::Hellinger,
            Method::Wasserstein => DriftMethod::Wasserstein,
            Method::WassersteinNormed => DriftMethod::WassersteinNormed,
        }
    }
}

/// When a score counts as drift, given the threshold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Comparison {
    Below,
    AtOrBelow,
    AtOrAbove,
}

impl Comparison {
    pub(crate) fn drifted(self, score: f64, threshold: f64) -> bool {
        match self {
            Comparison::Below => score < threshold,
            Comparison::AtOrBelow => score <= threshold,
            Comparison::AtOrAbove => score >= threshold,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Comparison::Below => "below",
            Comparison::AtOrBelow => "at or below",
            Comparison::AtOrAbove => "at or above",
        }
    }
}

#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    Numerical,
    Categorical,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Numerical => "numerical",
            Kind::Categorical => "categorical",
        }
    }

    pub(crate) fn to_wit(self) -> ColumnKind {
        match self {
            Kind::Numerical => ColumnKind::Numerical,
            Kind::Categorical => ColumnKind::Categorical,
        }
    }
}

/// The method, kind and threshold for one column, and why.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub method: Method,
    pub kind: Kind,
    pub threshold: f64,
    pub reason: String,
}

/// Up to this many reference values, tests; beyond, distances.
const SMALL_REFERENCE: u64 = 1000;

fn is_numerical_type(t: DataType) -> bool {
    t.is_numeric()
        || matches!(
            t,
            DataType::Date | DataType::Datetime | DataType::DatetimeTz | DataType::Duration
        )
}

/// More distinct values than this make a float column continuous, for the
/// refusal of categorical tests on it.
const CONTINUOUS_DISTINCT: u64 = 20;

pub(crate) fn choose(
    preset: Preset,
    profile: &PairProfile,
    method: Option<Method>,
    kind: Option<Kind>,
    threshold: Option<f64>,
    thresholds: &BTreeMap<Method, f64>,
) -> Result<Choice> {
    let mut numerical_type =
        is_numerical_type(profile.reference_type) && is_numerical_type(profile.current_type);
    // Evidently types integer columns with few distinct current values as categorical.
    if preset == Preset::Evidently
        && profile.current_type.is_integer()
        && profile.distinct_current.at_least() <= 10
    {
        numerical_type = false;
    }
    let type_kind = if numerical_type {
        Kind::Numerical
    } else {
        Kind::Categorical
    };
    // Values that enter a statistic: nulls, NaN and infinities never do.
    let reference_values = profile.reference.rows.saturating_sub(
        profile.reference.nulls + profile.reference.nans + profile.reference.infinities,
    );
    let distinct = profile.distinct_both.at_least();
    let chosen_by_suite = method.is_some();
    let (method, reason) = match method {
        Some(m) => (m, "set in the suite".to_string()),
        None => {
            let small = reference_values <= SMALL_REFERENCE;
            let size = if small {
                format!("{reference_values} reference values ≤ {SMALL_REFERENCE}")
            } else {
                format!("{reference_values} reference values > {SMALL_REFERENCE}")
            };
            let distinct_text = format!("{} distinct", profile.distinct_both);
            let chi = match preset {
                Preset::Default => Method::ChiSquare,
                Preset::Evidently => Method::ChiSquareGof,
            };
            let m = match (kind.unwrap_or(type_kind), small) {
                (Kind::Numerical, true) if distinct > 5 => Method::Ks,
                (Kind::Numerical, false) if distinct > 5 => Method::WassersteinNormed,
                (_, true) if distinct <= 2 => Method::Z,
                (_, true) => chi,
                (_, false) => Method::JensenShannon,
            };
            (
                m,
                format!(
                    "auto ({} preset): {}, {size}, {distinct_text} → {}",
                    preset.as_str(),
                    kind.unwrap_or(type_kind).as_str(),
                    m.as_str()
                ),
            )
        }
    };
    // A continuous float column compared by a categorical test would make a
    // category of every value: refuse, unless the suite says the values
    // are categories.
    if chosen_by_suite
        && method.forced_kind() == Some(Kind::Categorical)
        && kind != Some(Kind::Categorical)
        && (profile.reference_type.is_float() || profile.current_type.is_float())
        && distinct > CONTINUOUS_DISTINCT
    {
        bail!(
            "{} compares categories, but this float column has {} distinct values: set `kind = \"categorical\"` for it if each value is a category, or use ks or wasserstein",
            method.as_str(),
            profile.distinct_both
        )
    }
    // A method that needs numbers on a text column cannot run; say so. When
    // the method was chosen automatically, its kind wins: a column set to
    // `numerical` with few distinct values is compared by the z or
    // chi-square test as Evidently does, over its values as categories.
    let kind = match (method.forced_kind(), kind) {
        (Some(forced), Some(asked)) if forced != asked && chosen_by_suite => {
            bail!(
                "{} compares {} values, but the column is set to {}",
                method.as_str(),
                forced.as_str(),
                asked.as_str()
            )
        }
        (Some(Kind::Numerical), None) if !numerical_type => {
            bail!(
                "{} needs a numerical column; this one is {:?}",
                method.as_str(),
                profile.current_type
            )
        }
        (Some(forced), _) => forced,
        (None, Some(asked)) => asked,
        // Binned methods: numbers are binned only when the reference has
        // enough of them to bin; few distinct numbers compare as categories.
        (None, None) if numerical_type && profile.distinct_reference.at_least() > 20 => {
            Kind::Numerical
        }
        (None, None) => Kind::Categorical,
    };
    let threshold = match threshold
        .or_else(|| thresholds.get(&method).copied())
        .or_else(|| method.default_threshold())
    {
        Some(t) => t,
        None => bail!(
            "{} has no default threshold (it is in the column's units): set `thresholds.{}` or a per-column threshold",
            method.as_str(),
            method.as_str()
        ),
    };
    Ok(Choice {
        method,
        kind,
        threshold,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mltest_sdk::kernels::{DistinctCount, SideProfile};

    fn profile(data_type: DataType, distinct: u64) -> PairProfile {
        let side = || SideProfile {
            rows: 500,
            nulls: 0,
            nans: 0,
            infinities: 0,
        };
        PairProfile {
            reference_type: data_type,
            current_type: data_type,
            reference: side(),
            current: side(),
            distinct_reference: DistinctCount::Exact(distinct),
            distinct_current: DistinctCount::Exact(distinct),
            distinct_both: DistinctCount::Exact(distinct),
        }
    }

    fn pick(p: &PairProfile, method: Option<Method>, kind: Option<Kind>) -> Result<Choice> {
        choose(Preset::Default, p, method, kind, None, &BTreeMap::new())
    }

    /// Evidently's own tests expect z on a column forced numerical with two
    /// values; the automatic choice must not refuse itself.
    #[test]
    fn a_forced_numerical_kind_with_few_values_gets_the_test_the_rules_pick() {
        let choice = pick(&profile(DataType::Float64, 2), None, Some(Kind::Numerical)).unwrap();
        assert_eq!((choice.method, choice.kind), (Method::Z, Kind::Categorical));
        let choice = pick(&profile(DataType::Int64, 4), None, Some(Kind::Numerical)).unwrap();
        assert_eq!(choice.method, Method::ChiSquare);
        // A method the suite sets still conflicts with a kind it sets.
        assert!(
            pick(
                &profile(DataType::Float64, 2),
                Some(Method::Z),
                Some(Kind::Numerical)
            )
            .is_err()
        );
    }

    #[test]
    fn a_categorical_test_on_a_continuous_float_column_is_refused() {
        let floats = profile(DataType::Float64, 300);
        let error = pick(&floats, Some(Method::ChiSquare), None).unwrap_err();
        assert!(
            error.to_string().contains("kind = \"categorical\""),
            "{error}"
        );
        assert!(pick(&floats, Some(Method::ChiSquare), Some(Kind::Categorical)).is_ok());
        // Few distinct floats are categories already.
        assert!(
            pick(
                &profile(DataType::Float64, 5),
                Some(Method::ChiSquare),
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn infinities_do_not_count_as_reference_values() {
        let mut p = profile(DataType::Float64, 50);
        p.reference.rows = 1500;
        p.reference.infinities = 1000;
        // 500 finite reference values: a small reference, so KS (counting
        // the infinities, 1500 would pick the Wasserstein distance).
        assert_eq!(pick(&p, None, None).unwrap().method, Method::Ks);
    }
}
