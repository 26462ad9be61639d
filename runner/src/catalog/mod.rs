//! The catalog stage: the suite's artifacts, loaded lazily and shared.
//!
//! Tables read their schema first and each column only when a check asks for
//! it (Parquet and Arrow IPC project at the reader; a CSV is parsed once for
//! all its columns). Loaded columns are kept within the run's memory budget
//! (`[limits] memory`) and evicted when it is spent; a column larger than
//! the budget allows is streamed to the kernel instead. Every failure names
//! the file, and the column where there is one.

mod column;
mod command;
#[cfg(test)]
mod corpus;
mod ipc;
mod memory;
mod mlmodel;
mod table;
mod thrift;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::suite::{ArtifactSpec, CommandSpec, Format, SizeLimits};

pub(crate) use column::{ColumnFailure, TableColumn};
use command::DeclaredCommand;
pub(crate) use command::Run;
pub(crate) use memory::Memory;

pub(crate) use mlmodel::{ColumnSpec, ModelSignature};
pub(crate) use table::Table;

/// What went wrong reading an artifact. Becomes the check's JUnit `<error>`.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub(crate) enum DataError {
    #[error("unknown artifact `{0}`")]
    #[diagnostic(code(mltest::data::unknown_artifact))]
    UnknownArtifact(String),
    #[error("artifact `{name}` is a {actual}, not a {wanted}")]
    #[diagnostic(code(mltest::data::wrong_kind))]
    WrongKind {
        name: String,
        actual: &'static str,
        wanted: &'static str,
    },
    #[error("{}: cannot read: {message}", path.display())]
    #[diagnostic(code(mltest::data::io))]
    Io { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    #[diagnostic(code(mltest::data::corrupt))]
    Corrupt { path: PathBuf, message: String },
    #[error("{}: table is empty (no rows)", path.display())]
    #[diagnostic(code(mltest::data::empty))]
    Empty { path: PathBuf },
    #[error("{}: no column `{column}`", path.display())]
    #[diagnostic(code(mltest::data::no_column))]
    NoColumn { path: PathBuf, column: String },
    #[error("{}: column `{column}`: {message}", path.display())]
    #[diagnostic(code(mltest::data::bad_column))]
    BadColumn {
        path: PathBuf,
        column: String,
        message: String,
    },
    #[error("command `{command}`, run {run}: {message}")]
    #[diagnostic(code(mltest::data::command))]
    Command {
        command: String,
        run: u32,
        message: String,
    },
    #[error("artifact `{name}` is absent: {reason}")]
    #[diagnostic(code(mltest::data::absent))]
    Absent { name: String, reason: String },
    #[error("unknown command `{0}`")]
    #[diagnostic(code(mltest::data::unknown_command))]
    UnknownCommand(String),
    #[error("{}: column `{column}`: a profile holds summaries, not values; only drift reads it", path.display())]
    #[diagnostic(
        code(mltest::data::profile_values),
        help("compare the table itself, or use the profile as a drift side")
    )]
    ProfileValues { path: PathBuf, column: String },
    #[error("{}: sha256 is {actual}, but the suite pins {expected}", path.display())]
    #[diagnostic(
        code(mltest::data::digest_mismatch),
        help("the file changed since it was pinned: pin the new digest if the change is meant")
    )]
    DigestMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
}

impl DataError {
    /// A file that could not be read at all (missing, not regular, too large).
    fn file(path: &Path, e: crate::files::FileError) -> Self {
        DataError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
    fn corrupt(path: &Path, e: impl std::fmt::Display) -> Self {
        DataError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// An error about one column of a table file: every place that reports one
/// (the catalog, column handles, kernels) words it this way.
pub(crate) fn column_error(path: &Path, column: &str, e: impl std::fmt::Display) -> String {
    DataError::BadColumn {
        path: path.to_path_buf(),
        column: column.to_string(),
        message: e.to_string(),
    }
    .to_string()
}

/// Reads an artifact the way plugins can: every column of a table, a
/// document, or a model signature.
pub(crate) fn read_everything(catalog: &Catalog, name: &str) -> Result<(), DataError> {
    match catalog.get(name)?.kind() {
        Kind::Table => {
            let table = catalog.table(name)?;
            if table.profile().is_some() {
                // Opening read and checked all of it.
                return Ok(());
            }
            for field in table.schema().fields() {
                table.column(field.name())?;
            }
            Ok(())
        }
        Kind::Document => catalog.document(name).map(drop),
        Kind::Model => catalog.signature(name).map(drop),
        Kind::Absent => Ok(()),
    }
}

/// Opens a table file (regular files only), naming it on failure.
fn table_file(path: &Path) -> Result<std::fs::File, DataError> {
    crate::files::open(path).map_err(|e| DataError::file(path, e))
}

/// The kind of thing an artifact is, as plugins see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Table,
    Document,
    Model,
    /// Declared, but it cannot exist in this run (see `ArtifactSpec::absent`).
    Absent,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Document => "JSON document",
            Kind::Model => "MLmodel",
            Kind::Absent => "absent artifact",
        }
    }
}

/// One declared artifact and whatever of it has been loaded so far.
pub(crate) struct Artifact {
    pub(crate) spec: ArtifactSpec,
    table: OnceLock<Result<Arc<Table>, DataError>>,
    digest: OnceLock<Result<String, DataError>>,
}

impl Artifact {
    fn new(spec: ArtifactSpec) -> Artifact {
        Artifact {
            spec,
            table: OnceLock::new(),
            digest: OnceLock::new(),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        if self.spec.absent.is_some() {
            return Kind::Absent;
        }
        match self.spec.format {
            Format::Parquet | Format::Csv | Format::Arrow | Format::Profile => Kind::Table,
            Format::Json => Kind::Document,
            Format::Mlmodel => Kind::Model,
        }
    }
}

/// All artifacts of a suite. Cheap to share across concurrently running checks.
pub(crate) struct Catalog {
    artifacts: BTreeMap<String, Artifact>,
    commands: BTreeMap<String, DeclaredCommand>,
    sizes: SizeLimits,
    memory: Arc<Memory>,
}

impl Catalog {
    /// A catalog with nothing in it (plugins' `describe` runs against it).
    pub(crate) fn empty() -> Catalog {
        Catalog::new(&[], &[], SizeLimits::default())
    }

    pub(crate) fn new(
        specs: &[ArtifactSpec],
        commands: &[CommandSpec],
        sizes: SizeLimits,
    ) -> Catalog {
        let artifacts = specs
            .iter()
            .map(|spec| (spec.name.clone(), Artifact::new(spec.clone())))
            .collect();
        let commands = commands
            .iter()
            .map(|spec| (spec.name.clone(), DeclaredCommand::new(spec.clone())))
            .collect();
        Catalog {
            artifacts,
            commands,
            memory: Memory::new(sizes.memory_bytes),
            sizes,
        }
    }

    /// A declared artifact, or an output of a command run that has happened
    /// (`<command>@<run>/<output>`).
    pub(crate) fn get(&self, name: &str) -> Result<&Artifact, DataError> {
        let unknown = || DataError::UnknownArtifact(name.to_string());
        if let Some(artifact) = self.artifacts.get(name) {
            return Ok(artifact);
        }
        let (command, rest) = name.split_once('@').ok_or_else(unknown)?;
        let (run, output) = rest.split_once('/').ok_or_else(unknown)?;
        let run: u32 = run.parse().map_err(|_| unknown())?;
        let runs = match self.commands.get(command).and_then(|c| c.runs.get()) {
            Some(Ok(runs)) => runs,
            _ => return Err(unknown()),
        };
        runs.iter()
            .find(|r| r.index == run)
            .and_then(|r| r.outputs.get(output))
            .ok_or_else(unknown)
    }

    /// Runs a declared command (once per mltest run) and returns its runs.
    pub(crate) fn command_runs(&self, name: &str) -> Result<&[Run], DataError> {
        self.commands
            .get(name)
            .ok_or_else(|| DataError::UnknownCommand(name.to_string()))?
            .runs()
    }

    fn of_kind(&self, name: &str, wanted: Kind) -> Result<&Artifact, DataError> {
        let artifact = self.present(name)?;
        if artifact.kind() != wanted {
            return Err(DataError::WrongKind {
                name: name.to_string(),
                actual: artifact.kind().name(),
                wanted: wanted.name(),
            });
        }
        Ok(artifact)
    }

    /// The run's memory budget, which kernels reserve working memory from.
    pub(crate) fn memory(&self) -> &Arc<Memory> {
        &self.memory
    }

    /// Opens a table: reads its schema and row count, not its data.
    pub(crate) fn table(&self, name: &str) -> Result<Arc<Table>, DataError> {
        let artifact = self.of_kind(name, Kind::Table)?;
        artifact
            .table
            .get_or_init(|| {
                Table::open(&artifact.spec, &self.sizes, self.memory.clone()).map(Arc::new)
            })
            .clone()
    }

    /// A JSON document's text, checked to be valid JSON.
    pub(crate) fn document(&self, name: &str) -> Result<String, DataError> {
        let artifact = self.of_kind(name, Kind::Document)?;
        let path = &artifact.spec.path;
        let text = crate::files::read_text(
            path,
            self.sizes.max_document_bytes,
            "[limits] max_document_size",
        )
        .map_err(|e| DataError::file(path, e))?;
        serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| DataError::corrupt(path, format!("invalid JSON: {e}")))?;
        Ok(text)
    }

    pub(crate) fn signature(&self, name: &str) -> Result<ModelSignature, DataError> {
        let artifact = self.of_kind(name, Kind::Model)?;
        mlmodel::read_signature(&artifact.spec.path, self.sizes.max_document_bytes)
    }

    /// An artifact that exists in this run, with the bytes its pin names.
    fn present(&self, name: &str) -> Result<&Artifact, DataError> {
        let artifact = self.get(name)?;
        if let Some(reason) = &artifact.spec.absent {
            return Err(DataError::Absent {
                name: name.to_string(),
                reason: reason.clone(),
            });
        }
        if let Some(expected) = &artifact.spec.sha256 {
            let actual = Self::file_digest(artifact)?;
            if &actual != expected {
                return Err(DataError::DigestMismatch {
                    path: artifact.spec.path.clone(),
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        Ok(artifact)
    }

    /// sha256 of the artifact's bytes (of the `MLmodel` file for a model folder).
    pub(crate) fn digest(&self, name: &str) -> Result<String, DataError> {
        Self::file_digest(self.present(name)?)
    }

    fn file_digest(artifact: &Artifact) -> Result<String, DataError> {
        artifact
            .digest
            .get_or_init(|| {
                let path = mlmodel::resolve(&artifact.spec.path, artifact.spec.format);
                crate::files::sha256_file(&path).map_err(|e| DataError::file(&path, e))
            })
            .clone()
    }
}
