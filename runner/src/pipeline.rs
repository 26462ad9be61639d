//! The one path every entry point drives: suite → sources (with the
//! lockfile) → registry → catalog → host → run (then triggers, see `notify`). `mltest run`, `mltest validate` and the gate all go
//! through here; they differ only in where the verdict goes afterwards.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::host::{Contract, Host, HostError, Origin, Plugin};
use crate::lock::{self, LockError, LockedPlugin, Lockfile};
use crate::registry::{self, FetchError, Fetched, Mlflow, Versions};
use crate::run::{self, RunResult, Selection};
use crate::sources::{self, FetchedPlugin, Pins};
use crate::suite::{self, ErrorKind, LoadError, Suite, SuiteError, SuiteErrors};

/// A suite parsed, its plugins fetched, pinned and loaded, and their
/// parameters valid.
pub(crate) struct Prepared {
    pub(crate) suite: Suite,
    pub(crate) plugins: BTreeMap<String, Arc<Plugin>>,
    /// What the suite runs with, as `mltest lock` writes it (plugins only).
    pub(crate) lock: Lockfile,
}

/// How the lockfile takes part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locking {
    /// OCI tags resolve through the lockfile beside the suite, if any (every run).
    Pinned,
    /// As `Pinned`, and refuse unless the lockfile matches exactly what the
    /// suite resolves to now, tags asked of their registries (`--locked`).
    Locked,
    /// Ask the registries afresh (`mltest lock`).
    Update,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum PrepareError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(LoadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(SuiteErrors),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Host(HostError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lock(LockError),
}

pub(crate) fn prepare(
    suite_path: &Path,
    host: &Host,
    locking: Locking,
) -> Result<Prepared, PrepareError> {
    let suite = Suite::load(suite_path).map_err(PrepareError::Load)?;
    let lock_path = lock::path_for(&suite.path);
    // `mltest lock` replaces the file, so a broken one must not stop it.
    let on_disk = match locking {
        Locking::Update => None,
        Locking::Pinned | Locking::Locked => {
            Lockfile::read(&lock_path).map_err(PrepareError::Lock)?
        }
    };
    if locking == Locking::Locked && on_disk.is_none() {
        return Err(PrepareError::Lock(LockError::Missing { path: lock_path }));
    }
    let pins = match locking {
        Locking::Pinned => Pins::Lockfile(on_disk.as_ref()),
        Locking::Locked | Locking::Update => Pins::Registry,
    };
    let (plugins, fetched) = load_plugins(&suite, host, &pins)?;
    let declared: BTreeMap<String, suite::Declared> = plugins
        .iter()
        .map(|(name, p)| {
            let declared = suite::Declared {
                schema: p.params_schema.clone(),
                capabilities: (p.contract != Contract::V0_1).then(|| p.capabilities.clone()),
            };
            (name.clone(), declared)
        })
        .collect();
    suite::validate_params(&suite, &declared).map_err(PrepareError::Invalid)?;
    let mut lock = locked(&suite, &plugins, &fetched);
    if locking == Locking::Locked
        && let Some(on_disk) = on_disk
    {
        if !on_disk.artifacts.is_empty() {
            lock.artifacts = lock::artifacts(&suite).map_err(PrepareError::Lock)?;
        }
        let differences = on_disk.differences(&lock);
        if !differences.is_empty() {
            return Err(PrepareError::Lock(LockError::Differs {
                path: lock_path,
                differences,
            }));
        }
    }
    Ok(Prepared {
        suite,
        plugins,
        lock,
    })
}

/// Every plugin by name, and the declared ones' fetched components.
pub(crate) type Loaded = (BTreeMap<String, Arc<Plugin>>, Vec<FetchedPlugin>);

/// Fetches the suite's declared plugins and loads them with the built-ins.
/// A declared plugin that cannot be fetched or loaded is a suite error at
/// its declaration.
pub(crate) fn load_plugins(
    suite: &Suite,
    host: &Host,
    pins: &Pins<'_>,
) -> Result<Loaded, PrepareError> {
    let fetched = suite
        .plugins
        .iter()
        .map(|spec| sources::fetch(spec, pins, host.cache_dir()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            plugin_error(
                suite,
                HostError::Plugin {
                    name: e.name,
                    message: e.message,
                },
            )
        })?;
    let plugins = host
        .load_plugins(&fetched)
        .map_err(|e| plugin_error(suite, e))?;
    Ok((plugins, fetched))
}

/// The lock entries of the plugins the suite uses: every declared one, and
/// each built-in a check names.
fn locked(
    suite: &Suite,
    plugins: &BTreeMap<String, Arc<Plugin>>,
    fetched: &[FetchedPlugin],
) -> Lockfile {
    let used: BTreeSet<&str> = suite
        .checks
        .iter()
        .map(|c| c.plugin.as_str())
        .chain(fetched.iter().map(|f| f.name.as_str()))
        .collect();
    let entries = used
        .into_iter()
        .filter_map(|name| plugins.get(name))
        .map(|plugin| {
            let fetched = fetched.iter().find(|f| f.name == plugin.name);
            let source = match &plugin.origin {
                Origin::Builtin => "builtin".to_string(),
                Origin::File(path) => lock::relative(suite, path),
                Origin::Oci(reference) => reference.clone(),
            };
            LockedPlugin {
                name: plugin.name.clone(),
                version: plugin.version.clone(),
                source,
                manifest: fetched.and_then(|f| f.manifest.clone()),
                sha256: plugin.digest.clone(),
            }
        })
        .collect();
    Lockfile::new(entries)
}

/// A declared plugin that fails to load is a suite error at its declaration.
pub(crate) fn plugin_error(suite: &Suite, error: HostError) -> PrepareError {
    if let HostError::Plugin { name, message } = &error
        && let Some(spec) = suite.plugins.iter().find(|p| &p.name == name)
    {
        let e = SuiteError::new(
            &suite.source,
            ErrorKind::PluginLoad,
            spec.span.clone(),
            format!("plugin `{name}`: {message}"),
        )
        .label("this plugin");
        return PrepareError::Invalid(suite.errors(vec![e]));
    }
    PrepareError::Host(error)
}

/// Where a run's registry artifacts come from.
pub(crate) struct RegistryRun<'a> {
    pub(crate) client: &'a Mlflow,
    pub(crate) versions: &'a Versions,
    /// A fresh, empty folder the downloads go to.
    pub(crate) job_dir: &'a Path,
}

/// What a run produced.
pub(crate) struct Executed {
    pub(crate) result: RunResult,
    pub(crate) fetched: Vec<Fetched>,
}

/// Runs a prepared suite: fetches its registry artifacts (if any), runs the
/// selected checks. Triggers ([`crate::notify::fire`]) follow the verdict:
/// the CLI fires them at once, the gate once per job, after its tags.
pub(crate) fn execute(
    prepared: &Prepared,
    host: &Host,
    selection: &Selection,
    registry: Option<RegistryRun<'_>>,
    progress: &dyn run::Progress,
) -> Result<Executed, FetchError> {
    let (suite, fetched) = match &registry {
        Some(r) => registry::materialise(&prepared.suite, r.client, r.versions, r.job_dir)?,
        None => (prepared.suite.clone(), Vec::new()),
    };
    let catalog = Arc::new(Catalog::new(&suite.artifacts, &suite.commands, suite.sizes));
    let result = run::run(
        &suite,
        catalog,
        host,
        &prepared.plugins,
        selection,
        progress,
    );
    Ok(Executed { result, fetched })
}
