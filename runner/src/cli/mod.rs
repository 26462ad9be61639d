//! The command line: `mltest run`, `validate`, `lock`, `plugins`, `plugin`,
//! `serve` and `gate`.

mod lock;
mod plugin;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use miette::Report;
use mltest_kernels::profile::Params;

use crate::gate;
use crate::host::{ComponentCache, Host, Origin};
use crate::pipeline::{self, Locking, PrepareError, Prepared, RegistryRun};
use crate::registry::{Mlflow, ModelRef, Versions};
use crate::report;
use crate::run::Selection;
use crate::suite::Suite;
use mltest_report::exit_code;

/// Test machine-learning artifacts before a model is promoted.
///
/// Each check is a sandboxed WebAssembly plugin run against the artifacts a
/// suite file (mltest.toml) declares. Results go to the terminal, JUnit XML
/// and JSON; the exit code gates CI and registries.
///
/// Exit codes: 0 passed, 1 a check failed, 2 invalid suite or usage,
/// 3 a check could not be evaluated (or mltest itself failed).
#[derive(Debug, Parser)]
#[command(name = "mltest", version, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    cache: CacheArgs,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a suite's checks and report the verdict.
    Run(RunArgs),
    /// Render the reports of a saved run (`mltest run --json`) again, without
    /// running it; exits as the run did.
    Report(ReportCommandArgs),
    /// Write a starter suite (mltest.toml) inferred from a model folder, a
    /// training table, current data and metrics files.
    Init(InitArgs),
    /// Check a suite file (syntax, artifacts, plugins, parameters) without running it.
    Validate(SuiteArgs),
    /// Profile tables once, for drift against them many times: exact counts,
    /// sums, bucket counts and category counts per column, in one file
    /// (.mltp) a suite uses where it would use the table. Several inputs
    /// (the parts of one dataset, or earlier profiles) are merged.
    Profile(ProfileArgs),
    /// Pin every plugin the suite uses (and, with --artifacts, its
    /// artifacts) in a lockfile beside it: mltest.toml → mltest.lock.
    Lock(lock::LockArgs),
    /// List the built-in plugins (and a suite's declared ones) with version and digest.
    Plugins(PluginsArgs),
    /// Write, build, test and publish plugins: new, build, test, push.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Run the registry gate: receive MLflow webhooks, evaluate new model
    /// versions, write verdicts back, and promote only on a pass.
    Serve(gate::ServeArgs),
    /// Ask whether a model version passed the gate (for deploy steps).
    #[command(subcommand)]
    Gate(gate::GateCommand),
}

#[derive(Debug, Args)]
struct SuiteArgs {
    /// The suite file.
    #[arg(default_value = "mltest.toml")]
    suite: PathBuf,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Refuse to run unless the lockfile beside the suite matches what it
    /// resolves to now: plugins (OCI tags asked of their registry), and
    /// artifacts when locked.
    #[arg(long)]
    locked: bool,
}

impl SuiteArgs {
    fn locking(&self) -> Locking {
        if self.locked {
            Locking::Locked
        } else {
            Locking::Pinned
        }
    }
}

/// Where a suite's registry artifacts (`{ mlflow = ... }`) come from.
#[derive(Debug, Args)]
struct RegistryArgs {
    /// The MLflow server (credentials from MLFLOW_TRACKING_USERNAME and
    /// MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN).
    #[arg(
        long,
        value_name = "URL",
        env = "MLFLOW_TRACKING_URI",
        requires = "model"
    )]
    registry: Option<String>,
    /// The candidate: `name/7` (a version) or `name@challenger` (an alias).
    #[arg(long, value_name = "MODEL", requires = "registry")]
    model: Option<ModelRef>,
    /// The alias whose version is the champion (`of = "champion"`).
    #[arg(long, value_name = "ALIAS", default_value = "champion")]
    champion_alias: String,
}

#[derive(Debug, Args)]
struct CacheArgs {
    /// Where compiled plugins are cached [default: $MLTEST_CACHE_DIR or ~/.cache/mltest/components].
    #[arg(long, value_name = "DIR", global = true)]
    cache_dir: Option<PathBuf>,
    /// Compile plugins afresh and keep nothing.
    #[arg(long, global = true)]
    no_cache: bool,
}

impl CacheArgs {
    fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache_dir.clone().or_else(ComponentCache::default_dir)
        }
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    suite: SuiteArgs,
    /// Run only checks whose id matches one of these glob patterns.
    #[arg(long, value_name = "GLOB")]
    only: Vec<String>,
    /// Skip checks whose id matches one of these glob patterns.
    #[arg(long, value_name = "GLOB")]
    skip: Vec<String>,
    /// Run one shard of the selected checks, for CI jobs that share a
    /// suite: `hash:K/N` (by a hash of the check id: stable as checks come
    /// and go) or `count:K/N` (round-robin in suite order). Join the
    /// shards' JSON reports with `mltest report merge`.
    #[arg(long, value_name = "hash:K/N")]
    partition: Option<crate::run::Shard>,
    #[command(flatten)]
    report: ReportArgs,
}

/// The outputs of a run, shared by `mltest run` and `mltest report`.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// `extended` adds testcase `file` and `line` (read by GitLab and the
    /// GitHub JUnit actions); `strict` keeps to Jenkins' junit-10.xsd.
    #[arg(long, value_enum, default_value_t = report::junit::Flavor::Extended)]
    junit_flavor: report::junit::Flavor,
    /// Write the JSON report here (`-` for stdout, which silences the summary).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report (plots, no JavaScript) here.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
    /// Write a GitLab Code Quality report (Code Climate JSON) here.
    #[arg(long, value_name = "PATH")]
    gitlab_codequality: Option<PathBuf>,
    /// Write a GitLab metrics report (OpenMetrics text) here.
    #[arg(long, value_name = "PATH")]
    gitlab_metrics: Option<PathBuf>,
    /// CI-native output: annotations, log groups, step summary and outputs
    /// (GitHub); collapsible sections (GitLab). `auto` reads GITHUB_ACTIONS
    /// and GITLAB_CI. Never changes the exit code or the JSON.
    #[arg(long, value_enum, default_value_t = report::Ci::Auto)]
    ci: report::Ci,
    /// Show passing findings and plugin output too.
    #[arg(short, long)]
    verbose: bool,
    /// Show every finding with how it was decided (e.g. which drift method a
    /// column got, and why).
    #[arg(long)]
    explain: bool,
}

impl ReportArgs {
    fn outputs(&self) -> report::Outputs<'_> {
        report::Outputs {
            junit: self.junit.as_deref(),
            junit_flavor: self.junit_flavor,
            json: self.json.as_deref(),
            html: self.html.as_deref(),
            codequality: self.gitlab_codequality.as_deref(),
            gitlab_metrics: self.gitlab_metrics.as_deref(),
            ci: self.ci.platform(),
            detail: report::terminal::Detail {
                verbose: self.verbose,
                explain: self.explain,
            },
        }
    }
}

#[derive(Debug, Args)]
struct InitArgs {
    /// An MLflow model folder (or its MLmodel file): its signature.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// The training table (Parquet, CSV, Arrow IPC).
    #[arg(long, value_name = "TABLE")]
    training: Option<PathBuf>,
    /// A batch of serving data, for the schema check (default: --current).
    #[arg(long, value_name = "TABLE")]
    serving: Option<PathBuf>,
    /// Current production data, for drift against training.
    #[arg(long, value_name = "TABLE")]
    current: Option<PathBuf>,
    /// The candidate's metrics (JSON: flat, nested, or MLflow's lists).
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
    /// The champion's metrics: rules become regressions against them.
    #[arg(long, value_name = "FILE", requires = "metrics")]
    baseline_metrics: Option<PathBuf>,
    /// Where to write the suite.
    #[arg(short, long, value_name = "PATH", default_value = "mltest.toml")]
    output: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct ReportCommandArgs {
    #[command(subcommand)]
    merge: Option<ReportCommand>,
    /// A JSON report saved by `mltest run --json`.
    #[arg(required = true)]
    saved: Option<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Join the JSON reports of a partitioned run's shards (`mltest run
    /// --partition`) into the suite's report; exits with the suite's
    /// verdict. Refuses a missing shard, a check run twice, or shards of
    /// different runs.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// The shards' JSON reports, in any order.
    #[arg(required = true, value_name = "SHARD.json")]
    shards: Vec<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Args)]
struct ProfileArgs {
    /// Tables (Parquet, CSV, Arrow IPC) or profiles (.mltp).
    #[arg(required = true, value_name = "TABLE")]
    inputs: Vec<PathBuf>,
    /// The profile to write.
    #[arg(short, long, value_name = "FILE.mltp")]
    output: PathBuf,
    /// Mantissa bits a bucket keeps (0 to 52): bucket width is 2^-m of a
    /// value's binade; 52 is lossless, one bucket per distinct value.
    #[arg(long, value_name = "M", default_value_t = Params::default().mantissa_bits)]
    mantissa_bits: u8,
    /// Categories counted by name per column; past it, the rest are
    /// counted together (exactly).
    #[arg(long, value_name = "N", default_value_t = Params::default().category_cap)]
    category_cap: u32,
    /// Only these columns (names or glob patterns, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "PATTERN")]
    columns: Vec<String>,
}

#[derive(Debug, Args)]
struct PluginsArgs {
    /// Also list the plugins this suite declares.
    #[arg(long)]
    suite: Option<PathBuf>,
    /// Print this plugin's parameter JSON Schema.
    #[arg(long, value_name = "PLUGIN")]
    schema: Option<String>,
}

/// Parses the command line, runs the command, returns the exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit_code::INVALID
            } else {
                exit_code::PASSED
            };
        }
    };
    let choice = match cli.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let result = match cli.command {
        Command::Run(args) => run_command(&args, &cli.cache),
        Command::Validate(args) => validate_command(&args, &cli.cache),
        Command::Profile(args) => profile_command(&args),
        Command::Report(args) => report_command(&args),
        Command::Init(args) => init_command(&args, &cli.cache),
        Command::Lock(args) => lock::lock_command(&args, &cli.cache),
        Command::Plugins(args) => plugins_command(&args, &cli.cache),
        Command::Plugin(command) => plugin::plugin_command(&command, &cli.cache),
        Command::Serve(args) => {
            gate::serve(&args, cli.cache.dir()).map_err(CommandError::from_gate)
        }
        Command::Gate(command) => gate::gate_command(&command).map_err(CommandError::from_gate),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            let _ = writeln!(anstream::stderr(), "{:?}", failure.report);
            failure.code
        }
    }
}

/// An error that ends a command, with the exit code it maps to.
struct CommandError {
    report: Report,
    code: u8,
}

impl CommandError {
    fn invalid(e: impl miette::Diagnostic + Send + Sync + 'static) -> Self {
        CommandError {
            report: Report::new(e),
            code: exit_code::INVALID,
        }
    }
    fn internal(e: impl miette::Diagnostic + Send + Sync + 'static) -> Self {
        CommandError {
            report: Report::new(e),
            code: exit_code::ERROR,
        }
    }
    fn from_gate(e: gate::GateError) -> Self {
        let code = if e.is_usage() {
            exit_code::INVALID
        } else {
            exit_code::ERROR
        };
        CommandError {
            report: Report::new(e),
            code,
        }
    }
    fn prepare(e: PrepareError) -> Self {
        match e {
            PrepareError::Host(e) => CommandError::internal(e),
            e => CommandError::invalid(e),
        }
    }
}

fn prepare(
    suite_path: &Path,
    cache: &CacheArgs,
    locking: Locking,
) -> Result<(Prepared, Host), CommandError> {
    let host = Host::new(cache.dir()).map_err(CommandError::internal)?;
    let prepared = pipeline::prepare(suite_path, &host, locking).map_err(CommandError::prepare)?;
    Ok((prepared, host))
}

/// The registry versions a run compares, when the suite needs them.
fn versions(
    suite: &Suite,
    args: &RegistryArgs,
) -> Result<Option<(Mlflow, Versions)>, CommandError> {
    let (Some(url), Some(model)) = (&args.registry, &args.model) else {
        if suite.needs_registry() {
            return Err(CommandError::invalid(UsageError(format!(
                "{} takes artifacts from a model registry: pass --registry URL and --model NAME/VERSION (or NAME@ALIAS)",
                suite.path.display()
            ))));
        }
        return Ok(None);
    };
    let client = Mlflow::new(url);
    let candidate = model.resolve(&client).map_err(CommandError::internal)?;
    let champion = client
        .alias(&model.name, &args.champion_alias)
        .map_err(CommandError::internal)?;
    let versions = Versions {
        candidate,
        champion,
        champion_alias: args.champion_alias.clone(),
    };
    Ok(Some((client, versions)))
}

fn run_command(args: &RunArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let selection = selection(args)?;
    let (prepared, host) = prepare(&args.suite.suite, cache, args.suite.locking())?;
    if !prepared
        .suite
        .checks
        .iter()
        .any(|c| selection.includes(&c.id))
    {
        return Err(CommandError::invalid(UsageError(format!(
            "no check matches --only {:?} --skip {:?}; the suite has: {}",
            args.only,
            args.skip,
            prepared
                .suite
                .checks
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))));
    }
    let registry = versions(&prepared.suite, &args.suite.registry)?;
    // A job folder only when there is something to download into it.
    let job_dir = match &registry {
        Some(_) => Some(
            tempfile::Builder::new()
                .prefix("mltest-job-")
                .tempdir()
                .map_err(|e| {
                    CommandError::internal(UsageError(format!("cannot create a job folder: {e}")))
                })?,
        ),
        None => None,
    };
    let bar;
    let progress: &dyn crate::run::Progress = if report::progress::wanted() {
        bar = report::progress::Bar::new();
        &bar
    } else {
        &crate::run::Quiet
    };
    let executed = pipeline::execute(
        &prepared,
        &host,
        &selection,
        registry
            .as_ref()
            .zip(job_dir.as_ref())
            .map(|((client, versions), dir)| RegistryRun {
                client,
                versions,
                job_dir: dir.path(),
            }),
        progress,
    )
    .map_err(CommandError::internal)?;
    let result = executed.result;
    let subject = registry.as_ref().map(|(_, v)| crate::notify::Subject {
        name: &v.candidate.name,
        version: &v.candidate.version,
    });
    let key = uuid::Uuid::new_v4().to_string();
    for fired in &crate::notify::fire(&prepared.suite, &result, subject, &key) {
        let _ = match &fired.result {
            Ok(status) => writeln!(
                anstream::stderr(),
                "trigger: check `{}` failed: POST {} answered {status}",
                fired.check,
                fired.url
            ),
            Err(e) => writeln!(
                anstream::stderr(),
                "warning: trigger for check `{}` ({}): {e}",
                fired.check,
                fired.url
            ),
        };
    }

    finish(&result, &args.report)
}

/// Writes a run's outputs; the run's exit code unless one could not be written.
fn finish(result: &mltest_report::RunResult, args: &ReportArgs) -> Result<u8, CommandError> {
    let failed_writes = report::emit(result, &args.outputs());
    if !failed_writes.is_empty() {
        return Err(CommandError::internal(UsageError(failed_writes.join("; "))));
    }
    Ok(result.exit_code())
}

fn profile_command(args: &ProfileArgs) -> Result<u8, CommandError> {
    let request = crate::profile::Request {
        inputs: args.inputs.clone(),
        output: args.output.clone(),
        params: Params {
            mantissa_bits: args.mantissa_bits,
            category_cap: args.category_cap,
        },
        columns: args.columns.clone(),
    };
    let started = std::time::Instant::now();
    let written = crate::profile::profile(&request).map_err(CommandError::invalid)?;
    let mut out = anstream::stdout();
    let _ = writeln!(
        out,
        "wrote {}: {} columns, {} rows from {} source{} in {:.2} s\nsha256:{}  (pin it: `{{ path = \"{}\", sha256 = \"{}\" }}`)",
        args.output.display(),
        written.columns,
        written.rows,
        written.sources,
        if written.sources == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64(),
        written.sha256,
        args.output.display(),
        written.sha256,
    );
    Ok(exit_code::PASSED)
}

/// Saved reports larger than this are refused (a report is capped per
/// check; this is far past any real one).
const MAX_SAVED_REPORT: u64 = 1 << 30;

fn report_command(args: &ReportCommandArgs) -> Result<u8, CommandError> {
    if let Some(ReportCommand::Merge(merge)) = &args.merge {
        let shards = merge
            .shards
            .iter()
            .map(|path| read_saved(path))
            .collect::<Result<Vec<_>, _>>()?;
        let merged = mltest_report::merge(shards).map_err(|e| {
            CommandError::invalid(UsageError(format!("cannot merge the shards: {e}")))
        })?;
        return finish(&merged, &merge.report);
    }
    let Some(path) = &args.saved else {
        return Err(CommandError::invalid(UsageError(
            "name a saved JSON report, or `merge` and the shards' reports".into(),
        )));
    };
    finish(&read_saved(path)?, &args.report)
}

/// A JSON report saved by `mltest run --json`, held to the rules the
/// runner applies to what plugins send.
fn read_saved(path: &Path) -> Result<mltest_report::RunResult, CommandError> {
    let text = crate::files::read_text(path, MAX_SAVED_REPORT, "saved reports are at most 1 GiB")
        .map_err(|e| {
        CommandError::invalid(UsageError(format!(
            "cannot read the saved report {}: {e}",
            path.display()
        )))
    })?;
    let mut result = mltest_report::RunResult::from_json(&text).map_err(|e| {
        CommandError::invalid(UsageError(format!(
            "{} is not an mltest JSON report: {e}",
            path.display()
        )))
    })?;
    // Counts are derived; a hand-edited report cannot make them disagree.
    result.counts = result.count();
    // Plots are held to the rules the runner applies to plugins', or
    // dropped.
    for check in &mut result.checks {
        for finding in &mut check.findings {
            if finding.plot.as_ref().is_some_and(|p| p.validate().is_err()) {
                finding.plot = None;
            }
        }
    }
    Ok(result)
}

fn init_command(args: &InitArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let written = crate::init::write(&crate::init::Inputs {
        model: args.model.clone(),
        training: args.training.clone(),
        serving: args.serving.clone(),
        current: args.current.clone(),
        metrics: args.metrics.clone(),
        baseline_metrics: args.baseline_metrics.clone(),
        output: args.output.clone(),
        force: args.force,
    })
    .map_err(|e| match e {
        crate::init::InitError::Write { .. } => CommandError::internal(e),
        e => CommandError::invalid(e),
    })?;
    // What init wrote validates as any suite does, or init has a bug.
    prepare(&written.path, cache, Locking::Pinned)?;
    let _ = writeln!(
        anstream::stdout(),
        "wrote {} ({} checks: {}); every choice is a comment in it. Next: mltest run {}",
        written.path.display(),
        written.checks.len(),
        written.checks.join(", "),
        written.path.display()
    );
    Ok(exit_code::PASSED)
}

fn selection(args: &RunArgs) -> Result<Selection, CommandError> {
    let parse = |patterns: &[String]| {
        patterns
            .iter()
            .map(|p| {
                glob::Pattern::new(p).map_err(|e| {
                    CommandError::invalid(UsageError(format!("invalid glob `{p}`: {e}")))
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(Selection {
        only: parse(&args.only)?,
        skip: parse(&args.skip)?,
        shard: args.partition,
    })
}

fn validate_command(args: &SuiteArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let (prepared, _host) = prepare(&args.suite, cache, args.locking())?;
    let suite = &prepared.suite;
    // With a registry, the sources are checked by fetching them.
    if args.registry.registry.is_some()
        && let Some((client, versions)) = versions(suite, &args.registry)?
    {
        let dir = tempfile::tempdir().map_err(|e| {
            CommandError::internal(UsageError(format!("cannot create a job folder: {e}")))
        })?;
        let (_, fetched) = crate::registry::materialise(suite, &client, &versions, dir.path())
            .map_err(CommandError::internal)?;
        let _ = writeln!(
            anstream::stdout(),
            "registry sources of {}: {} files fetched and checked",
            versions.candidate.name,
            fetched.len()
        );
    }
    let _ = writeln!(
        anstream::stdout(),
        "{}: valid ({} artifacts, {} checks)",
        suite.path.display(),
        suite.artifacts.len(),
        suite.checks.len()
    );
    Ok(exit_code::PASSED)
}

fn plugins_command(args: &PluginsArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let host = Host::new(cache.dir()).map_err(CommandError::internal)?;
    let plugins = match &args.suite {
        Some(path) => {
            let suite = Suite::load(path).map_err(CommandError::invalid)?;
            let lock = crate::lock::Lockfile::read(&crate::lock::path_for(&suite.path))
                .map_err(CommandError::invalid)?;
            let pins = crate::sources::Pins::Lockfile(lock.as_ref());
            pipeline::load_plugins(&suite, &host, &pins)
                .map_err(CommandError::prepare)?
                .0
        }
        None => host.load_plugins(&[]).map_err(CommandError::internal)?,
    };
    let mut out = anstream::stdout();
    if let Some(name) = &args.schema {
        let Some(plugin) = plugins.get(name) else {
            let known = plugins.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(CommandError::invalid(UsageError(format!(
                "unknown plugin `{name}`; known: {known}"
            ))));
        };
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&plugin.params_schema).unwrap_or_default()
        );
        return Ok(exit_code::PASSED);
    }
    for plugin in plugins.values() {
        let origin = match &plugin.origin {
            Origin::Builtin => "built-in".to_string(),
            Origin::File(path) => path.display().to_string(),
            Origin::Oci(reference) => reference.clone(),
        };
        let capabilities = match plugin.capabilities.is_empty() {
            true => String::new(),
            false => format!(" (may use: {})", plugin.capabilities.join(", ")),
        };
        let _ = writeln!(
            out,
            "{:<10} {:<8} sha256:{}  {origin}\n           {}\n           contract mltest:plugin@{}{capabilities}",
            plugin.name,
            plugin.version,
            plugin.digest,
            plugin.summary,
            plugin.contract.version()
        );
    }
    Ok(exit_code::PASSED)
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(code(mltest::usage))]
struct UsageError(String);
