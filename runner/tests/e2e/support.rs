//! Helpers for the end-to-end tests: run the real `mltest` binary on
//! fixtures copied into a scratch folder, and read what it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) use mltest_testkit::{
    HOSTILE_DESCRIBE_PLUGIN, HOSTILE_PLUGIN, HOSTILE_SCHEMA_PLUGIN, LEGACY_PLUGIN, root,
};

/// The binary under test, as cargo built it for this test target.
pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_mltest");

/// A scratch folder holding a copy of `fixtures/credit-risk`.
pub(crate) struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub(crate) fn credit_risk() -> Scratch {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&root().join("fixtures/credit-risk"), dir.path());
        Scratch { dir }
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a Parquet file of these columns, `group` rows per row group.
    pub(crate) fn write_parquet(
        &self,
        relative: &str,
        columns: Vec<(&str, arrow::array::ArrayRef)>,
        group: usize,
    ) {
        let batch = arrow::array::RecordBatch::try_from_iter(columns).unwrap();
        let file = std::fs::File::create(self.path(relative)).unwrap();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_size(group)
            .build();
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    pub(crate) fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        path
    }

    pub(crate) fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).expect("read")
    }

    /// Runs `mltest ARGS` in this folder, with a cache folder of its own and no colour.
    pub(crate) fn mltest(&self, args: &[&str]) -> Run {
        self.mltest_env(args, &[])
    }

    /// [`Scratch::mltest`] with these variables set (after the CI ones are
    /// removed, so a test can set them itself).
    pub(crate) fn mltest_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = Command::new(BINARY)
            .args(args)
            .current_dir(self.dir.path())
            .env("MLTEST_CACHE_DIR", self.path(".cache"))
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            // Tests that want CI outputs ask for them; a CI running the
            // tests must not turn them on.
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITLAB_CI")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("GITHUB_OUTPUT")
            .env_remove("GITHUB_WORKSPACE")
            .env_remove("CI_PROJECT_DIR")
            .envs(env.iter().copied())
            .output()
            .expect("mltest runs");
        Run { output }
    }

    /// Runs a suite with JUnit and JSON reports; returns the run and the parsed JSON.
    pub(crate) fn run_suite(&self, suite: &str, extra: &[&str]) -> (Run, serde_json::Value) {
        let mut args = vec![
            "run",
            suite,
            "--junit",
            "report.xml",
            "--json",
            "report.json",
        ];
        args.extend_from_slice(extra);
        let run = self.mltest(&args);
        let json = serde_json::from_str(&self.read("report.json"))
            .unwrap_or_else(|e| panic!("report.json: {e}\n{}", run.all()));
        (run, json)
    }

    /// Validates `report.xml` with the XSD and junitparser (Python); returns junitparser's counts.
    pub(crate) fn validate_junit(&self, report: &str) -> serde_json::Value {
        let output = Command::new(mltest_testkit::python())
            .arg(root().join("tests/validate_junit.py"))
            .arg(self.path(report))
            .output()
            .expect("the test Python runs");
        assert!(
            output.status.success(),
            "JUnit validation failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("validator prints JSON")
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixtures") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

pub(crate) struct Run {
    pub output: Output,
}

impl Run {
    pub(crate) fn code(&self) -> i32 {
        self.output.status.code().expect("exited normally")
    }
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub(crate) fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout(), self.stderr())
    }
}

/// The check with this id in a JSON report.
pub(crate) fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check `{id}` in {report:#}"))
}

/// The finding with this name in a check of a JSON report.
pub(crate) fn finding<'a>(check: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    check["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == name))
        .unwrap_or_else(|| panic!("no finding `{name}` in {check:#}"))
}

/// Counts findings of one outcome across the report.
pub(crate) fn count(report: &serde_json::Value, outcome: &str) -> usize {
    report["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .flat_map(|c| c["findings"].as_array().into_iter().flatten())
                .filter(|f| f["outcome"] == outcome)
                .count()
        })
        .unwrap_or(0)
}
