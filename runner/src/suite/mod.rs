//! The suite stage: parse and validate `mltest.toml`.
//!
//! The first stage of the flow (suite → catalog → host → run → report). A
//! [`Suite`] is fully resolved: paths are absolute, limits parsed, every check
//! has a unique id. Mistakes are collected (not just the first) and reported
//! with their span in the suite file.

mod diagnostic;
mod params;
mod parse;
mod resolve;
mod sources;
mod spans;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) use diagnostic::{ErrorKind, SuiteError, SuiteErrors, SuiteSource};
pub(crate) use params::{Declared, validate_params};
pub(crate) use sources::confined;

/// Runs when a check sets no limit of its own and the suite no default.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Guest linear memory, per check.
pub(crate) const DEFAULT_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
/// wasm32's address space: a larger memory limit could never be reached.
pub(crate) const MAX_MEMORY_BYTES: u64 = 4 << 30;
/// The longest timeout a suite may set, for checks and commands alike. A
/// longer one is a typo (`300000000000y`), and would overflow the epoch
/// arithmetic the deadline is made of.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Caps on what reading an artifact may cost, from the suite's `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SizeLimits {
    /// Largest table file (Parquet, CSV, Arrow IPC), and the most bytes a
    /// compressed Arrow IPC buffer may declare it decodes to.
    pub(crate) max_table_bytes: u64,
    /// Largest JSON document or MLmodel file: these are parsed whole, at
    /// several times their size.
    pub(crate) max_document_bytes: u64,
    /// The run's memory budget: kept columns and kernels' working memory
    /// ([`crate::catalog::Memory`]).
    pub(crate) memory_bytes: u64,
}

impl Default for SizeLimits {
    fn default() -> Self {
        SizeLimits {
            max_table_bytes: 2 << 30,
            max_document_bytes: 64 << 20,
            memory_bytes: 1 << 30,
        }
    }
}

/// The largest suite file read: suites are hand-written.
pub(crate) const MAX_SUITE_BYTES: u64 = 4 << 20;

/// Names of checks, plugins, artifacts and commands: 1 to 64 ASCII letters,
/// digits, `_`, `-` and `.`, starting with a letter or digit. They appear in
/// JUnit attributes, artifact names of command outputs (`cmd@1/out`, so no
/// `@` or `/`), file names and terminal output, which all take this set
/// as it is.
pub(crate) fn valid_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

/// How [`valid_name`] is explained in diagnostics.
pub(crate) const NAME_RULE: &str =
    "use 1 to 64 ASCII letters, digits, `_`, `-` and `.`, starting with a letter or digit";

#[derive(Debug, Clone)]
pub(crate) struct Suite {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) source: SuiteSource,
    pub(crate) artifacts: Vec<ArtifactSpec>,
    pub(crate) plugins: Vec<PluginSpec>,
    pub(crate) commands: Vec<CommandSpec>,
    pub(crate) checks: Vec<CheckSpec>,
    pub(crate) sizes: SizeLimits,
    /// What a failed check sets off (`[[trigger]]`).
    pub(crate) triggers: Vec<TriggerSpec>,
    /// sha256 of the suite file's bytes: verdicts name the suite they came from.
    pub(crate) digest: String,
}

/// A signed POST sent when a matching check fails, e.g. to start retraining
/// when drift is found.
#[derive(Debug, Clone)]
pub(crate) struct TriggerSpec {
    /// Check ids it reacts to.
    pub(crate) on: glob::Pattern,
    pub(crate) url: String,
    /// The variable holding the HMAC key; the suite never holds the secret.
    pub(crate) secret_env: String,
    pub(crate) timeout: Duration,
}

/// A command the runner executes host-side, outside the sandbox (the
/// determinism check's re-run mode). Declared only in a suite that sets
/// `run_commands = true`.
#[derive(Debug, Clone)]
pub(crate) struct CommandSpec {
    pub(crate) name: String,
    /// The program and its arguments, placeholders expanded.
    /// Arguments as the OS takes them: a suite folder's path need not be UTF-8.
    pub(crate) argv: Vec<std::ffi::OsString>,
    /// How many times to run it, each in a fresh temporary folder.
    pub(crate) runs: u32,
    /// Per run.
    pub(crate) timeout: Duration,
    pub(crate) env: Vec<(String, std::ffi::OsString)>,
    pub(crate) outputs: Vec<OutputSpec>,
}

/// A file a command writes, relative to its run's folder.
#[derive(Debug, Clone)]
pub(crate) struct OutputSpec {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) format: Format,
    pub(crate) delimiter: u8,
}

/// Runs when a command sets no timeout.
pub(crate) const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// A declared artifact: a name plugins use, and a file.
#[derive(Debug, Clone)]
pub(crate) struct ArtifactSpec {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) format: Format,
    /// CSV only.
    pub(crate) delimiter: u8,
    /// Set when the file lives in a model registry: the registry stage
    /// downloads it and fills in `path` before the catalog sees it.
    pub(crate) registry: Option<RegistrySource>,
    /// Why the artifact cannot exist in this run (the model has no champion
    /// yet); plugins see it as `absent` and decide what that means.
    pub(crate) absent: Option<String>,
    /// Pins a local file's bytes (a reference profile, say); a file that
    /// differs is refused when read. Registry files pin in `registry`.
    pub(crate) sha256: Option<String>,
}

/// Which registry files an artifact stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegistryKind {
    /// The model version's files (its `MLmodel` and what sits beside it).
    Model,
    /// The metrics of the run that produced the version (`runs/get`).
    Metrics,
    /// One file from that run's artifacts.
    RunArtifact,
}

impl RegistryKind {
    pub(crate) const NAMES: &[&str] = &["model", "metrics", "run-artifact"];

    fn from_name(name: &str) -> Option<RegistryKind> {
        Some(match name {
            "model" => RegistryKind::Model,
            "metrics" => RegistryKind::Metrics,
            "run-artifact" => RegistryKind::RunArtifact,
            _ => return None,
        })
    }
}

/// The version a registry artifact is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The version under test.
    Candidate,
    /// The version the protected alias points at.
    Champion,
}

#[derive(Debug, Clone)]
pub(crate) struct RegistrySource {
    pub(crate) kind: RegistryKind,
    pub(crate) side: Side,
    /// Run artifacts only: the file inside the run's artifacts (confined).
    pub(crate) path: Option<String>,
    /// Pins the file's bytes; a download that differs is refused.
    pub(crate) sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    Parquet,
    Csv,
    Arrow,
    Json,
    Mlmodel,
    /// A column profile (`mltest profile`), read where drift reads a table.
    Profile,
}

impl Format {
    pub(crate) const NAMES: &[&str] = &["parquet", "csv", "arrow", "json", "mlmodel", "profile"];

    pub(crate) fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "parquet" => Format::Parquet,
            "csv" => Format::Csv,
            "arrow" | "feather" | "ipc" => Format::Arrow,
            "json" => Format::Json,
            "mlmodel" => Format::Mlmodel,
            "profile" | "mltp" => Format::Profile,
            // Extensions that name a format too.
            "pq" => Format::Parquet,
            "tsv" => Format::Csv,
            _ => return None,
        })
    }

    /// By extension; an `MLmodel` file (or a directory holding one) is a model.
    pub(crate) fn detect(path: &Path) -> Option<Format> {
        if path.file_name().is_some_and(|n| n == "MLmodel") || path.join("MLmodel").is_file() {
            return Some(Format::Mlmodel);
        }
        Format::from_name(&path.extension()?.to_str()?.to_ascii_lowercase())
    }
}

/// An external plugin, pinned by digest.
#[derive(Debug, Clone)]
pub(crate) struct PluginSpec {
    pub(crate) name: String,
    pub(crate) source: PluginSource,
    /// Expected sha256 of the component; a mismatch refuses to load it.
    pub(crate) sha256: Option<String>,
    pub(crate) span: std::ops::Range<usize>,
}

/// Where a declared plugin's component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PluginSource {
    /// A `.wasm` file, relative to the suite.
    File(PathBuf),
    /// An OCI registry (`oci = "oci://host/ns/name:tag"`).
    Oci(crate::sources::OciRef),
}

impl std::fmt::Display for PluginSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PluginSource::File(path) => write!(f, "{}", path.display()),
            PluginSource::Oci(oci) => write!(f, "{oci}"),
        }
    }
}

pub(crate) use mltest_report::Severity;

#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) timeout: Duration,
    pub(crate) memory_bytes: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct CheckSpec {
    /// Stable and unique in the suite: the JUnit `classname`.
    pub(crate) id: String,
    pub(crate) plugin: String,
    pub(crate) severity: Severity,
    /// Capabilities granted beyond the sandbox's defaults (`clock`, `random`).
    pub(crate) grants: Vec<String>,
    /// Where each grant is written, to refuse one the plugin never asked for.
    pub(crate) grant_spans: Vec<(String, std::ops::Range<usize>)>,
    pub(crate) limits: Limits,
    /// The `params` table, as JSON for the plugin.
    pub(crate) params: serde_json::Value,
    /// Index in the suite's `[[check]]` array, to find spans again.
    pub(crate) index: usize,
    pub(crate) plugin_span: std::ops::Range<usize>,
    pub(crate) id_span: std::ops::Range<usize>,
    /// Where the check is declared (its `id` value), for reports.
    pub(crate) location: mltest_report::Location,
    /// JSON pointer into `params` → where that key is written; findings
    /// that name a parameter point there.
    pub(crate) param_locations: std::collections::BTreeMap<String, mltest_report::Location>,
}

impl CheckSpec {
    /// Where a finding that names parameter `pointer` points: the nearest
    /// enclosing key that is written in the suite (a default the plugin
    /// applied has no line of its own), else the check.
    pub(crate) fn locate(&self, pointer: &str) -> mltest_report::Location {
        let mut at = pointer;
        let found = loop {
            if at.is_empty() {
                break &self.location;
            }
            if let Some(found) = self.param_locations.get(at) {
                break found;
            }
            at = &at[..at.rfind('/').unwrap_or(0)];
        };
        let mut found = found.clone();
        found.key = Some(pointer.to_string());
        found
    }
}

impl Suite {
    /// Reads and validates a suite file (structure, names, limits, files).
    /// Plugin parameters are validated later, against the loaded plugins.
    pub(crate) fn load(path: &Path) -> Result<Suite, LoadError> {
        let text = crate::files::read_text(path, MAX_SUITE_BYTES, "suite files are at most 4 MiB")
            .map_err(|source| LoadError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        parse::parse(path, text).map_err(LoadError::Invalid)
    }

    /// Parses suite text as if read from `path` (the fuzz targets' entry).
    pub(crate) fn parse_text(path: &Path, text: String) -> Result<Suite, SuiteErrors> {
        parse::parse(path, text)
    }

    pub(crate) fn artifact(&self, name: &str) -> Option<&ArtifactSpec> {
        self.artifacts.iter().find(|a| a.name == name)
    }

    /// Whether any artifact must be fetched from a registry first.
    pub(crate) fn needs_registry(&self) -> bool {
        self.artifacts.iter().any(|a| a.registry.is_some())
    }

    pub(crate) fn command(&self, name: &str) -> Option<&CommandSpec> {
        self.commands.iter().find(|c| c.name == name)
    }

    pub(crate) fn errors(&self, errors: Vec<SuiteError>) -> SuiteErrors {
        SuiteErrors {
            path: self.source.name.clone(),
            errors,
        }
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum LoadError {
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
        source: crate::files::FileError,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(SuiteErrors),
}
