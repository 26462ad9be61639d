//! Plugin projects: `mltest plugin new` writes one from a template, and
//! `mltest plugin build` turns one into a component.
//!
//! The templates are embedded, so the binary alone can start a project.
//! A Rust project depends on `mltest-sdk`; a Python project is built with
//! `componentize-py` against the Python SDK and the contract, both also
//! embedded here, so the SDK a plugin is built with is always the one that
//! matches this host's contract.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The languages a plugin project can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Lang {
    Rust,
    Python,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum ScaffoldError {
    #[error(
        "invalid plugin name `{0}`: use lowercase letters, digits and dashes, starting with a letter"
    )]
    #[diagnostic(code(mltest::plugin::name))]
    Name(String),
    #[error("{}: already exists; choose another name or folder", .0.display())]
    #[diagnostic(code(mltest::plugin::exists))]
    Exists(PathBuf),
    #[error("{}: {message}", path.display())]
    #[diagnostic(code(mltest::plugin::io))]
    Io { path: PathBuf, message: String },
    #[error("{}: neither Cargo.toml nor app.py: not a plugin project", .0.display())]
    #[diagnostic(code(mltest::plugin::not_a_project))]
    NotAProject(PathBuf),
    #[error("cannot run `{program}`: {message}")]
    #[diagnostic(code(mltest::plugin::tool), help("{help}"))]
    Tool {
        program: String,
        message: String,
        help: String,
    },
    #[error("`{command}` failed:\n{output}")]
    #[diagnostic(code(mltest::plugin::build))]
    Build { command: String, output: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |e| ScaffoldError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One file of a template: its path in the project and its text, with
/// `{{name}}`, `{{crate}}` and `{{sdk}}` to fill in.
struct TemplateFile {
    path: &'static str,
    text: &'static str,
}

const RUST: &[TemplateFile] = &[
    TemplateFile {
        path: "Cargo.toml",
        text: include_str!("rust/Cargo.toml.tmpl"),
    },
    TemplateFile {
        path: "src/lib.rs",
        text: include_str!("rust/src/lib.rs.tmpl"),
    },
    TemplateFile {
        path: "tests/plugin.rs",
        text: include_str!("rust/tests/plugin.rs.tmpl"),
    },
    TemplateFile {
        path: "tests/data.csv",
        text: include_str!("rust/tests/data.csv"),
    },
    TemplateFile {
        path: "README.md",
        text: include_str!("rust/README.md.tmpl"),
    },
    TemplateFile {
        path: ".gitignore",
        text: include_str!("rust/gitignore"),
    },
];

const PYTHON: &[TemplateFile] = &[
    TemplateFile {
        path: "app.py",
        text: include_str!("python/app.py.tmpl"),
    },
    TemplateFile {
        path: "test_plugin.py",
        text: include_str!("python/test_plugin.py.tmpl"),
    },
    TemplateFile {
        path: "data.csv",
        text: include_str!("rust/tests/data.csv"),
    },
    TemplateFile {
        path: "README.md",
        text: include_str!("python/README.md.tmpl"),
    },
    TemplateFile {
        path: ".gitignore",
        text: include_str!("python/gitignore"),
    },
];

/// The Python SDK and the contract it is built against, as `plugin build`
/// lays them out for `componentize-py`.
const PYTHON_SDK: &[TemplateFile] = &[
    TemplateFile {
        path: "mltest_sdk/__init__.py",
        text: include_str!("../../../plugins/python/mltest_sdk/__init__.py"),
    },
    TemplateFile {
        path: "mltest_sdk/schema.py",
        text: include_str!("../../../plugins/python/mltest_sdk/schema.py"),
    },
    TemplateFile {
        path: "wit/plugin.wit",
        text: include_str!("../../../wit/since_v0.2.0/plugin.wit"),
    },
];

/// The componentize-py release the Python SDK is tested with.
pub(crate) const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

/// Where a Rust project gets `mltest-sdk` from: this source tree's SDK
/// when the binary was built from one that is still there, else the
/// registry.
fn sdk_dependency(sdk: Option<&Path>) -> String {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/sdk");
    // Cargo reads a path dependency from the new project's folder, so the
    // path must not be relative to where mltest ran.
    let sdk = sdk.map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()));
    let here = || {
        local
            .canonicalize()
            .ok()
            .filter(|p| p.join("Cargo.toml").is_file())
    };
    match sdk.or_else(here) {
        Some(path) => format!("{{ path = {:?} }}", path.display().to_string()),
        None => format!("\"{}\"", env!("CARGO_PKG_VERSION")),
    }
}

fn valid_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// Writes a new plugin project `name` into `dir` (created; must not exist).
pub(crate) fn new(
    name: &str,
    lang: Lang,
    dir: &Path,
    sdk: Option<&Path>,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !valid_name(name) {
        return Err(ScaffoldError::Name(name.to_string()));
    }
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir.to_path_buf()));
    }
    let files = match lang {
        Lang::Rust => RUST,
        Lang::Python => PYTHON,
    };
    let sdk = sdk_dependency(sdk);
    let crate_name = name.replace('-', "_");
    let mut written = Vec::new();
    for file in files {
        let path = dir.join(file.path);
        let text = file
            .text
            .replace("{{name}}", name)
            .replace("{{crate}}", &crate_name)
            .replace("{{sdk}}", &sdk)
            .replace("{{componentize}}", COMPONENTIZE_PY);
        write(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(path, text).map_err(io(path))
}

/// Builds the project in `dir` and returns the component's path.
pub(crate) fn build(dir: &Path, out: Option<&Path>) -> Result<PathBuf, ScaffoldError> {
    if dir.join("Cargo.toml").is_file() {
        build_rust(dir)
    } else if dir.join("app.py").is_file() {
        build_python(dir, out)
    } else {
        Err(ScaffoldError::NotAProject(dir.to_path_buf()))
    }
}

/// Runs `command`; its output becomes the error when it fails.
fn run(mut command: Command, help: &str) -> Result<(), ScaffoldError> {
    let shown = format!("{command:?}").replace('"', "");
    let output = command.output().map_err(|e| ScaffoldError::Tool {
        program: command.get_program().to_string_lossy().into_owned(),
        message: e.to_string(),
        help: help.to_string(),
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(ScaffoldError::Build {
        command: shown,
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

fn build_rust(dir: &Path) -> Result<PathBuf, ScaffoldError> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(io(&manifest))?;
    let package = text
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| t.get("package")?.get("name")?.as_str().map(str::to_string))
        .ok_or_else(|| ScaffoldError::NotAProject(dir.to_path_buf()))?;
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(dir)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .env_remove("RUSTFLAGS");
    run(
        cargo,
        "install Rust with rustup, then `rustup target add wasm32-wasip2`",
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    let target = if target.is_relative() {
        dir.join(target)
    } else {
        target
    };
    let wasm = target
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    if !wasm.is_file() {
        return Err(ScaffoldError::Io {
            path: wasm,
            message: "cargo built, but not this component: is the crate a `cdylib` without a `[lib] name`, and the target dir the default?".into(),
        });
    }
    std::path::absolute(&wasm).map_err(io(&wasm))
}

/// Lays out the embedded SDK and contract, and runs componentize-py on
/// the project's `app.py`; the component is `<name>.wasm` in the project.
fn build_python(dir: &Path, out: Option<&Path>) -> Result<PathBuf, ScaffoldError> {
    let scratch = tempfile::Builder::new()
        .prefix("mltest-python-sdk-")
        .tempdir()
        .map_err(io(dir))?;
    for file in PYTHON_SDK {
        write(&scratch.path().join(file.path), file.text)?;
    }
    let dir = std::path::absolute(dir).map_err(io(dir))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plugin".into());
    let wasm = match out {
        Some(out) => std::path::absolute(out).map_err(io(out))?,
        None => dir.join(format!("{name}.wasm")),
    };
    // A relative path names a file from here, not from the project folder
    // the tool runs in.
    let program = match std::env::var_os("MLTEST_COMPONENTIZE_PY") {
        Some(p) if Path::new(&p).components().count() > 1 => std::path::absolute(&p)
            .map_err(io(Path::new(&p)))?
            .into_os_string(),
        Some(p) => p,
        None => "componentize-py".into(),
    };
    let mut command = Command::new(program);
    // componentize-py puts the active (or else the system) Python's
    // site-packages on the guest's path: point it at the empty scratch
    // folder, so a plugin sees the SDK, its own folder and the stdlib only,
    // the same on every machine.
    command
        .env("VIRTUAL_ENV", scratch.path())
        .current_dir(&dir)
        .arg("-d")
        .arg(scratch.path().join("wit"))
        .args(["-w", "check", "componentize", "app", "-p"])
        .arg(&dir)
        .arg("-p")
        .arg(scratch.path())
        .arg("-o")
        .arg(&wasm);
    run(
        command,
        &format!(
            "install it with `pip install {COMPONENTIZE_PY}`, or set MLTEST_COMPONENTIZE_PY to it"
        ),
    )?;
    Ok(wasm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(valid_name("label-leakage") && valid_name("nulls2"));
        for bad in ["", "Label", "1st", "a_b", "trailing-", "x/y", ".."] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_new_project_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let e = new("nulls", Lang::Rust, dir.path(), None).unwrap_err();
        assert!(matches!(e, ScaffoldError::Exists(_)), "{e}");
        let files = new("nulls", Lang::Rust, &dir.path().join("nulls"), None).unwrap();
        let cargo = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            cargo.contains("name = \"nulls\"") && cargo.contains("mltest-sdk = { path"),
            "{cargo}"
        );
        let lib = std::fs::read_to_string(&files[1]).unwrap();
        assert!(
            lib.contains("format!(\"nulls[{}]\"") && !lib.contains("{{"),
            "{lib}"
        );
    }
}
