//! `mltest lock`: pin what a suite runs with.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{CacheArgs, CommandError, prepare};
use crate::pipeline::Locking;
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
