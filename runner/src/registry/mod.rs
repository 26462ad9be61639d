//! The registry stage: suite artifacts that live in a model registry are
//! downloaded into a fresh job folder and become plain files for the catalog.
//!
//! It sits between suite and catalog (suite → registry → catalog → host →
//! run → report): what it hands on is the same [`Suite`] with paths filled
//! in, so nothing downstream knows or cares where a file came from. Every
//! download is size-capped, hashed, compared with what the registry listed
//! (and with a pinned `sha256`), and confined to the job folder.

mod mlflow;

use std::path::{Path, PathBuf};

pub(crate) use mlflow::{Mlflow, ModelVersion, RegistryError};

use crate::suite::{RegistryKind, Side, Suite, confined};

/// The most files a model version may have.
const MAX_MODEL_FILES: usize = 10_000;

/// `name/7` or `name@alias`, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModelRef {
    pub(crate) name: String,
    pub(crate) selector: Selector,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selector {
    Version(String),
    Alias(String),
}

impl std::str::FromStr for ModelRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let split = |sep: char| {
            s.rsplit_once(sep)
                .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        };
        if let Some((name, alias)) = split('@') {
            return Ok(ModelRef {
                name: name.into(),
                selector: Selector::Alias(alias.into()),
            });
        }
        if let Some((name, version)) = split('/')
            && version.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(ModelRef {
                name: name.into(),
                selector: Selector::Version(version.into()),
            });
        }
        Err(format!(
            "`{s}` names no model version: write `name/7` (a version) or `name@champion` (an alias)"
        ))
    }
}

impl std::fmt::Display for ModelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.selector {
            Selector::Version(v) => write!(f, "{}/{v}", self.name),
            Selector::Alias(a) => write!(f, "{}@{a}", self.name),
        }
    }
}

impl ModelRef {
    /// The version this names, read from the registry now.
    pub(crate) fn resolve(&self, client: &Mlflow) -> Result<ModelVersion, RegistryError> {
        match &self.selector {
            Selector::Version(v) => client.model_version(&self.name, v),
            Selector::Alias(a) => {
                client
                    .alias(&self.name, a)?
                    .ok_or_else(|| RegistryError::NotFound {
                        what: format!("alias `{a}` of model `{}`", self.name),
                    })
            }
        }
    }
}

/// The versions a run compares: the candidate, and the champion (absent for
/// a model's first version).
#[derive(Debug, Clone)]
pub(crate) struct Versions {
    pub(crate) candidate: ModelVersion,
    pub(crate) champion: Option<ModelVersion>,
    /// The alias the champion was read from.
    pub(crate) champion_alias: String,
}

/// One downloaded file.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Fetched {
    pub(crate) artifact: String,
    pub(crate) version: String,
    pub(crate) path: String,
    pub(crate) bytes: u64,
    pub(crate) sha256: String,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("artifact `{artifact}`: {source}")]
#[diagnostic(code(mltest::registry::fetch))]
pub(crate) struct FetchError {
    pub(crate) artifact: String,
    #[source]
    #[diagnostic_source]
    pub(crate) source: RegistryError,
}

/// Downloads every registry artifact of `suite` into `job_dir` (which must
/// be fresh and empty) and returns the suite with their paths filled in.
pub(crate) fn materialise(
    suite: &Suite,
    client: &Mlflow,
    versions: &Versions,
    job_dir: &Path,
) -> Result<(Suite, Vec<Fetched>), FetchError> {
    let mut out = suite.clone();
    let mut fetched = Vec::new();
    for spec in &mut out.artifacts {
        let Some(source) = spec.registry.clone() else {
            continue;
        };
        let fail = |source| FetchError {
            artifact: spec.name.clone(),
            source,
        };
        let version = match source.side {
            Side::Candidate => &versions.candidate,
            Side::Champion => match &versions.champion {
                Some(v) => v,
                None => {
                    spec.absent = Some(format!(
                        "model `{}` has no `{}` alias yet, so there is no champion to compare with",
                        versions.candidate.name, versions.champion_alias
                    ));
                    continue;
                }
            },
        };
        let side = match source.side {
            Side::Candidate => "candidate",
            Side::Champion => "champion",
        };
        let dir = job_dir.join(side).join(&spec.name);
        std::fs::create_dir_all(&dir).map_err(|e| fail(file_error(&dir, e)))?;
        let limit = match spec.format {
            crate::suite::Format::Json | crate::suite::Format::Mlmodel => {
                suite.sizes.max_document_bytes
            }
            _ => suite.sizes.max_table_bytes,
        };
        let mut record = |path: &str, bytes: u64, sha256: String| {
            fetched.push(Fetched {
                artifact: spec.name.clone(),
                version: version.version.clone(),
                path: path.to_string(),
                bytes,
                sha256,
            })
        };
        match source.kind {
            RegistryKind::Metrics => {
                let run = client.run_of(version).map_err(fail)?;
                let doc = client.run(&run).map_err(fail)?;
                let text = serde_json::to_vec_pretty(&doc).unwrap_or_default();
                let dest = dir.join("metrics.json");
                std::fs::write(&dest, &text).map_err(|e| fail(file_error(&dest, e)))?;
                record(
                    &format!("runs/{run}"),
                    text.len() as u64,
                    crate::files::sha256_hex(&text),
                );
                spec.path = dest;
            }
            RegistryKind::RunArtifact => {
                let path = source.path.as_deref().unwrap_or_default();
                let run = client.run_of(version).map_err(fail)?;
                let listed = client.run_file(&run, path).map_err(fail)?.ok_or_else(|| {
                    fail(RegistryError::NotFound {
                        what: format!("`{path}` in the artifacts of run {run}"),
                    })
                })?;
                let name = Path::new(path)
                    .file_name()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| "file".into());
                let dest = dir.join(name);
                let (bytes, sha256) = client
                    .download_run_file(&run, path, &dest, limit)
                    .map_err(fail)?;
                check_file(path, &listed, bytes, &sha256, source.sha256.as_deref())
                    .map_err(fail)?;
                record(path, bytes, sha256);
                spec.path = dest;
            }
            RegistryKind::Model => {
                let files = client.model_files(version, MAX_MODEL_FILES).map_err(fail)?;
                let mut has_mlmodel = false;
                // The files of one model together, too: many files each under
                // the limit must not fill the disk either.
                let mut budget = suite.sizes.max_table_bytes;
                for file in files.iter().filter(|f| !f.is_dir) {
                    if !confined(&file.path) {
                        return Err(fail(RegistryError::File {
                            what: format!("model version {}/{}", version.name, version.version),
                            message: format!(
                                "refusing file path `{}`: it leaves the job folder",
                                mltest_report::text::escape_controls(&file.path)
                            ),
                        }));
                    }
                    let dest = dir.join(&file.path);
                    if let Some(parent) = dest.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| fail(file_error(parent, e)))?;
                    }
                    let (bytes, sha256) = client
                        .download_model_file(version, &file.path, &dest, budget)
                        .map_err(fail)?;
                    budget -= bytes.min(budget);
                    let pin = (file.path == "MLmodel")
                        .then_some(source.sha256.as_deref())
                        .flatten();
                    check_file(&file.path, file, bytes, &sha256, pin).map_err(fail)?;
                    has_mlmodel |= file.path == "MLmodel";
                    record(&file.path, bytes, sha256);
                }
                if !has_mlmodel {
                    return Err(fail(RegistryError::File {
                        what: format!("model version {}/{}", version.name, version.version),
                        message: "its files have no `MLmodel`".into(),
                    }));
                }
                spec.path = dir;
            }
        }
        spec.registry = None;
    }
    Ok((out, fetched))
}

/// A download matches its listing (a short read is a broken transfer, not
/// a smaller file) and its pin.
fn check_file(
    path: &str,
    listed: &mlflow::Listed,
    bytes: u64,
    sha256: &str,
    pin: Option<&str>,
) -> Result<(), RegistryError> {
    let file_error = |message: String| RegistryError::File {
        what: format!("`{path}`"),
        message,
    };
    if listed.is_dir {
        return Err(file_error("is a folder, not a file".into()));
    }
    if let Some(size) = listed.size
        && size != bytes
    {
        return Err(file_error(format!(
            "the registry lists {size} bytes but sent {bytes}"
        )));
    }
    if let Some(pin) = pin
        && pin != sha256
    {
        return Err(file_error(format!(
            "sha256 is {sha256}, but the suite pins {pin}"
        )));
    }
    Ok(())
}

fn file_error(path: &Path, e: std::io::Error) -> RegistryError {
    RegistryError::File {
        what: path.display().to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_refs() {
        let r: ModelRef = "credit-risk/7".parse().unwrap();
        assert_eq!(r.selector, Selector::Version("7".into()));
        let r: ModelRef = "credit-risk@challenger".parse().unwrap();
        assert_eq!(
            (r.name.as_str(), r.selector),
            ("credit-risk", Selector::Alias("challenger".into()))
        );
        let r: ModelRef = "team/credit-risk/12".parse().unwrap();
        assert_eq!(r.name, "team/credit-risk");
        for bad in [
            "credit-risk",
            "credit-risk/",
            "/7",
            "credit-risk/latest",
            "@x",
            "m@",
        ] {
            assert!(bad.parse::<ModelRef>().is_err(), "{bad}");
        }
    }
}
