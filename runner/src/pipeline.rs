//! The one path every entry point drives: suite → registry → catalog → host
//! → run (then triggers, see `notify`). `mltest run`, `mltest validate` and the gate all go
//! through here; they differ only in where the verdict goes afterwards.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::host::{Host, HostError, Plugin};
use crate::registry::{self, FetchError, Fetched, Mlflow, Versions};
use crate::run::{self, RunResult, Selection};
use crate::suite::{self, ErrorKind, LoadError, Suite, SuiteError, SuiteErrors};

/// A suite parsed, its plugins loaded and their parameters valid.
pub(crate) struct Prepared {
    pub(crate) suite: Suite,
    pub(crate) plugins: BTreeMap<String, Arc<Plugin>>,
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
}

pub(crate) fn prepare(suite_path: &Path, host: &Host) -> Result<Prepared, PrepareError> {
    let suite = Suite::load(suite_path).map_err(PrepareError::Load)?;
    let plugins = host
        .load_plugins(&suite.plugins)
        .map_err(|e| plugin_error(&suite, e))?;
    let schemas: BTreeMap<String, serde_json::Value> = plugins
        .iter()
        .map(|(name, p)| (name.clone(), p.params_schema.clone()))
        .collect();
    suite::validate_params(&suite, &schemas).map_err(PrepareError::Invalid)?;
    Ok(Prepared { suite, plugins })
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
