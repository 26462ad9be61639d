//! What the end-to-end tests (`runner/tests/e2e`) need besides the binary
//! cargo builds for them: the hostile plugin components, and a Python with
//! the JUnit consumers' parsers, set up by the harness itself so the test
//! command works on a machine that has only rustup and python3.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The hostile plugin component, built by this crate's build script.
pub const HOSTILE_PLUGIN: &str = env!("MLTEST_HOSTILE_PLUGIN");
/// A plugin whose params schema refers to itself.
pub const HOSTILE_SCHEMA_PLUGIN: &str = env!("MLTEST_HOSTILE_SCHEMA_PLUGIN");
/// A plugin whose `describe()` sleeps.
pub const HOSTILE_DESCRIBE_PLUGIN: &str = env!("MLTEST_HOSTILE_DESCRIBE_PLUGIN");

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// The pinned Python requirements the tests use.
const REQUIREMENTS: &str = include_str!("../requirements.txt");

/// A `python3` from a virtualenv under `target/test-python` holding exactly
/// `tests/requirements.txt`. Made once: a stamp with the requirements'
/// text marks a finished install, and a file lock keeps concurrent test
/// processes from installing at the same time.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = root().join("target/test-python");
        let python = venv.join("bin/python3");
        let stamp = venv.join("requirements.stamp");
        let ready = || std::fs::read_to_string(&stamp).is_ok_and(|s| s == REQUIREMENTS);
        if ready() {
            return python;
        }
        std::fs::create_dir_all(root().join("target")).expect("create target/");
        let lock = File::create(root().join("target/test-python.lock")).expect("lock file");
        lock.lock().expect("lock target/test-python.lock");
        if !ready() {
            let _ = std::fs::remove_dir_all(&venv);
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run(Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-r",
                ])
                .arg(root().join("tests/requirements.txt")));
            std::fs::write(&stamp, REQUIREMENTS).expect("write the stamp");
        }
        python
    })
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} cannot start: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed while setting up the test Python:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

mod mlflow;
pub use mlflow::{MlflowServer, free_port};
