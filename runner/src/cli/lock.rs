//! `mltest lock` (pin what a suite runs with) and `mltest plugin push`
//! (publish a component to an OCI registry, where suites pull it from).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{CacheArgs, CommandError, UsageError, prepare};
use crate::host::{Host, Origin};
use crate::pipeline::Locking;
use crate::sources::{self, OciRef};
use mltest_report::exit_code;

#[derive(Debug, Args)]
pub(super) struct LockArgs {
    /// The suite file.
    #[arg(default_value = "mltest.toml")]
    suite: PathBuf,
    /// Also pin the sha256 of every local artifact, so `--locked` refuses
    /// changed data too.
    #[arg(long)]
    artifacts: bool,
}

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
}

/// Resolves every plugin afresh (tags asked of their registries), loads
/// it, and writes the lockfile.
pub(super) fn lock_command(args: &LockArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let (prepared, _host) = prepare(&args.suite, cache, Locking::Update)?;
    let mut lock = prepared.lock;
    if args.artifacts {
        lock.artifacts = crate::lock::artifacts(&prepared.suite).map_err(CommandError::invalid)?;
    }
    let path = crate::lock::path_for(&prepared.suite.path);
    let before = crate::lock::Lockfile::read(&path).ok().flatten();
    lock.write(&path).map_err(CommandError::internal)?;
    let changes = before.map_or_else(
        || vec!["new lockfile".to_string()],
        |before| before.differences(&lock),
    );
    let mut out = anstream::stdout();
    let _ = writeln!(
        out,
        "locked {} plugins{} in {}",
        lock.plugins.len(),
        if args.artifacts {
            format!(" and {} artifacts", lock.artifacts.len())
        } else {
            String::new()
        },
        path.display()
    );
    for change in changes {
        let _ = writeln!(out, "  {change}");
    }
    Ok(exit_code::PASSED)
}

pub(super) fn plugin_command(
    command: &PluginCommand,
    cache: &CacheArgs,
) -> Result<u8, CommandError> {
    match command {
        PluginCommand::Push {
            component,
            reference,
        } => {
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
                .load(&name, &wasm, Origin::File(component.clone()))
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
    }
}
