//! The report stage: every output of a run, rendered from one
//! [`RunResult`](mltest_report::RunResult), the model the `mltest-report`
//! crate defines. `mltest run` renders a fresh result; `mltest report`
//! renders a saved JSON one through the same [`emit`], so a stored run
//! renders exactly as it did.
//!
//! CI-native outputs (GitHub, GitLab) are additions: they never change the
//! exit code or the JSON.

pub(crate) mod github;
pub(crate) mod gitlab;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod progress;
mod svg;
pub(crate) mod terminal;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::files::normal;

use mltest_report::RunResult;

/// The CI system whose native outputs to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Ci {
    /// GitHub Actions when `GITHUB_ACTIONS=true`, GitLab CI when `GITLAB_CI=true`.
    Auto,
    Github,
    Gitlab,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    Github,
    Gitlab,
}

impl Ci {
    pub(crate) fn platform(self) -> Option<Platform> {
        let set = |name: &str| std::env::var(name).is_ok_and(|v| v == "true");
        match self {
            Ci::Github => Some(Platform::Github),
            Ci::Gitlab => Some(Platform::Gitlab),
            Ci::None => None,
            Ci::Auto if set("GITHUB_ACTIONS") => Some(Platform::Github),
            Ci::Auto if set("GITLAB_CI") => Some(Platform::Gitlab),
            Ci::Auto => None,
        }
    }
}

/// Turns suite-file paths as a run named them into paths relative to the
/// repository root, which is what GitHub annotations and GitLab Code
/// Quality entries need.
#[derive(Debug, Clone, Default)]
pub(crate) struct RepoPaths {
    /// Where relative paths in the report start from.
    pub(crate) cwd: PathBuf,
    /// The repository root; `None` leaves paths as the run named them.
    pub(crate) root: Option<PathBuf>,
}

impl RepoPaths {
    /// The root is `$GITHUB_WORKSPACE` or `$CI_PROJECT_DIR` when set, else
    /// the current directory.
    pub(crate) fn from_env() -> RepoPaths {
        let cwd = std::env::current_dir().unwrap_or_default();
        let root = ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"]
            .iter()
            .find_map(|v| std::env::var_os(v).filter(|p| !p.is_empty()))
            .map(PathBuf::from)
            .unwrap_or_else(|| cwd.clone());
        RepoPaths {
            root: Some(normal(&root)),
            cwd,
        }
    }

    pub(crate) fn relative(&self, file: &str) -> String {
        let Some(root) = &self.root else {
            return file.to_string();
        };
        let absolute = normal(&self.cwd.join(file));
        match absolute.strip_prefix(root) {
            Ok(inside) => inside
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => file.to_string(),
        }
    }
}

/// Where each output goes.
pub(crate) struct Outputs<'a> {
    pub(crate) junit: Option<&'a Path>,
    pub(crate) junit_flavor: junit::Flavor,
    /// `-` is stdout, which silences the summary.
    pub(crate) json: Option<&'a Path>,
    pub(crate) html: Option<&'a Path>,
    pub(crate) codequality: Option<&'a Path>,
    pub(crate) gitlab_metrics: Option<&'a Path>,
    pub(crate) ci: Option<Platform>,
    pub(crate) detail: terminal::Detail,
}

/// Writes every output. Each is written on its own: one that cannot be
/// written costs neither the others nor the summary. Returns what failed.
pub(crate) fn emit(result: &RunResult, outputs: &Outputs<'_>) -> Vec<String> {
    let mut failed = Vec::new();
    let mut write = |what: &str, path: &Path, written: std::io::Result<()>| {
        if let Err(e) = written {
            failed.push(format!(
                "cannot write the {what} report to {}: {e}",
                path.display()
            ));
        }
    };
    let paths = RepoPaths::from_env();
    if let Some(path) = outputs.junit {
        write(
            "JUnit",
            path,
            junit::write(result, path, outputs.junit_flavor, &paths),
        );
    }
    if let Some(path) = outputs.html {
        write("HTML", path, std::fs::write(path, html::render(result)));
    }
    if let Some(path) = outputs.codequality {
        write(
            "Code Quality",
            path,
            std::fs::write(path, gitlab::codequality(result, &paths)),
        );
    }
    if let Some(path) = outputs.gitlab_metrics {
        write(
            "metrics",
            path,
            std::fs::write(path, gitlab::metrics(result)),
        );
    }
    let json_on_stdout = outputs.json.is_some_and(|p| p.as_os_str() == "-");
    if let Some(path) = outputs.json.filter(|_| !json_on_stdout) {
        write("JSON", path, json::write(result, path));
    }

    // CI logs go to stdout unless the JSON does (both runners read stderr too).
    let ci_log = match outputs.ci {
        Some(Platform::Github) => {
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let path = PathBuf::from(path);
                let text = github::summary(result, &paths, github::SUMMARY_BUDGET);
                write("step summary", &path, append(&path, &text));
            }
            if let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
                let path = PathBuf::from(path);
                write(
                    "step outputs",
                    &path,
                    append(&path, &github::outputs(result)),
                );
            }
            github::log(result, &paths)
        }
        Some(Platform::Gitlab) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            gitlab::log(result, now)
        }
        None => String::new(),
    };
    // Plain streams, not the styled ones: nothing may come before `::`.
    let github = outputs.ci == Some(Platform::Github);
    if json_on_stdout {
        let _ = std::io::stderr().write_all(ci_log.as_bytes());
        let mut json = result.to_json();
        if github {
            // The runner's legacy `##[command]` form is matched anywhere in
            // a line; `\u0023` is the same JSON string, inert to it.
            json = json.replace("##[", "#\\u0023[");
        }
        let _ = writeln!(std::io::stdout(), "{json}");
    } else if github {
        // The summary holds plugin text with its line breaks: fenced, so
        // a message cannot start a workflow command on a line of its own.
        let mut out = std::io::stdout();
        let _ = out.write_all(ci_log.as_bytes());
        let _ = out.write_all(github::terminal(result, outputs.detail).as_bytes());
    } else {
        let _ = std::io::stdout().write_all(ci_log.as_bytes());
        let _ = terminal::write(&mut anstream::stdout(), result, outputs.detail);
    }
    failed
}

/// A check's findings (one line each) and plugin output, control
/// characters escaped: the body of its GitHub group and GitLab section.
fn check_log(check: &mltest_report::CheckResult) -> String {
    use mltest_report::text::escape_controls;
    use std::fmt::Write as _;
    let mut out = String::new();
    for f in &check.findings {
        let _ = writeln!(
            out,
            "{:<5} {}: {}",
            f.outcome.as_str(),
            escape_controls(&f.name),
            escape_controls(&f.message).replace('\n', " ")
        );
    }
    for line in &check.logs {
        let _ = writeln!(out, "| {}", escape_controls(line));
    }
    for (stream, text) in [("stdout", &check.stdout), ("stderr", &check.stderr)] {
        for line in escape_controls(text).lines() {
            let _ = writeln!(out, "| {stream}: {line}");
        }
    }
    out
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_to_the_repository_root() {
        let paths = RepoPaths {
            cwd: "/repo/sub".into(),
            root: Some("/repo".into()),
        };
        assert_eq!(paths.relative("mltest.toml"), "sub/mltest.toml");
        assert_eq!(paths.relative("../x/./y.toml"), "x/y.toml");
        assert_eq!(paths.relative("/repo/a.toml"), "a.toml");
        // Outside the repository: as given.
        assert_eq!(paths.relative("/elsewhere/a.toml"), "/elsewhere/a.toml");
    }
}
