//! `mltest init`: a starter suite from what a model folder, a training
//! table, current data and metrics files show, as TFDV infers a schema.
//!
//! Every choice is written as a commented line, so the suite explains
//! itself and is edited, not rewritten. Inputs are read through the same
//! catalog the checks read them with (so a file `init` accepts, a run
//! reads), and the suite written is validated through the same
//! `pipeline::prepare` as `mltest validate` before `init` says it is done.

mod toml_text;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};

use crate::catalog::Catalog;
use crate::files::normal;
use crate::suite::{ArtifactSpec, Format, SizeLimits};
use toml_text::{Text, quoted};

/// What to infer the suite from.
#[derive(Debug, Clone)]
pub(crate) struct Inputs {
    pub(crate) model: Option<PathBuf>,
    pub(crate) training: Option<PathBuf>,
    pub(crate) serving: Option<PathBuf>,
    pub(crate) current: Option<PathBuf>,
    pub(crate) metrics: Option<PathBuf>,
    pub(crate) baseline_metrics: Option<PathBuf>,
    pub(crate) output: PathBuf,
    pub(crate) force: bool,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum InitError {
    #[error("{} exists", .0.display())]
    #[diagnostic(
        code(mltest::init::exists),
        help("pass --force to overwrite it, or -o to write elsewhere")
    )]
    Exists(PathBuf),
    #[error("nothing to infer a suite from")]
    #[diagnostic(
        code(mltest::init::no_inputs),
        help(
            "give --model DIR (an MLflow model folder) and/or --training TABLE, or --metrics FILE"
        )
    )]
    NoInputs,
    #[error("cannot tell the format of {}", .0.display())]
    #[diagnostic(
        code(mltest::init::format),
        help(
            "tables are .parquet, .csv, .tsv or .arrow files; a model is a folder with an MLmodel file"
        )
    )]
    Format(PathBuf),
    #[error("{0}")]
    #[diagnostic(code(mltest::init::read))]
    Read(String),
    #[error("cannot write {}: {message}", path.display())]
    #[diagnostic(code(mltest::init::write))]
    Write { path: PathBuf, message: String },
}

/// What `init` wrote.
pub(crate) struct Written {
    pub(crate) path: PathBuf,
    pub(crate) checks: Vec<&'static str>,
}

/// Integer columns with at most this many distinct current values are
/// categorical to the drift check (Evidently's rule); `init` says which.
const CATEGORICAL_INTEGERS: usize = 10;

pub(crate) fn write(inputs: &Inputs) -> Result<Written, InitError> {
    if inputs.output.exists() && !inputs.force {
        return Err(InitError::Exists(inputs.output.clone()));
    }
    if inputs.model.is_none() && inputs.training.is_none() && inputs.metrics.is_none() {
        return Err(InitError::NoInputs);
    }
    // `absolute` keeps `..`: normalised, so relative paths count right.
    let output = normal(
        &std::path::absolute(&inputs.output).map_err(|e| InitError::Write {
            path: inputs.output.clone(),
            message: e.to_string(),
        })?,
    );
    let dir = output.parent().map(Path::to_path_buf).unwrap_or_default();

    // The inputs as artifacts, read through the catalog.
    let named = [
        ("model", &inputs.model),
        ("training", &inputs.training),
        ("serving", &inputs.serving),
        ("current", &inputs.current),
        ("candidate_metrics", &inputs.metrics),
        ("baseline_metrics", &inputs.baseline_metrics),
    ];
    let mut specs = Vec::new();
    for (name, path) in named {
        let Some(path) = path else { continue };
        let absolute =
            normal(&std::path::absolute(path).map_err(|e| InitError::Read(e.to_string()))?);
        let format = Format::detect(&absolute).ok_or_else(|| InitError::Format(path.clone()))?;
        specs.push(ArtifactSpec {
            name: name.to_string(),
            delimiter: if absolute.extension().is_some_and(|e| e == "tsv") {
                b'\t'
            } else {
                b','
            },
            path: absolute,
            format,
            registry: None,
            absent: None,
            sha256: None,
        });
    }
    let catalog = Catalog::new(&specs, &[], SizeLimits::default());
    let has = |name: &str| specs.iter().any(|s| s.name == name);
    let read = |e: crate::catalog::DataError| InitError::Read(e.to_string());

    let mut t = Text::default();
    t.comment("Written by `mltest init`. Every choice it made is a comment; edit freely,");
    t.comment("then `mltest validate` and `mltest run`.");
    t.blank();
    t.line("[suite]");
    let name = suite_name(inputs);
    t.set(
        "name",
        &quoted(&name),
        "from the model's folder or the training table's name",
    );
    let root = specs
        .iter()
        .fold(dir.clone(), |root, s| common(&root, &s.path));
    if root != dir {
        t.set(
            "root",
            &quoted(&relative(&dir, &root)),
            "the inputs live outside this suite's folder; files must be inside the root",
        );
    }
    t.blank();
    t.line("[artifacts]");
    for spec in &specs {
        let why = match spec.name.as_str() {
            "model" => "an MLflow model folder: its signature is the expected serving schema",
            "training" => "the training table: the reference for ranges, categories and drift",
            "serving" => "a serving batch: what the model is fed",
            "current" => "current production data, compared with training for drift",
            "candidate_metrics" => "the candidate's metrics",
            _ => "the champion's metrics: the baseline for regressions",
        };
        t.set(&spec.name, &quoted(&relative(&dir, &spec.path)), why);
    }

    let mut checks = Vec::new();
    let signature = if has("model") {
        Some(catalog.signature("model").map_err(read)?)
    } else {
        None
    };
    let inputs_named: Option<BTreeSet<String>> = signature
        .as_ref()
        .map(|s| s.inputs.iter().filter_map(|c| c.name.clone()).collect());

    // Schema: the serving data (or current traffic) against the signature,
    // or against the training table.
    let actual = ["serving", "current"].into_iter().find(|n| has(n));
    let expected = if has("model") {
        Some("model")
    } else if has("training") {
        Some("training")
    } else {
        None
    };
    if let (Some(actual), Some(expected)) = (actual, expected) {
        checks.push("schema");
        t.blank();
        t.line("[[check]]");
        t.line("id = \"schema\"");
        t.line("plugin = \"schema\"");
        t.line("[check.params]");
        let described = match (&signature, expected) {
            (Some(s), "model") => format!("the model's signature ({} inputs)", s.inputs.len()),
            _ => "the training table's columns and types".to_string(),
        };
        t.set("expected", &quoted(expected), &described);
        t.set(
            "actual",
            &quoted(actual),
            "the data the model is (or will be) fed",
        );
        if has("training") {
            t.set(
                "reference",
                "\"training\"",
                "ranges, null shares and categories seen in training",
            );
        }
        t.set(
            "extra_columns",
            "\"warn\"",
            "a column the model does not take is reported, not failed",
        );
        t.set(
            "max_out_of_range_share",
            "0.01",
            "1% of values may fall outside training's range (widened by 5%)",
        );
    }

    // Drift: current data against training.
    if has("training") && has("current") {
        let training = catalog.table("training").map_err(read)?;
        let current = catalog.table("current").map_err(read)?;
        let current_columns: BTreeSet<String> = current
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut exclude = Vec::new();
        let mut text_columns = Vec::new();
        let mut few_integers = Vec::new();
        for field in training.schema().fields() {
            let column = field.name();
            if !current_columns.contains(column) {
                continue;
            }
            // In training and current data but not a model input: the label.
            if inputs_named
                .as_ref()
                .is_some_and(|inputs| !inputs.contains(column))
            {
                exclude.push(column.clone());
                continue;
            }
            match field.data_type() {
                DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Boolean
                | DataType::Dictionary(..) => text_columns.push(column.clone()),
                d if d.is_integer() => {
                    let values = current.column(column).map_err(read)?;
                    if let Some(n) = distinct_integers(&values, CATEGORICAL_INTEGERS + 1)
                        && n <= CATEGORICAL_INTEGERS
                    {
                        few_integers.push(format!("{column} ({n} values)"));
                    }
                }
                _ => {}
            }
        }
        checks.push("drift");
        t.blank();
        t.line("[[check]]");
        t.line("id = \"drift\"");
        t.line("plugin = \"drift\"");
        t.line("[check.params]");
        t.set("reference", "\"training\"", "what \"no drift\" looks like");
        t.set("current", "\"current\"", "the data that may have moved");
        if !exclude.is_empty() {
            let list: Vec<String> = exclude.iter().map(|c| quoted(c)).collect();
            t.set(
                "exclude",
                &format!("[{}]", list.join(", ")),
                "in the data but not a model input: the label, or an id",
            );
        }
        t.set(
            "max_drifted_share",
            "0.5",
            "the dataset drifts when half the compared columns drift (Evidently's default)",
        );
        if !text_columns.is_empty() {
            t.comment(&format!(
                "categorical (text or boolean): {}",
                text_columns.join(", ")
            ));
        }
        if !few_integers.is_empty() {
            t.comment(&format!(
                "categorical (integers with at most {CATEGORICAL_INTEGERS} distinct current values): {}",
                few_integers.join(", ")
            ));
        }
        t.comment("every other column is numerical; each column's method and threshold follow the");
        t.comment("documented rules (`mltest run --explain` shows them); override one with");
        t.comment("[check.params.per_column.NAME] method = \"ks\", threshold = 0.01");
    }

    // Metrics: a rule for each metric whose direction is known.
    if has("candidate_metrics") {
        let document = |name: &str| -> Result<_, InitError> {
            let text = catalog.document(name).map_err(read)?;
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| InitError::Read(format!("{name}: {e}")))?;
            mltest_report::metric::parse(&value)
                .map_err(|e| InitError::Read(format!("{name}: {e}")))
        };
        let candidate = document("candidate_metrics")?;
        let baseline = if has("baseline_metrics") {
            Some(document("baseline_metrics")?)
        } else {
            None
        };
        let known = candidate
            .keys()
            .any(|m| mltest_report::metric::greater_is_better(m).is_some());
        t.blank();
        if known {
            checks.push("metrics");
            t.line("[[check]]");
            t.line("id = \"metrics\"");
            t.line("plugin = \"metrics\"");
            t.line("[check.params]");
            t.set("candidate", "\"candidate_metrics\"", "");
            if baseline.is_some() {
                t.set("baseline", "\"baseline_metrics\"", "");
            }
        } else {
            t.comment("no metric's direction is known, so no metrics check: add one with");
            t.comment("greater_is_better per metric ([check.params.thresholds.NAME])");
        }
        for (metric, value) in &candidate {
            let key = toml_text::key(metric);
            match mltest_report::metric::greater_is_better(metric) {
                Some(higher) if known => {
                    t.line(&format!("[check.params.thresholds.{key}]"));
                    let direction = if higher { "higher" } else { "lower" };
                    match &baseline {
                        Some(b) if b.contains_key(metric) => t.set(
                            "max_relative_regression",
                            "0.02",
                            &format!("{direction} is better; at most 2% worse than the baseline's {}", short(b[metric])),
                        ),
                        _ => {
                            // No baseline: a floor (or ceiling) 5% from today's value.
                            let (rule, bound) = if higher { ("min", value - value.abs() * 0.05) } else { ("max", value + value.abs() * 0.05) };
                            t.set(
                                rule,
                                &toml_text::number(bound),
                                &format!("{direction} is better; 5% from this run's {}", short(*value)),
                            );
                        }
                    }
                }
                _ => t.comment(&format!(
                    "{metric} = {}: direction unknown; to gate on it, add [check.params.thresholds.{key}] with greater_is_better",
                    short(*value)
                )),
            }
        }
    }
    if checks.is_empty() {
        t.blank();
        t.comment(
            "no check could be inferred: give --serving or --current with --model or --training,",
        );
        t.comment("or --metrics");
        return Err(InitError::Read(
            "no check can be inferred from these inputs: add --current (or --serving) data, or --metrics".into(),
        ));
    }
    t.blank();
    t.comment("Not inferred: fairness needs holdout predictions with sensitive attributes");
    t.comment("([[check]] plugin = \"fairness\"), and determinism a scoring command to re-run");
    t.comment("([commands.NAME] with run_commands = true); see README.md.");

    let written = t.finish();
    let mut file = std::fs::OpenOptions::new();
    file.write(true);
    if inputs.force {
        file.create(true).truncate(true);
    } else {
        file.create_new(true);
    }
    use std::io::Write as _;
    file.open(&inputs.output)
        .and_then(|mut f| f.write_all(written.as_bytes()))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => InitError::Exists(inputs.output.clone()),
            _ => InitError::Write {
                path: inputs.output.clone(),
                message: e.to_string(),
            },
        })?;
    Ok(Written {
        path: inputs.output.clone(),
        checks,
    })
}

fn short(v: f64) -> String {
    mltest_report::number::short(v)
}

/// The model folder's name, else the training table's stem.
fn suite_name(inputs: &Inputs) -> String {
    let from = inputs.model.as_ref().or(inputs.training.as_ref());
    let name = from
        .and_then(|p| std::path::absolute(p).ok())
        .and_then(|p| {
            let mut p = if p.ends_with("MLmodel") {
                p.parent()?.to_path_buf()
            } else {
                p
            };
            // A folder called `model` says little: name the project holding it.
            if p.file_name().is_some_and(|n| n == "model") {
                p = p.parent()?.to_path_buf();
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "suite".into());
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if crate::suite::valid_name(&name) {
        name
    } else {
        "suite".into()
    }
}

/// Distinct values of an integer column, counting up to `limit`; `None`
/// when the column is not integer.
fn distinct_integers(values: &dyn Array, limit: usize) -> Option<usize> {
    let cast = arrow::compute::cast(values, &DataType::Int64).ok()?;
    let ints = cast.as_primitive_opt::<Int64Type>()?;
    let mut seen = std::collections::HashSet::new();
    for v in ints.iter().flatten() {
        seen.insert(v);
        if seen.len() >= limit {
            break;
        }
    }
    Some(seen.len())
}

/// The deepest folder holding both (absolute, normal) paths.
fn common(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// `to` relative to folder `from` (both absolute, normal), with `/`.
fn relative(from: &Path, to: &Path) -> String {
    let base = common(from, to);
    let up = from.components().count() - base.components().count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), up).collect();
    parts.extend(
        to.components()
            .skip(base.components().count())
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c/d.csv")),
            "c/d.csv"
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/x.csv")),
            "../x.csv"
        );
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), ".");
        assert_eq!(
            common(Path::new("/a/b/c"), Path::new("/a/b/d")),
            PathBuf::from("/a/b")
        );
    }
}
