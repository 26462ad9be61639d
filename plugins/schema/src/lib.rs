//! The `schema` check: does the serving data match what the model was trained on?
//!
//! The expected schema comes from an MLflow `MLmodel` signature or from the
//! training table; the actual one from the serving table. Type compatibility
//! follows MLflow's own enforcement (`mlflow.models.utils._enforce_mlflow_datatype`,
//! mlflow 3.17), so a column this check passes is one `pyfunc.predict` accepts.
//! Value checks (nulls, unseen categories, ranges) need a training table.

use mltest_sdk::{
    ArtifactKind, ArtifactName, Check, Column, ColumnStats, DataType, Field, Finding, Result,
    Table, artifacts, bail,
};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Artifact with the expected schema: an MLmodel (its signature inputs) or a training table.
    expected: ArtifactName,
    /// The serving table to check.
    actual: ArtifactName,
    /// Training table for the value checks (nulls, categories, ranges).
    /// Defaults to `expected` when that is a table.
    #[serde(default)]
    reference: Option<ArtifactName>,
    /// What to do with serving columns the model does not expect.
    #[serde(default)]
    extra_columns: Policy,
    /// A training string column with at most this many distinct values is
    /// categorical: serving values it never had are reported.
    #[serde(default = "default_max_categories")]
    max_categories: u32,
    /// Largest share of serving rows with a category unseen in training (0 = none allowed).
    #[serde(default)]
    max_unseen_share: f64,
    /// Widens the training range by this fraction of its width on each side.
    #[serde(default = "default_range_tolerance")]
    range_tolerance: f64,
    /// Largest share of serving values outside the (widened) training range.
    #[serde(default)]
    max_out_of_range_share: f64,
    /// Largest rise in a column's null share over training's (0.05 = 5 points).
    /// Nulls where training had none always fail.
    #[serde(default = "default_null_increase")]
    max_null_share_increase: f64,
}

fn default_null_increase() -> f64 {
    0.05
}

#[derive(Deserialize, JsonSchema, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    Allow,
    #[default]
    Warn,
    Fail,
}

fn default_max_categories() -> u32 {
    50
}

fn default_range_tolerance() -> f64 {
    0.05
}

struct Schema;

impl Check for Schema {
    type Params = Params;
    const NAME: &'static str = "schema";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "serving data matches the model's signature or training table: columns, types, nulls, categories, ranges";

    fn run(params: Params) -> Result<Vec<Finding>> {
        let expected = expected_columns(&params.expected)?;
        let actual_table = artifacts::table(&params.actual)?;
        let actual_fields = actual_table.schema()?;
        let reference_name = params.reference.clone().or_else(|| {
            matches!(artifacts::kind(&params.expected), Ok(ArtifactKind::Table))
                .then(|| params.expected.clone())
        });
        let reference = match &reference_name {
            Some(name) => Some(Reference::open(name)?),
            None => None,
        };

        let mut findings = Vec::new();
        for spec in &expected {
            let Some(field) = actual_fields.iter().find(|f| f.name == spec.name) else {
                let name = format!("schema.presence[{}]", spec.name);
                findings.push(
                    if spec.required {
                        Finding::fail(
                            name,
                            format!(
                                "required column `{}` is missing from `{}`",
                                spec.name, params.actual
                            ),
                        )
                    } else {
                        Finding::pass(name, format!("optional column `{}` is absent", spec.name))
                    }
                    .property("column", &spec.name),
                );
                continue;
            };
            findings.push(
                Finding::pass(format!("schema.presence[{}]", spec.name), "present")
                    .property("column", &spec.name),
            );
            let actual_column = actual_table.column(&field.name)?;
            let actual_stats = actual_column.stats()?;
            findings.push(type_finding(spec, field, &actual_stats));

            if let Some(reference) = &reference {
                value_findings(
                    &params,
                    spec,
                    reference,
                    field,
                    &actual_column,
                    &actual_stats,
                    &mut findings,
                )?;
            }
        }
        if reference.is_none() {
            findings.push(Finding::skip(
                "schema.values",
                "no training table: null, category and range checks skipped (set `reference`)",
            ));
        }

        for field in &actual_fields {
            if expected.iter().any(|s| s.name == field.name) {
                continue;
            }
            let name = format!("schema.extra[{}]", field.name);
            let message = format!("column `{}` is not in the expected schema", field.name);
            findings.push(
                match params.extra_columns {
                    Policy::Allow => Finding::pass(name, format!("{message} (allowed)")),
                    Policy::Warn => Finding::warn(name, message),
                    Policy::Fail => Finding::fail(name, message),
                }
                .property("column", &field.name),
            );
        }
        Ok(findings)
    }
}

mltest_sdk::export_check!(Schema);

fn null_share(stats: &ColumnStats) -> f64 {
    stats.nulls as f64 / stats.count.max(1) as f64
}

/// Nulls where training had none fail; otherwise the share may rise by at most `max_increase`.
fn nulls_ok(actual: &ColumnStats, train: &ColumnStats, max_increase: f64) -> bool {
    if train.nulls == 0 {
        return actual.nulls == 0;
    }
    null_share(actual) <= null_share(train) + max_increase + 1e-12
}

/// MLflow's column-spec types; tensor, array, object and map specs are out of scope.
const COLUMN_TYPES: &[&str] = &[
    "long", "integer", "double", "float", "string", "boolean", "datetime", "binary",
];

/// One expected column, in MLflow's type vocabulary.
struct Expected {
    name: String,
    mlflow_type: String,
    required: bool,
    /// The training column's own type, when the schema comes from a table:
    /// an identical serving type always matches, even one MLflow cannot name.
    table_type: Option<DataType>,
}

fn expected_columns(artifact: &str) -> Result<Vec<Expected>> {
    match artifacts::kind(artifact)? {
        ArtifactKind::Model => {
            let signature = artifacts::signature(artifact)?;
            if signature.inputs.is_empty() {
                bail!("model `{artifact}` has no signature inputs to check against");
            }
            signature
                .inputs
                .into_iter()
                .map(|spec| match spec.name {
                    Some(name) if COLUMN_TYPES.contains(&spec.mlflow_type.as_str()) => {
                        Ok(Expected { name, mlflow_type: spec.mlflow_type, required: spec.required, table_type: None })
                    }
                    Some(name) => bail!(
                        "model `{artifact}` input `{name}` has type `{}`; only column-based signatures ({}) are supported",
                        spec.mlflow_type,
                        COLUMN_TYPES.join(", ")
                    ),
                    None => bail!("model `{artifact}` has unnamed (tensor or positional) signature inputs; only named columns are supported"),
                })
                .collect()
        }
        ArtifactKind::Table => Ok(artifacts::table(artifact)?
            .schema()?
            .into_iter()
            .map(|field| Expected {
                mlflow_type: mlflow_type_of(&field).to_string(),
                name: field.name,
                required: true,
                table_type: Some(field.data_type),
            })
            .collect()),
        ArtifactKind::Document => {
            bail!(
                "artifact `{artifact}` is a JSON document; `expected` must be an MLmodel or a table"
            )
        }
        // Reading it gives the reason it is absent.
        ArtifactKind::Absent => {
            artifacts::signature(artifact)?;
            bail!("artifact `{artifact}` is absent")
        }
    }
}

/// The MLflow type `infer_signature` would give a column of this type.
fn mlflow_type_of(field: &Field) -> &'static str {
    use DataType::*;
    match field.data_type {
        Boolean => "boolean",
        Int8 | Int16 | Int32 | Uint8 | Uint16 => "integer",
        Int64 | Uint32 => "long",
        Float16 | Float32 => "float",
        Float64 | Decimal => "double",
        String => "string",
        Binary => "binary",
        Date | Datetime | DatetimeTz => "datetime",
        Uint64 | Duration | Null | Other => "unsupported",
    }
}

/// How a serving column's type meets the expected MLflow type.
#[derive(Debug, PartialEq)]
enum Compatibility {
    Exact,
    /// MLflow converts it losslessly.
    Upcast,
    /// int64 → double/float: MLflow accepts it only when every value is 0 or 1.
    ZeroOne,
    /// An all-null column carries no type; the null check judges it.
    AllNull,
    Refused,
}

/// MLflow's `_enforce_mlflow_datatype` rules, restated for Arrow types.
/// See ARCHITECTURE.md for the table and the few places Arrow differs from pandas.
fn compatibility(expected: &str, actual: DataType) -> Compatibility {
    use Compatibility::*;
    use DataType::*;
    if actual == Null {
        return AllNull;
    }
    match (expected, actual) {
        ("long", Int64) | ("integer", Int32) | ("double", Float64) | ("float", Float32) => Exact,
        ("long", Int8 | Int16 | Int32 | Uint8 | Uint16 | Uint32) => Upcast,
        ("integer", Int8 | Int16 | Uint8 | Uint16) => Upcast,
        // Integers convert to double only while they fit its mantissa (itemsize <= 6).
        (
            "double",
            Float16 | Float32 | Int8 | Int16 | Int32 | Uint8 | Uint16 | Uint32 | Decimal,
        ) => Upcast,
        ("double" | "float", Int64) => ZeroOne,
        ("float", Float16) => Upcast,
        ("boolean", Boolean) | ("string", String) | ("binary", Binary) => Exact,
        // pandas holds text and bytes alike as `object`; MLflow passes both.
        ("binary", String) => Upcast,
        // Any timestamp unit is cast to nanoseconds; dates are cast too; time zones are refused.
        ("datetime", Datetime) => Exact,
        ("datetime", Date) => Upcast,
        _ => Refused,
    }
}

fn type_finding(spec: &Expected, field: &Field, stats: &ColumnStats) -> Finding {
    let name = format!("schema.type[{}]", spec.name);
    let expected = spec.mlflow_type.as_str();
    let actual = field.type_name.as_str();
    // Against a training table the same type is always compatible, the
    // null type included: an all-null column matches an all-null column
    // (whether nulls are allowed is the null check's question).
    let rule = match spec.table_type {
        Some(t) if t == field.data_type => Compatibility::Exact,
        _ => compatibility(expected, field.data_type),
    };
    let zero_one = stats.min.is_none_or(|min| min >= 0.0) && stats.max.is_none_or(|max| max <= 1.0);
    let finding = match rule {
        Compatibility::Exact => Finding::pass(name, format!("{actual} matches {expected}")),
        Compatibility::Upcast => {
            Finding::pass(name, format!("{actual} converts safely to {expected}"))
        }
        Compatibility::AllNull => Finding::check(
            name,
            !spec.required,
            format!("column is entirely null: no {expected} values at all"),
        ),
        Compatibility::ZeroOne if zero_one => Finding::pass(
            name,
            format!("{actual} converts to {expected}: every value is 0 or 1"),
        ),
        Compatibility::ZeroOne => Finding::fail(
            name,
            format!(
                "{actual} cannot be safely converted to {expected} (only 0/1 values can; range is {}..{})",
                stats.min.unwrap_or(f64::NAN),
                stats.max.unwrap_or(f64::NAN)
            ),
        ),
        Compatibility::Refused => Finding::fail(
            name,
            format!("{actual} cannot be safely converted to {expected}"),
        ),
    };
    finding
        .property("column", &spec.name)
        .property("expected_type", expected)
        .property("actual_type", actual)
        .property("rule", format!("{rule:?}").to_lowercase())
}

/// The training table, with its column names read once for every column checked.
struct Reference {
    table: Table,
    columns: Vec<String>,
}

impl Reference {
    fn open(name: &str) -> Result<Reference> {
        let table = artifacts::table(name)?;
        let columns = table.schema()?.into_iter().map(|f| f.name).collect();
        Ok(Reference { table, columns })
    }
}

fn value_findings(
    params: &Params,
    spec: &Expected,
    reference: &Reference,
    field: &Field,
    actual: &Column,
    actual_stats: &ColumnStats,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let column = &spec.name;
    // Only a column the training table lacks is skipped; any other error
    // (unreadable data) stops the check.
    if !reference.columns.contains(column) {
        findings.push(
            Finding::skip(
                format!("schema.values[{column}]"),
                format!(
                    "training table `{}` has no column `{column}`",
                    reference.table.name()
                ),
            )
            .property("column", column),
        );
        return Ok(());
    }
    let training = reference.table.column(column)?;
    let train = training.stats()?;

    let (share, train_share) = (null_share(actual_stats), null_share(&train));
    let message = format!(
        "{} nulls ({:.2}% of rows; training {:.2}%, allowed rise {:.2} points)",
        actual_stats.nulls,
        share * 100.0,
        train_share * 100.0,
        params.max_null_share_increase * 100.0
    );
    let message = if train.nulls == 0 && actual_stats.nulls > 0 {
        format!("{message}: training had none")
    } else {
        message
    };
    findings.push(
        Finding::check(
            format!("schema.nulls[{column}]"),
            nulls_ok(actual_stats, &train, params.max_null_share_increase),
            message,
        )
        .observed(share)
        .threshold(train_share + params.max_null_share_increase)
        .property("column", column)
        .property("training_nulls", train.nulls),
    );

    if field.data_type.is_float() {
        let non_finite = actual_stats.nans + actual_stats.infinities;
        let train_non_finite = train.nans + train.infinities;
        let name = format!("schema.nonfinite[{column}]");
        findings.push(
            Finding::check(
                name,
                non_finite == 0 || train_non_finite > 0,
                format!(
                    "{} NaN and {} infinite values (training had {train_non_finite})",
                    actual_stats.nans, actual_stats.infinities
                ),
            )
            .observed(non_finite as f64)
            .property("column", column),
        );
    }

    if field.data_type.is_numeric() && training.data_type().is_numeric() {
        if let (Some(min), Some(max)) = (train.min, train.max) {
            let slack = (max - min) * params.range_tolerance;
            let (low, high) = (min - slack, max + slack);
            let outside = actual.count_outside(low, high)?;
            // A share of the finite values: nulls and NaN are judged elsewhere.
            let finite = actual_stats.count
                - actual_stats.nulls
                - actual_stats.nans
                - actual_stats.infinities;
            let share = outside as f64 / finite.max(1) as f64;
            findings.push(
                Finding::check(
                    format!("schema.range[{column}]"),
                    share <= params.max_out_of_range_share,
                    format!(
                        "{outside} values ({:.2}%) outside the training range [{min}, {max}] widened to [{low}, {high}] (allowed {:.2}%)",
                        share * 100.0,
                        params.max_out_of_range_share * 100.0
                    ),
                )
                .observed(share)
                .threshold(params.max_out_of_range_share)
                .property("column", column)
                .property("low", low)
                .property("high", high),
            );
        }
    } else if matches!(field.data_type, DataType::String | DataType::Boolean) {
        let name = format!("schema.categories[{column}]");
        if train.distinct > u64::from(params.max_categories) {
            findings.push(
                Finding::skip(name, format!("{} distinct values in training (> max_categories = {}): treated as free text", train.distinct, params.max_categories))
                    .property("column", column),
            );
        } else {
            let unseen = actual.unseen_in(&training, 5)?;
            let share =
                unseen.rows as f64 / (actual_stats.count - actual_stats.nulls).max(1) as f64;
            let examples: Vec<String> = unseen
                .examples
                .iter()
                .map(|e| format!("{:?} ({})", e.value, e.count))
                .collect();
            let message = if unseen.rows == 0 {
                format!(
                    "all values were seen in training ({} categories)",
                    train.distinct
                )
            } else {
                format!(
                    "{} rows ({:.2}%) have values unseen in training ({} distinct), e.g. {} (allowed {:.2}%)",
                    unseen.rows,
                    share * 100.0,
                    unseen.distinct,
                    examples.join(", "),
                    params.max_unseen_share * 100.0
                )
            };
            findings.push(
                Finding::check(name, share <= params.max_unseen_share, message)
                    .observed(share)
                    .threshold(params.max_unseen_share)
                    .property("column", column)
                    .property("unseen_categories", unseen.distinct),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Compatibility::*;
    use mltest_sdk::Outcome;

    #[test]
    fn follows_mlflow_enforcement() {
        let c = compatibility;
        assert_eq!(c("long", DataType::Int64), Exact);
        assert_eq!(c("long", DataType::Int32), Upcast);
        assert_eq!(
            c("long", DataType::Float64),
            Refused,
            "float -> long is refused"
        );
        assert_eq!(c("long", DataType::Uint64), Refused);
        assert_eq!(c("integer", DataType::Int64), Refused);
        assert_eq!(c("double", DataType::Float32), Upcast);
        assert_eq!(c("double", DataType::Int32), Upcast);
        assert_eq!(c("double", DataType::Int64), ZeroOne);
        assert_eq!(c("float", DataType::Float64), Refused, "no downcast");
        assert_eq!(c("boolean", DataType::Int64), Refused);
        assert_eq!(c("string", DataType::Int64), Refused);
        assert_eq!(c("binary", DataType::String), Upcast);
        assert_eq!(c("datetime", DataType::Date), Upcast);
        assert_eq!(c("datetime", DataType::Datetime), Exact);
        assert_eq!(
            c("datetime", DataType::DatetimeTz),
            Refused,
            "time zones are refused"
        );
        assert_eq!(c("double", DataType::Null), AllNull);
    }

    fn spec(required: bool, table_type: Option<DataType>) -> Expected {
        Expected {
            name: "c".into(),
            mlflow_type: "long".into(),
            required,
            table_type,
        }
    }

    fn field(data_type: DataType) -> Field {
        Field {
            name: "c".into(),
            data_type,
            type_name: format!("{data_type:?}"),
            nullable: true,
        }
    }

    fn stats(count: u64, nulls: u64) -> ColumnStats {
        ColumnStats {
            count,
            nulls,
            nans: 0,
            infinities: 0,
            min: None,
            max: None,
            mean: None,
            distinct: 0,
        }
    }

    #[test]
    fn all_null_required_columns_fail() {
        let all_null = stats(10, 10);
        assert_eq!(
            type_finding(&spec(true, None), &field(DataType::Null), &all_null).outcome,
            Outcome::Fail
        );
        assert_eq!(
            type_finding(&spec(false, None), &field(DataType::Null), &all_null).outcome,
            Outcome::Pass
        );
    }

    #[test]
    fn identical_training_types_match_even_without_an_mlflow_name() {
        let s = stats(10, 0);
        let f = type_finding(
            &spec(true, Some(DataType::Uint64)),
            &field(DataType::Uint64),
            &s,
        );
        assert_eq!(f.outcome, Outcome::Pass);
    }

    /// An all-null Arrow column used to fail `schema.type` against itself.
    #[test]
    fn an_all_null_column_matches_an_all_null_training_column() {
        let all_null = stats(10, 10);
        let f = type_finding(
            &spec(true, Some(DataType::Null)),
            &field(DataType::Null),
            &all_null,
        );
        assert_eq!(f.outcome, Outcome::Pass);
    }

    #[test]
    fn null_rules() {
        // Nulls where training had none; a rise beyond the tolerance; within it.
        assert!(!nulls_ok(&stats(100, 1), &stats(100, 0), 0.05));
        assert!(!nulls_ok(&stats(100, 20), &stats(100, 10), 0.05));
        assert!(nulls_ok(&stats(100, 12), &stats(100, 10), 0.05));
        assert!(nulls_ok(&stats(100, 0), &stats(100, 0), 0.05));
    }
}
