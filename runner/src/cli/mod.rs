//! The command line: `mltest run`, `mltest validate`, `mltest plugins`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use miette::Report;

use crate::catalog::Catalog;
use crate::host::{ComponentCache, Host, HostError, Origin, Plugin};
use crate::report;
use crate::run::{self, Selection};
use crate::suite::{self, ErrorKind, Suite, SuiteError};
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
    /// Check a suite file (syntax, artifacts, plugins, parameters) without running it.
    Validate(SuiteArgs),
    /// List the built-in plugins (and a suite's declared ones) with version and digest.
    Plugins(PluginsArgs),
}

#[derive(Debug, Args)]
struct SuiteArgs {
    /// The suite file.
    #[arg(default_value = "mltest.toml")]
    suite: PathBuf,
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
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Write the JSON report here (`-` for stdout, which silences the summary).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Run only checks whose id matches one of these glob patterns.
    #[arg(long, value_name = "GLOB")]
    only: Vec<String>,
    /// Skip checks whose id matches one of these glob patterns.
    #[arg(long, value_name = "GLOB")]
    skip: Vec<String>,
    /// Show passing findings and plugin output too.
    #[arg(short, long)]
    verbose: bool,
    /// Show every finding with how it was decided (e.g. which drift method a
    /// column got, and why).
    #[arg(long)]
    explain: bool,
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
        Command::Plugins(args) => plugins_command(&args, &cli.cache),
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
}

/// Everything before running: suite parsed, plugins loaded, parameters valid.
struct Prepared {
    suite: Suite,
    host: Host,
    plugins: BTreeMap<String, Arc<Plugin>>,
}

fn prepare(suite_path: &Path, cache: &CacheArgs) -> Result<Prepared, CommandError> {
    let suite = Suite::load(suite_path).map_err(CommandError::invalid)?;
    let host = Host::new(cache.dir()).map_err(CommandError::internal)?;
    let plugins = host
        .load_plugins(&suite.plugins)
        .map_err(|e| plugin_error(&suite, e))?;
    let schemas: BTreeMap<String, serde_json::Value> = plugins
        .iter()
        .map(|(name, p)| (name.clone(), p.params_schema.clone()))
        .collect();
    suite::validate_params(&suite, &schemas).map_err(CommandError::invalid)?;
    Ok(Prepared {
        suite,
        host,
        plugins,
    })
}

/// A declared plugin that fails to load is a suite error at its declaration.
fn plugin_error(suite: &Suite, error: HostError) -> CommandError {
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
        return CommandError::invalid(suite.errors(vec![e]));
    }
    CommandError::internal(error)
}

fn run_command(args: &RunArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let selection = selection(args)?;
    let prepared = prepare(&args.suite.suite, cache)?;
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
    let catalog = Arc::new(Catalog::new(
        &prepared.suite.artifacts,
        &prepared.suite.commands,
        prepared.suite.sizes,
    ));
    let result = run::run(
        &prepared.suite,
        catalog,
        &prepared.host,
        &prepared.plugins,
        &selection,
    );

    // Each report is written on its own: a JUnit path that cannot be
    // written must not cost the JSON report or the summary.
    let mut failed_writes = Vec::new();
    let mut write = |what: &str, path: &Path, written: std::io::Result<()>| {
        if let Err(e) = written {
            failed_writes.push(format!(
                "cannot write the {what} report to {}: {e}",
                path.display()
            ));
        }
    };
    if let Some(path) = &args.junit {
        write("JUnit", path, report::junit::write(&result, path));
    }
    match &args.json {
        Some(path) if path.as_os_str() == "-" => {
            let _ = writeln!(std::io::stdout(), "{}", result.to_json());
        }
        other => {
            if let Some(path) = other {
                write("JSON", path, report::json::write(&result, path));
            }
            let _ = report::terminal::write(
                &mut anstream::stdout(),
                &result,
                report::terminal::Detail {
                    verbose: args.verbose,
                    explain: args.explain,
                },
            );
        }
    }
    if !failed_writes.is_empty() {
        return Err(CommandError::internal(UsageError(failed_writes.join("; "))));
    }
    Ok(result.exit_code())
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
    })
}

fn validate_command(args: &SuiteArgs, cache: &CacheArgs) -> Result<u8, CommandError> {
    let prepared = prepare(&args.suite, cache)?;
    let suite = &prepared.suite;
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
            host.load_plugins(&suite.plugins)
                .map_err(|e| plugin_error(&suite, e))?
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
        };
        let _ = writeln!(
            out,
            "{:<10} {:<8} sha256:{}  {origin}\n           {}",
            plugin.name, plugin.version, plugin.digest, plugin.summary
        );
    }
    Ok(exit_code::PASSED)
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(code(mltest::usage))]
struct UsageError(String);
