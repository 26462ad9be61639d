//! `mltest profile`: tables in, one profile out ("profile once, compare
//! many"). Each input is opened through the catalog, as a suite's tables
//! are, and each column profiled in one streaming pass, columns in
//! parallel; the parts of a dataset (several files, or earlier profiles)
//! are merged by adding, so the result does not depend on how the data
//! was split.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mltest_kernels::profile::{ColumnProfile, Meta, Params, Profile, Source, file};
use rayon::prelude::*;

use crate::catalog::{DataError, Memory, Table, TableColumn};
use crate::suite::{ArtifactSpec, Format, SizeLimits};

/// What to profile, and how finely.
pub(crate) struct Request {
    pub(crate) inputs: Vec<PathBuf>,
    pub(crate) output: PathBuf,
    pub(crate) params: Params,
    /// Names or glob patterns; empty is every column.
    pub(crate) columns: Vec<String>,
}

/// What was written.
pub(crate) struct Written {
    pub(crate) sha256: String,
    pub(crate) rows: u64,
    pub(crate) columns: usize,
    pub(crate) sources: usize,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum ProfileError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Data(#[from] DataError),
    #[error("{0}")]
    #[diagnostic(code(mltest::profile::params))]
    Params(String),
    #[error("{}: cannot tell its format from the name (use .parquet, .csv, .arrow or .mltp)", .0.display())]
    #[diagnostic(code(mltest::profile::format))]
    Format(PathBuf),
    #[error("invalid column pattern `{0}`: {1}")]
    #[diagnostic(code(mltest::profile::pattern))]
    Pattern(String, String),
    #[error("{}: no column matches {}", path.display(), patterns.join(", "))]
    #[diagnostic(code(mltest::profile::no_columns))]
    NoColumns {
        path: PathBuf,
        patterns: Vec<String>,
    },
    #[error("{}: {message}", path.display())]
    #[diagnostic(code(mltest::profile::merge))]
    Merge { path: PathBuf, message: String },
    #[error("cannot write {}: {message}", path.display())]
    #[diagnostic(code(mltest::profile::write))]
    Write { path: PathBuf, message: String },
}

/// Profiles the inputs, merges them, and writes the profile atomically.
pub(crate) fn profile(request: &Request) -> Result<Written, ProfileError> {
    request
        .params
        .check()
        .map_err(|e| ProfileError::Params(e.0))?;
    let patterns = request
        .columns
        .iter()
        .map(|p| glob::Pattern::new(p).map_err(|e| ProfileError::Pattern(p.clone(), e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let sizes = SizeLimits::default();
    let memory = Memory::new(sizes.memory_bytes);
    let mut merged: Option<Profile> = None;
    for path in &request.inputs {
        let part = one(
            path,
            &request.params,
            &patterns,
            &request.columns,
            &sizes,
            &memory,
        )?;
        match &mut merged {
            None => merged = Some(part),
            Some(m) => m.merge(&part).map_err(|e| ProfileError::Merge {
                path: path.clone(),
                message: e.0,
            })?,
        }
    }
    let profile = merged.ok_or_else(|| ProfileError::Params("nothing to profile".into()))?;
    let bytes = file::encode(&profile).map_err(|e| ProfileError::Write {
        path: request.output.clone(),
        message: e.0,
    })?;
    crate::files::write_atomic(&request.output, &bytes).map_err(|e| ProfileError::Write {
        path: request.output.clone(),
        message: e.to_string(),
    })?;
    Ok(Written {
        sha256: crate::files::sha256_hex(&bytes),
        rows: profile.rows(),
        columns: profile.columns.len(),
        sources: profile.meta.sources.len(),
    })
}

/// One input's profile: a table profiled, or a profile brought to the
/// requested grid.
fn one(
    path: &Path,
    params: &Params,
    patterns: &[glob::Pattern],
    raw_patterns: &[String],
    sizes: &SizeLimits,
    memory: &Arc<Memory>,
) -> Result<Profile, ProfileError> {
    let format = Format::detect(path).ok_or_else(|| ProfileError::Format(path.to_path_buf()))?;
    let spec = ArtifactSpec {
        name: "input".into(),
        path: path.to_path_buf(),
        format,
        delimiter: if path.extension().is_some_and(|e| e == "tsv") {
            b'\t'
        } else {
            b','
        },
        registry: None,
        absent: None,
        sha256: None,
    };
    let table = Arc::new(Table::open(&spec, sizes, memory.clone())?);
    let wanted = |name: &str| patterns.is_empty() || patterns.iter().any(|p| p.matches(name));
    let names: Vec<String> = table
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| wanted(n))
        .collect();
    if names.is_empty() {
        return Err(ProfileError::NoColumns {
            path: path.to_path_buf(),
            patterns: raw_patterns.to_vec(),
        });
    }
    if let Some(existing) = table.profile() {
        let from = existing.meta.params;
        if from.mantissa_bits < params.mantissa_bits || from.category_cap < params.category_cap {
            return Err(ProfileError::Merge {
                path: path.to_path_buf(),
                message: format!(
                    "this profile is coarser ({} mantissa bits, cap {}) than asked for ({}, cap {}); a profile can only be coarsened",
                    from.mantissa_bits,
                    from.category_cap,
                    params.mantissa_bits,
                    params.category_cap
                ),
            });
        }
        let columns = names
            .iter()
            .filter_map(|n| existing.column(n))
            .map(|c| c.coarsened(&from, params))
            .collect();
        return Ok(Profile {
            meta: Meta {
                params: *params,
                ..existing.meta.clone()
            },
            columns,
        });
    }
    let columns = names
        .par_iter()
        .map(|name| -> Result<ColumnProfile, DataError> {
            let column = TableColumn::new(table.clone(), name)?;
            let profiled = ColumnProfile::of(name, &column, params);
            if let Some(e) = column.take_failure() {
                return Err(e);
            }
            profiled.map_err(|e| DataError::BadColumn {
                path: path.to_path_buf(),
                column: name.clone(),
                message: e.0,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sha256 = crate::files::sha256_file(path).map_err(|e| DataError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(Profile {
        meta: Meta {
            producer: format!("mltest {}", env!("CARGO_PKG_VERSION")),
            params: *params,
            sources: vec![Source {
                path: path.display().to_string(),
                sha256: Some(sha256),
                rows: table.num_rows(),
                ..Default::default()
            }],
        },
        columns,
    })
}
