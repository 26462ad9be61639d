//! `mltest plugin`: what a plugin author runs. `new` writes a project,
//! `build` makes its component, `test` runs one check of a component
//! against named files without a suite file (the harness a plugin's own
//! tests call), and `push` publishes a component to an OCI registry, where
//! suites pull it from.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{CacheArgs, CommandError, ReportArgs, UsageError, finish, prepare};
use crate::host::{Host, Origin};
use crate::pipeline::{self, Locking};
use crate::run::Selection;
use crate::scaffold::{self, Lang};
use crate::sources::{self, OciRef};
use mltest_report::exit_code;

#[derive(Debug, Subcommand)]
pub(super) enum PluginCommand {
    /// Push a plugin component to an OCI registry as a wasm artifact (the
    /// layout `wkg` uses), and print the digest to pin it by.
    ///
    /// Credentials come from MLTEST_OCI_USERNAME and MLTEST_OCI_PASSWORD;
    /// registries on loopback are spoken to over plain HTTP.
    Push {
        /// The component (`.wasm`).
        component: PathBuf,
        /// `oci://HOST/NAMESPACE/NAME:TAG`.
        reference: String,
    },
    /// Write a new plugin project: source, its own test, and a README with
    /// the build command.
    New {
        /// The plugin's name (lowercase letters, digits, dashes).
        name: String,
        #[arg(long, value_enum, default_value_t = Lang::Rust)]
        lang: Lang,
        /// Where to write it (default: a folder named after the plugin).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// A local mltest-sdk to depend on (Rust; default: this mltest's
        /// source tree when it is there, else the published crate).
        #[arg(long, value_name = "PATH")]
        sdk: Option<PathBuf>,
    },
    /// Build a plugin project (Cargo.toml: cargo for wasm32-wasip2; app.py:
    /// componentize-py with the Python SDK) and print the component's path.
    Build {
        /// The project folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Where to write the component (Python; default `<dir>/<name>.wasm`).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Run one check of a component against named files, as a suite with
    /// that one check would: params validated against the plugin's schema,
    /// the same sandbox and limits, the same reports and exit codes.
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub(super) struct TestArgs {
    /// The component (`.wasm`).
    component: PathBuf,
    /// An artifact the params can name, as NAME=PATH (repeatable).
    #[arg(long = "artifact", value_name = "NAME=PATH")]
    artifacts: Vec<String>,
    /// The check's params, as a JSON object.
    #[arg(long, value_name = "JSON", default_value = "{}")]
    params: String,
    /// A capability to grant (`clock`, `random`; repeatable).
    #[arg(long = "grant", value_name = "CAPABILITY")]
    grants: Vec<String>,
    /// The check's time limit (default 30s).
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
    /// The check's memory limit (default 256MiB).
    #[arg(long, value_name = "SIZE")]
    memory: Option<String>,
    #[command(flatten)]
    report: ReportArgs,
}

pub(super) fn plugin_command(
    command: &PluginCommand,
    cache: &CacheArgs,
) -> Result<u8, CommandError> {
    match command {
        PluginCommand::Push {
            component,
            reference,
        } => push(component, reference, cache),
        PluginCommand::Test(args) => test(args, cache),
        PluginCommand::New {
            name,
            lang,
            dir,
            sdk,
        } => {
            let dir = dir.clone().unwrap_or_else(|| PathBuf::from(name));
            let written =
                scaffold::new(name, *lang, &dir, sdk.as_deref()).map_err(CommandError::invalid)?;
            let mut out = anstream::stdout();
            let _ = writeln!(out, "created {name} in {}", dir.display());
            for path in written {
                let _ = writeln!(out, "  {}", path.display());
            }
            Ok(exit_code::PASSED)
        }
        PluginCommand::Build { dir, out } => {
            let wasm = scaffold::build(dir, out.as_deref()).map_err(CommandError::invalid)?;
            let _ = writeln!(anstream::stdout(), "{}", wasm.display());
            Ok(exit_code::PASSED)
        }
    }
}

fn push(component: &Path, reference: &str, cache: &CacheArgs) -> Result<u8, CommandError> {
    let usage = |m: String| CommandError::invalid(UsageError(m));
    let to = OciRef::parse(reference).map_err(usage)?;
    if to.digest.is_some() || to.tag.is_none() {
        return Err(usage(format!(
            "push to a tag (`oci://HOST/NAMESPACE/NAME:TAG`), not `{reference}`: the registry chooses the digest"
        )));
    }
    let wasm = crate::files::read(
        component,
        sources::MAX_COMPONENT_BYTES,
        "plugin components are at most 256 MiB",
    )
    .map_err(|e| usage(format!("{}: {e}", component.display())))?;
    // Only a component that loads as a plugin is published.
    let host = Host::new(cache.dir()).map_err(CommandError::internal)?;
    let name = component
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plugin = host
        .load(&name, &wasm, Origin::File(component.to_path_buf()))
        .map_err(CommandError::invalid)?;
    let digest = sources::push(wasm, &to, &name, &plugin.version, &plugin.summary)
        .map_err(|m| CommandError::internal(UsageError(m)))?;
    let _ = writeln!(
        anstream::stdout(),
        "pushed {} {} as {to}@{digest}",
        name,
        plugin.version
    );
    Ok(exit_code::PASSED)
}

/// The check's and the plugin's name in `plugin test`'s suite: fixed, as a
/// component file may be called anything, a built-in's name included.
const UNDER_TEST: &str = "plugin-under-test";

/// Writes the one-check suite into a scratch folder (root `/`, absolute
/// paths) and runs it through the same pipeline as `mltest run`.
fn test(args: &TestArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let usage = |m: String| CommandError::invalid(UsageError(m));
    let absolute = |path: &Path| {
        std::path::absolute(path).map_err(|e| usage(format!("{}: {e}", path.display())))
    };
    let params: serde_json::Value = serde_json::from_str(&args.params)
        .map_err(|e| usage(format!("--params is not JSON: {e}")))?;
    let params = toml::Value::try_from(&params)
        .ok()
        .filter(toml::Value::is_table)
        .ok_or_else(|| usage("--params must be a JSON object without nulls".to_string()))?;

    let mut artifacts = toml::Table::new();
    for spec in &args.artifacts {
        let (artifact, path) = spec
            .split_once('=')
            .ok_or_else(|| usage(format!("--artifact `{spec}`: write NAME=PATH")))?;
        let path = absolute(Path::new(path))?;
        artifacts.insert(artifact.into(), path.display().to_string().into());
    }
    let mut check = toml::Table::new();
    check.insert("id".into(), UNDER_TEST.into());
    check.insert("plugin".into(), UNDER_TEST.into());
    if !args.grants.is_empty() {
        check.insert("grants".into(), args.grants.clone().into());
    }
    for (key, value) in [("timeout", &args.timeout), ("memory", &args.memory)] {
        if let Some(value) = value {
            check.insert(key.into(), value.clone().into());
        }
    }
    check.insert("params".into(), params);
    let mut plugin = toml::Table::new();
    plugin.insert(
        "path".into(),
        absolute(&args.component)?.display().to_string().into(),
    );
    let mut suite = toml::toml! {
        [suite]
        name = "plugin-test"
        root = "/"
    };
    suite.insert("artifacts".into(), artifacts.into());
    suite.insert(
        "plugins".into(),
        toml::Table::from_iter([(UNDER_TEST.to_string(), plugin.into())]).into(),
    );
    suite.insert("check".into(), vec![toml::Value::Table(check)].into());

    let scratch = tempfile::Builder::new()
        .prefix("mltest-plugin-test-")
        .tempdir()
        .map_err(|e| usage(format!("cannot create a scratch folder: {e}")))?;
    let path = scratch.path().join(format!("{UNDER_TEST}.toml"));
    let text =
        toml::to_string(&suite).map_err(|e| usage(format!("cannot write the suite: {e}")))?;
    std::fs::write(&path, text).map_err(|e| usage(format!("{}: {e}", path.display())))?;

    let (prepared, host) = prepare(&path, cache, Locking::Pinned)?;
    let selection = Selection::default();
    let executed = pipeline::execute(&prepared, &host, &selection, None, &crate::run::Quiet)
        .map_err(CommandError::internal)?;
    finish(&executed.result, &args.report)
}
