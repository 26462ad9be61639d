//! The lockfile: every plugin a suite uses, with its version, source and
//! sha256 (and an OCI plugin's manifest digest), and on request the
//! digests of its artifacts. `mltest lock` writes it beside the suite
//! (`mltest.toml` → `mltest.lock`); every run takes OCI pins from it;
//! `mltest run --locked` refuses to run when anything differs from it.
//!
//! It is computed by the same preparation every run goes through, so what
//! is locked is what runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{NamedSource, SourceSpan};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::suite::Suite;

/// The format version; a reader refuses any other.
const VERSION: u32 = 1;

/// Lockfiles are a few kilobytes; this is far past any real one.
const MAX_LOCKFILE_BYTES: u64 = 16 << 20;

const HEADER: &str = "# Written by `mltest lock`: the plugins (and artifacts) this suite runs with.\n\
# `mltest run --locked` refuses to run when anything differs. Do not edit by hand.\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Lockfile {
    pub(crate) version: u32,
    #[serde(default, rename = "plugin")]
    pub(crate) plugins: Vec<LockedPlugin>,
    #[serde(default, rename = "artifact", skip_serializing_if = "Vec::is_empty")]
    pub(crate) artifacts: Vec<LockedArtifact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockedPlugin {
    pub(crate) name: String,
    pub(crate) version: String,
    /// `builtin`, a path relative to the suite, or an `oci://` reference as written.
    pub(crate) source: String,
    /// An OCI plugin's manifest digest: what its tag meant when locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) manifest: Option<String>,
    /// The component's sha256.
    pub(crate) sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LockedArtifact {
    pub(crate) name: String,
    /// Relative to the suite.
    pub(crate) path: String,
    /// Of the file's bytes (of `MLmodel` for a model folder).
    pub(crate) sha256: String,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum LockError {
    #[error("cannot read {}: {message}", path.display())]
    #[diagnostic(code(mltest::lock::read))]
    Read { path: PathBuf, message: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidLockfile>),
    #[error("--locked needs {}, and there is none", path.display())]
    #[diagnostic(
        code(mltest::lock::missing),
        help("run `mltest lock` and commit the lockfile")
    )]
    Missing { path: PathBuf },
    #[error("the suite no longer matches {}:\n{}", path.display(), differences.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(
        code(mltest::lock::differs),
        help("if the change is intended, run `mltest lock` and commit the new lockfile")
    )]
    Differs {
        path: PathBuf,
        differences: Vec<String>,
    },
    #[error("artifact `{name}`: {message}")]
    #[diagnostic(code(mltest::lock::artifact))]
    Artifact { name: String, message: String },
    #[error("cannot write {}: {message}", path.display())]
    #[diagnostic(code(mltest::lock::write))]
    Write { path: PathBuf, message: String },
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{} is not a valid lockfile: {message}", path.display())]
#[diagnostic(
    code(mltest::lock::invalid),
    help("it is written by `mltest lock`; run that again to replace it")
)]
pub(crate) struct InvalidLockfile {
    path: PathBuf,
    pub(crate) message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    pub(crate) span: Option<SourceSpan>,
}

/// `mltest.toml` → `mltest.lock`, beside it.
pub(crate) fn path_for(suite: &Path) -> PathBuf {
    suite.with_extension("lock")
}

impl Lockfile {
    pub(crate) fn new(plugins: Vec<LockedPlugin>) -> Lockfile {
        let mut plugins = plugins;
        plugins.sort_by(|a, b| a.name.cmp(&b.name));
        Lockfile {
            version: VERSION,
            plugins,
            artifacts: Vec::new(),
        }
    }

    /// The lockfile at `path`, or none when there is no file.
    pub(crate) fn read(path: &Path) -> Result<Option<Lockfile>, LockError> {
        if !path.exists() {
            return Ok(None);
        }
        let text =
            crate::files::read_text(path, MAX_LOCKFILE_BYTES, "lockfiles are at most 16 MiB")
                .map_err(|e| LockError::Read {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
        let invalid = |message: String, span: Option<std::ops::Range<usize>>| {
            LockError::Invalid(Box::new(InvalidLockfile {
                path: path.to_path_buf(),
                message,
                src: NamedSource::new(path.display().to_string(), text.clone()),
                span: span.map(Into::into),
            }))
        };
        let lock: Lockfile =
            toml::from_str(&text).map_err(|e| invalid(e.message().to_string(), e.span()))?;
        if lock.version != VERSION {
            return Err(invalid(
                format!(
                    "format version {} is not the {VERSION} this mltest reads",
                    lock.version
                ),
                None,
            ));
        }
        Ok(Some(lock))
    }

    pub(crate) fn write(&self, path: &Path) -> Result<(), LockError> {
        let err = |message: String| LockError::Write {
            path: path.to_path_buf(),
            message,
        };
        let body = toml::to_string(self).map_err(|e| err(e.to_string()))?;
        crate::files::write_atomic(path, format!("{HEADER}\n{body}").as_bytes())
            .map_err(|e| err(e.to_string()))
    }

    /// The manifest digest recorded for plugin `name` taken from `source`.
    pub(crate) fn manifest_of(&self, name: &str, source: &str) -> Option<&str> {
        self.plugins
            .iter()
            .find(|p| p.name == name && p.source == source)
            .and_then(|p| p.manifest.as_deref())
    }

    /// What differs between this (the file) and `now` (the suite as it
    /// resolves today), one line each, in name order.
    pub(crate) fn differences(&self, now: &Lockfile) -> Vec<String> {
        let mut out = Vec::new();
        let locked: BTreeMap<&str, &LockedPlugin> =
            self.plugins.iter().map(|p| (p.name.as_str(), p)).collect();
        let current: BTreeMap<&str, &LockedPlugin> =
            now.plugins.iter().map(|p| (p.name.as_str(), p)).collect();
        for (name, was) in &locked {
            let Some(is) = current.get(name) else {
                out.push(format!(
                    "plugin `{name}` is in the lockfile, but the suite no longer uses it"
                ));
                continue;
            };
            if was.source != is.source {
                out.push(format!(
                    "plugin `{name}`: the suite takes it from {}, the lockfile from {}",
                    is.source, was.source
                ));
            } else if was.manifest != is.manifest {
                out.push(format!(
                    "plugin `{name}`: {} now points at {}, but the lockfile pins {}; the tag was pushed over",
                    is.source,
                    is.manifest.as_deref().unwrap_or("no manifest"),
                    was.manifest.as_deref().unwrap_or("no manifest")
                ));
            } else if was.sha256 != is.sha256 {
                let what = if is.source == "builtin" {
                    format!("the built-in plugin is {} in this mltest", is.version)
                } else {
                    format!("{} is {}", is.source, is.version)
                };
                out.push(format!(
                    "plugin `{name}`: {what} with sha256 {}, but the lockfile has {} ({}) with sha256 {}",
                    is.sha256, was.version, was.source, was.sha256
                ));
            }
        }
        for (name, is) in &current {
            if !locked.contains_key(name) {
                out.push(format!(
                    "plugin `{name}` ({}) is not in the lockfile",
                    is.source
                ));
            }
        }
        if !self.artifacts.is_empty() {
            let locked: BTreeMap<&str, &LockedArtifact> = self
                .artifacts
                .iter()
                .map(|a| (a.name.as_str(), a))
                .collect();
            let current: BTreeMap<&str, &LockedArtifact> =
                now.artifacts.iter().map(|a| (a.name.as_str(), a)).collect();
            for (name, was) in &locked {
                match current.get(name) {
                    None => out.push(format!(
                        "artifact `{name}` is in the lockfile, but the suite no longer declares it"
                    )),
                    Some(is) if is.path != was.path => out.push(format!(
                        "artifact `{name}`: the suite reads {}, the lockfile {}",
                        is.path, was.path
                    )),
                    Some(is) if is.sha256 != was.sha256 => out.push(format!(
                        "artifact `{name}`: {} has sha256 {}, but the lockfile has {}",
                        is.path, is.sha256, was.sha256
                    )),
                    Some(_) => {}
                }
            }
            for (name, is) in &current {
                if !locked.contains_key(name) {
                    out.push(format!(
                        "artifact `{name}` ({}) is not in the lockfile",
                        is.path
                    ));
                }
            }
        }
        out
    }
}

/// The digests of a suite's local artifacts. Registry artifacts are left
/// out: the model version pins them, and the registry checks their digests.
pub(crate) fn artifacts(suite: &Suite) -> Result<Vec<LockedArtifact>, LockError> {
    let catalog = Catalog::new(&suite.artifacts, &suite.commands, suite.sizes);
    let mut out = Vec::new();
    for spec in &suite.artifacts {
        if spec.registry.is_some() || spec.absent.is_some() {
            continue;
        }
        let sha256 = catalog
            .digest(&spec.name)
            .map_err(|e| LockError::Artifact {
                name: spec.name.clone(),
                message: e.to_string(),
            })?;
        out.push(LockedArtifact {
            name: spec.name.clone(),
            path: relative(suite, &spec.path),
            sha256,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A path as the lockfile writes it: relative to the suite's folder, with `/`.
pub(crate) fn relative(suite: &Suite, path: &Path) -> String {
    let dir = suite.path.parent().unwrap_or(Path::new(""));
    let shown = path.strip_prefix(dir).unwrap_or(path);
    shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(name: &str, source: &str, manifest: Option<&str>, sha: &str) -> LockedPlugin {
        LockedPlugin {
            name: name.into(),
            version: "0.1.0".into(),
            source: source.into(),
            manifest: manifest.map(Into::into),
            sha256: sha.into(),
        }
    }

    #[test]
    fn round_trips_through_toml() {
        let mut lock = Lockfile::new(vec![
            plugin("zeta", "oci://localhost:5000/a/z:1", Some("sha256:m"), "b"),
            plugin("drift", "builtin", None, "a"),
        ]);
        lock.artifacts.push(LockedArtifact {
            name: "training".into(),
            path: "data/training.parquet".into(),
            sha256: "c".into(),
        });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mltest.lock");
        lock.write(&path).unwrap();
        let read = Lockfile::read(&path).unwrap().unwrap();
        assert_eq!(read, lock);
        assert_eq!(read.plugins[0].name, "drift", "sorted by name");
        assert!(read.differences(&lock).is_empty());
    }

    #[test]
    fn names_every_difference() {
        let was = Lockfile::new(vec![
            plugin("a", "builtin", None, "1"),
            plugin("b", "oci://h:1/b:1", Some("sha256:old"), "2"),
            plugin("gone", "x.wasm", None, "3"),
        ]);
        let now = Lockfile::new(vec![
            plugin("a", "builtin", None, "9"),
            plugin("b", "oci://h:1/b:1", Some("sha256:new"), "8"),
            plugin("new", "y.wasm", None, "4"),
        ]);
        let d = was.differences(&now);
        assert_eq!(d.len(), 4, "{d:#?}");
        assert!(
            d[0].contains("built-in") && d[0].contains("sha256 9"),
            "{}",
            d[0]
        );
        assert!(d[1].contains("now points at sha256:new") && d[1].contains("pins sha256:old"));
        assert!(d[2].contains("`gone` is in the lockfile"));
        assert!(d[3].contains("`new` (y.wasm) is not in the lockfile"));
    }

    #[test]
    fn refuses_other_versions_and_unknown_keys_with_a_span() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mltest.lock");
        std::fs::write(&path, "version = 2\n").unwrap();
        let e = Lockfile::read(&path).unwrap_err().to_string();
        assert!(e.contains("format version 2"), "{e}");
        std::fs::write(&path, "version = 1\n[[plugin]]\nname = \"a\"\nsource = \"builtin\"\nversion = \"1\"\nsha256 = \"x\"\nextra = 1\n").unwrap();
        match Lockfile::read(&path).unwrap_err() {
            LockError::Invalid(invalid) => {
                assert!(invalid.message.contains("extra"), "{}", invalid.message);
                assert!(invalid.span.is_some());
            }
            other => panic!("{other}"),
        }
    }
}
