//! The suite stage: parse and validate `mltest.toml`.
//!
//! The first stage of the flow (suite → catalog → host → run → report). A
//! [`Suite`] is fully resolved: paths are absolute, limits parsed, every check
//! has a unique id. Mistakes are collected (not just the first) and reported
//! with their span in the suite file.

mod diagnostic;
mod params;
mod parse;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use diagnostic::{ErrorKind, SuiteError, SuiteErrors, SuiteSource, did_you_mean};
pub use params::validate_params;

/// Runs when a check sets no limit of its own and the suite no default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Guest linear memory, per check.
pub const DEFAULT_MEMORY_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub path: PathBuf,
    pub source: SuiteSource,
    pub artifacts: Vec<ArtifactSpec>,
    pub plugins: Vec<PluginSpec>,
    pub commands: Vec<CommandSpec>,
    pub checks: Vec<CheckSpec>,
}

/// A command the runner executes host-side, outside the sandbox (the
/// determinism check's re-run mode). Declared only in a suite that sets
/// `run_commands = true`.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub name: String,
    /// The program and its arguments, placeholders expanded.
    pub argv: Vec<String>,
    /// How many times to run it, each in a fresh temporary folder.
    pub runs: u32,
    /// Per run.
    pub timeout: Duration,
    pub env: Vec<(String, String)>,
    pub outputs: Vec<OutputSpec>,
    pub span: std::ops::Range<usize>,
}

/// A file a command writes, relative to its run's folder.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    pub name: String,
    pub path: PathBuf,
    pub format: Format,
    pub delimiter: u8,
}

/// Runs when a command sets no timeout.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// A declared artifact: a name plugins use, and a file.
#[derive(Debug, Clone)]
pub struct ArtifactSpec {
    pub name: String,
    pub path: PathBuf,
    pub format: Format,
    /// CSV only.
    pub delimiter: u8,
    pub span: std::ops::Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
    Arrow,
    Json,
    Mlmodel,
}

impl Format {
    pub const NAMES: &[&str] = &["parquet", "csv", "arrow", "json", "mlmodel"];

    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "parquet" => Format::Parquet,
            "csv" => Format::Csv,
            "arrow" | "feather" | "ipc" => Format::Arrow,
            "json" => Format::Json,
            "mlmodel" => Format::Mlmodel,
            // Extensions that name a format too.
            "pq" => Format::Parquet,
            "tsv" => Format::Csv,
            _ => return None,
        })
    }

    /// By extension; an `MLmodel` file (or a directory holding one) is a model.
    pub fn detect(path: &Path) -> Option<Format> {
        if path.file_name().is_some_and(|n| n == "MLmodel") || path.join("MLmodel").is_file() {
            return Some(Format::Mlmodel);
        }
        Format::from_name(&path.extension()?.to_str()?.to_ascii_lowercase())
    }
}

/// An external plugin, pinned by digest.
#[derive(Debug, Clone)]
pub struct PluginSpec {
    pub name: String,
    pub path: PathBuf,
    /// Expected sha256 of the component; a mismatch refuses to load it.
    pub sha256: Option<String>,
    pub span: std::ops::Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failing finding fails the run.
    Error,
    /// A failing finding is reported as a warning and does not gate.
    Warn,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    pub memory_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct CheckSpec {
    /// Stable and unique in the suite: the JUnit `classname`.
    pub id: String,
    pub plugin: String,
    pub severity: Severity,
    pub limits: Limits,
    /// The `params` table, as JSON for the plugin.
    pub params: serde_json::Value,
    /// Index in the suite's `[[check]]` array, to find spans again.
    pub index: usize,
    pub plugin_span: std::ops::Range<usize>,
}

impl Suite {
    /// Reads and validates a suite file (structure, names, limits, files).
    /// Plugin parameters are validated later, against the loaded plugins.
    pub fn load(path: &Path) -> Result<Suite, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        parse::parse(path, text).map_err(LoadError::Invalid)
    }

    pub fn artifact(&self, name: &str) -> Option<&ArtifactSpec> {
        self.artifacts.iter().find(|a| a.name == name)
    }

    pub fn errors(&self, errors: Vec<SuiteError>) -> SuiteErrors {
        SuiteErrors {
            path: self.source.name.clone(),
            errors,
        }
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("cannot read suite file {path}")]
    #[diagnostic(
        code(mltest::suite::unreadable),
        help(
            "pass the suite file as `mltest run path/to/mltest.toml`, or run where ./mltest.toml exists"
        )
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(SuiteErrors),
}
