//! Resolution: the suite's names become things on disk. Paths are joined to
//! the suite's folder and must resolve (symlinks followed) inside the suite
//! root; artifacts must be regular files (or a model folder); placeholders
//! in command arguments become absolute paths; formats come from `format`
//! or the file name.
//!
//! The root is the suite file's folder unless `[suite] root` names another
//! (relative to the suite file, e.g. `root = ".."` for a suite in a
//! subfolder of the project). A path outside it is a suite error: a suite
//! from elsewhere (a registry, a pull request) cannot read `../../etc/passwd`.

use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::diagnostic::ErrorKind;
use super::parse::{Parser, Value};
use super::{ArtifactSpec, Format};

/// A folder's canonical form, or the folder as given when it cannot be
/// resolved (then every path check against it fails with a clear message).
pub(super) fn canonical_dir(dir: &Path) -> PathBuf {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    dir.canonicalize()
        .unwrap_or_else(|_| std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()))
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".into()
    } else {
        dir.display().to_string()
    }
}

impl Parser<'_> {
    /// `[suite] root`: the folder every artifact and plugin path must be in.
    pub(super) fn suite_root(&mut self, value: &Value<'_>) {
        let Some(raw) = self.string(value, "root") else {
            return;
        };
        let root = self.dir.join(&raw);
        match root.canonicalize() {
            Ok(root) if root.is_dir() => self.root = root,
            _ => self.report(
                self.new_error(
                    ErrorKind::MissingFile,
                    value.span(),
                    format!("suite root `{raw}` is not a folder"),
                )
                .help("`root` is a folder relative to the suite file, e.g. \"..\""),
            ),
        }
    }

    /// Checks that the file a suite names exists, lies inside the root and
    /// is a regular file (or, for a model, a folder).
    pub(super) fn resolve_file(
        &mut self,
        what: &str,
        path_value: &Value<'_>,
        raw: &str,
        folder_allowed: bool,
    ) -> Option<()> {
        let path = self.dir.join(raw);
        let span = path_value.span();
        let Ok(resolved) = path.canonicalize() else {
            self.report(
                self.new_error(
                    ErrorKind::MissingFile,
                    span,
                    format!("{what}: no such file `{raw}`"),
                )
                .label("not found")
                .help(format!(
                    "paths are relative to the suite file's folder ({})",
                    display_dir(&self.dir)
                )),
            );
            return None;
        };
        if !resolved.starts_with(&self.root) {
            self.report(
                self.new_error(
                    ErrorKind::OutsideRoot,
                    span,
                    format!("{what}: `{raw}` is outside the suite root"),
                )
                .label(format!("resolves to {}", resolved.display()))
                .help(format!(
                    "files must be inside {}; to allow more, set `root` under [suite] to a folder that holds them (e.g. root = \"..\")",
                    self.root.display()
                )),
            );
            return None;
        }
        let regular = resolved.is_file() || (folder_allowed && resolved.is_dir());
        if !regular {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    span,
                    format!("{what}: `{raw}` is not a regular file"),
                )
                .label("a FIFO, device or folder")
                .help("only regular files are read (a model may also be its folder)"),
            );
            return None;
        }
        Some(())
    }

    pub(super) fn expand(
        &mut self,
        text: &str,
        span: Range<usize>,
        suite_dir: &Path,
        artifacts: &[ArtifactSpec],
    ) -> Option<OsString> {
        let mut out = OsString::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            out.push(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                out.push(&rest[start..]);
                rest = "";
                break;
            };
            let placeholder = &rest[start + 1..start + end];
            // Paths are pushed as they are, not through `display()`, which
            // would mangle a folder name that is not UTF-8.
            if placeholder == "suite_dir" {
                out.push(suite_dir.as_os_str());
            } else if let Some(artifact) = placeholder.strip_prefix("artifact:") {
                match artifacts.iter().find(|a| a.name == artifact) {
                    Some(a) if a.registry.is_some() => {
                        self.report(
                            self.new_error(
                                ErrorKind::InvalidValue,
                                span,
                                format!("artifact `{artifact}` comes from the registry and has no path here"),
                            )
                            .help("commands take local files; declare this one with a path"),
                        );
                        return None;
                    }
                    Some(a) => out.push(
                        std::path::absolute(&a.path)
                            .unwrap_or_else(|_| a.path.clone())
                            .as_os_str(),
                    ),
                    None => {
                        self.report(
                            self.new_error(
                                ErrorKind::UnknownArtifact,
                                span,
                                format!("unknown artifact `{artifact}`"),
                            )
                            .suggest(artifact, artifacts.iter().map(|a| a.name.as_str())),
                        );
                        return None;
                    }
                }
            } else {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        span,
                        format!("unknown placeholder `{{{placeholder}}}`"),
                    )
                    .help("placeholders are `{suite_dir}` and `{artifact:NAME}`"),
                );
                return None;
            }
            rest = &rest[start + end + 1..];
        }
        out.push(rest);
        Some(out)
    }

    /// The declared `format`, or the one the file name implies.
    pub(super) fn format(
        &mut self,
        format_value: Option<&Value<'_>>,
        path_value: &Value<'_>,
        path: &Path,
        raw: &str,
    ) -> Option<Format> {
        if let Some(v) = format_value {
            let f = self.string(v, "format")?;
            let format = Format::from_name(&f);
            if format.is_none() {
                self.report(
                    self.new_error(
                        ErrorKind::InvalidValue,
                        v.span(),
                        format!("unknown format `{f}`"),
                    )
                    .suggest(&f, Format::NAMES.iter().copied()),
                );
            }
            return format;
        }
        let format = Format::detect(path);
        if format.is_none() {
            self.report(
                self.new_error(
                    ErrorKind::InvalidValue,
                    path_value.span(),
                    format!("cannot tell the format of `{raw}` from its name"),
                )
                .help(format!(
                    "set `format` to one of: {}",
                    Format::NAMES.join(", ")
                )),
            );
        }
        format
    }
}
