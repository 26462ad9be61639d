//! The registry gate (`mltest serve`): the stage that turns verdicts into
//! promotions in a real MLflow registry.
//!
//! ```text
//! webhook ─► verify ─► durable job (SQLite) ─► worker: pipeline (suite →
//! registry → catalog → host → run → report) ─► tags, then alias on a pass
//!            reconcile (poll) ─┘                 guard: alias moved by hand?
//! ```
//!
//! MLflow webhooks are notifications, not vetoes, so the gate is the only
//! promoter, checks protected aliases after the fact, and polls for what
//! deliveries missed. It drives the same [`crate::pipeline`] as `mltest run`.

mod config;
mod hooks;
mod metrics;
mod server;
mod store;
mod worker;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use clap::{Args, Subcommand};
use tracing::{error, info, warn};

use crate::host::Host;
use crate::pipeline::{self, Prepared};
use crate::registry::{Mlflow, ModelRef, RegistryError, Selector};
use config::{Config, Model, Step};
use store::{Job, Store};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The gate file.
    #[arg(long, default_value = "gate.toml")]
    config: PathBuf,
    /// Create (or update) the gate's webhook in MLflow first; needs admin credentials.
    #[arg(long)]
    register_webhook: bool,
    /// Run the startup self-check and exit: 0 if everything is in order.
    #[arg(long)]
    check: bool,
    /// Refuse to start unless every suite's lockfile matches what it
    /// resolves to now (as `mltest run --locked`).
    #[arg(long)]
    locked: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum GateCommand {
    /// Exit 0 only if this version passed the gate for this alias, so a
    /// deploy step can refuse an unapproved model.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// `name@alias` (the version the alias points at now), or `name/7` with --alias.
    model: ModelRef,
    /// The MLflow server.
    #[arg(long, value_name = "URL", env = "MLFLOW_TRACKING_URI")]
    registry: String,
    /// The promotion step to check, when MODEL names a version.
    #[arg(long)]
    alias: Option<String>,
    /// Also ask the gate, whose record cannot be forged by tag writes.
    #[arg(long, value_name = "URL")]
    gate: Option<String>,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum GateError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<config::ConfigError>),
    #[error("{0}")]
    #[diagnostic(
        code(mltest::gate::secret),
        help("the gate file names the variables; set them in the gate's environment")
    )]
    Secret(String),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Store(#[from] store::StoreError),
    #[error("model `{model}`, step `{step}`: its suite cannot be used")]
    #[diagnostic(code(mltest::gate::suite))]
    Suite {
        model: String,
        step: String,
        /// One element: the suite's own diagnostic, with its spans.
        #[related]
        problems: Vec<pipeline::PrepareError>,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    #[diagnostic(code(mltest::gate::io))]
    Io(String),
    #[error("{0}")]
    #[diagnostic(code(mltest::gate::usage))]
    Usage(String),
}

impl GateError {
    pub(crate) fn is_usage(&self) -> bool {
        matches!(
            self,
            GateError::Config(_)
                | GateError::Secret(_)
                | GateError::Suite { .. }
                | GateError::Usage(_)
        )
    }
}

/// Everything a running gate shares between its server, workers and reconciler.
pub(crate) struct Gate {
    config: Config,
    secrets: Vec<String>,
    store: Store,
    client: Mlflow,
    host: Host,
    suites: BTreeMap<(String, String), Prepared>,
    metrics: metrics::Metrics,
    stopping: AtomicBool,
    wakeup: (Mutex<u64>, Condvar),
}

impl Gate {
    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Wakes idle workers: a job was queued.
    fn wake(&self) {
        let (lock, cv) = &self.wakeup;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        cv.notify_all();
    }

    fn wait(&self, timeout: Duration) {
        let (lock, cv) = &self.wakeup;
        let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let seen = *guard;
        let _ = cv.wait_timeout_while(guard, timeout, |n| *n == seen && !self.stopping());
    }

    fn model(&self, job: &Job) -> Result<&Model, worker::JobError> {
        self.config.models.get(&job.model).ok_or_else(|| {
            worker::JobError::Fatal(format!(
                "model `{}` is no longer in the gate file",
                job.model
            ))
        })
    }

    fn step(&self, job: &Job) -> Option<&Step> {
        self.config.models.get(&job.model)?.step(&job.step)
    }

    fn prepared(&self, model: &Model, step: &Step) -> &Prepared {
        &self.suites[&(model.name.clone(), step.alias.clone())]
    }

    fn suite_digest(&self, model: &Model, step: &Step) -> String {
        self.prepared(model, step).suite.digest.clone()
    }
}

/// What the receiver does with an untrusted delivery, short of storing it:
/// the signature check on `headers` (id, timestamp, signature), then the
/// event's jobs, with the body also signed correctly so the parsing runs
/// whatever the bytes (the fuzz target's entry). Returns how many jobs.
pub(crate) fn plan_untrusted(headers: [&str; 3], body: &[u8]) -> usize {
    static CONFIG: std::sync::OnceLock<Option<Config>> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let dir = std::env::temp_dir().join("mltest-fuzz-gate");
        std::fs::create_dir_all(&dir).ok()?;
        let path = dir.join("gate.toml");
        std::fs::write(
            &path,
            "[mlflow]\nurl = \"http://127.0.0.1:9\"\n[webhook]\nsecret_env = \"S\"\n\
             [models.m]\nsuite = \"s.toml\"\non_alias = [\"challenger\"]\n\
             [[models.c.promote]]\nalias = \"staging\"\nsuite = \"a.toml\"\n\
             [[models.c.promote]]\nalias = \"production\"\nsuite = \"b.toml\"\nrequires = \"staging\"\n",
        )
        .ok()?;
        Config::load(&path).ok()
    });
    let Some(config) = config else { return 0 };
    let secrets = ["s".to_string()];
    let [id, timestamp, signature] = headers;
    let signed = hooks::Headers {
        delivery_id: Some(id),
        timestamp: Some(timestamp),
        signature: Some(signature),
    };
    let _ = hooks::verify(&secrets, &signed, body, store::now());
    let good = crate::signing::sign("s", id, timestamp, body);
    let signed = hooks::Headers {
        delivery_id: Some(id),
        timestamp: Some(timestamp),
        signature: Some(&good),
    };
    let id = hooks::verify(
        &secrets,
        &signed,
        body,
        timestamp.trim().parse().unwrap_or(0),
    )
    .unwrap_or_default();
    hooks::plan(config, body, &id, |_, _, v| v.len() % 2 == 0).map_or(0, |p| p.jobs.len())
}

/// The events the gate's webhook subscribes to.
const EVENTS: &[(&str, &str)] = &[
    ("MODEL_VERSION", "CREATED"),
    ("MODEL_VERSION_TAG", "SET"),
    ("MODEL_VERSION_ALIAS", "CREATED"),
];

pub(crate) fn serve(args: &ServeArgs, cache_dir: Option<PathBuf>) -> Result<u8, GateError> {
    init_logs();
    let config = Config::load(&args.config)?;
    let secrets = config.secrets().map_err(GateError::Secret)?;
    std::fs::create_dir_all(&config.state_dir)
        .map_err(|e| GateError::Io(format!("cannot create {}: {e}", config.state_dir.display())))?;
    // One gate per state folder: two would both promote.
    let lock = std::fs::File::create(config.state_dir.join("gate.lock"))
        .map_err(|e| GateError::Io(e.to_string()))?;
    if lock.try_lock().is_err() {
        return Err(GateError::Usage(format!(
            "another gate is running on {}",
            config.state_dir.display()
        )));
    }
    let store = Store::open(&config.state_dir)?;
    let host = Host::new(cache_dir).map_err(|e| GateError::Io(e.to_string()))?;
    let mut suites = BTreeMap::new();
    let locking = if args.locked {
        pipeline::Locking::Locked
    } else {
        pipeline::Locking::Pinned
    };
    for model in config.models.values() {
        for step in &model.steps {
            let prepared = pipeline::prepare(&step.suite, &host, locking).map_err(|source| {
                GateError::Suite {
                    model: model.name.clone(),
                    step: step.alias.clone(),
                    problems: vec![source],
                }
            })?;
            suites.insert((model.name.clone(), step.alias.clone()), prepared);
        }
    }
    let client = Mlflow::new(&config.mlflow_url);
    let gate = Arc::new(Gate {
        config,
        secrets,
        store,
        client,
        host,
        suites,
        metrics: metrics::Metrics::new(),
        stopping: AtomicBool::new(false),
        wakeup: (Mutex::new(0), Condvar::new()),
    });
    if args.register_webhook {
        let hook = gate.client.upsert_webhook(
            "mltest-gate",
            &gate.config.hook_url(),
            &gate.secrets[0],
            EVENTS,
        )?;
        info!(webhook_id = %hook.id, url = %hook.url, "webhook registered");
    }
    let problems = self_check(&gate);
    if args.check {
        for p in &problems {
            eprintln!("problem: {p}");
        }
        return Ok(if problems.is_empty() {
            0
        } else {
            mltest_report::exit_code::ERROR
        });
    }
    let recovered = gate.store.recover()?;
    if recovered > 0 {
        info!(
            jobs = recovered,
            "resuming jobs that were running when the gate stopped"
        );
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| GateError::Io(format!("cannot start the server runtime: {e}")))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&gate.config.listen))
        .map_err(|e| GateError::Io(format!("cannot listen on {}: {e}", gate.config.listen)))?;
    info!(listen = %gate.config.listen, hook = %gate.config.hook_url(), "gate listening");

    let mut threads = Vec::new();
    for i in 0..gate.config.workers {
        let g = gate.clone();
        threads.push(
            std::thread::Builder::new()
                .name(format!("mltest-gate-worker-{i}"))
                .spawn(move || worker::work(&g))
                .map_err(|e| GateError::Io(e.to_string()))?,
        );
    }
    let g = gate.clone();
    threads.push(
        std::thread::Builder::new()
            .name("mltest-gate-reconcile".into())
            .spawn(move || reconcile_loop(&g))
            .map_err(|e| GateError::Io(e.to_string()))?,
    );

    let app = server::router(gate.clone());
    // On SIGTERM, requests in flight get a few seconds to finish; a client
    // that holds its connection open does not hold the gate up.
    let served = runtime.block_on(async {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        tokio::select! {
            served = std::future::IntoFuture::into_future(server) => served,
            _ = async {
                let _ = stopped.wait_for(|s| *s).await;
                tokio::time::sleep(Duration::from_secs(10)).await;
            } => Ok(()),
        }
    });
    info!("stopping: no new jobs are started; queued jobs stay queued");
    gate.stopping.store(true, Ordering::SeqCst);
    gate.wake();
    // Running jobs get a grace period to finish; one that does not is
    // resumed on the next start.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    for t in threads {
        while !t.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if t.is_finished() {
            let _ = t.join();
        }
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(lock);
    served.map_err(|e| GateError::Io(format!("server: {e}")))?;
    Ok(0)
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}

fn reconcile_loop(gate: &Gate) {
    while !gate.stopping() {
        match worker::reconcile(gate) {
            Ok(n) => info!(queued = n, "reconciled"),
            Err(e) => warn!(error = ?e, "reconciliation failed; trying again next round"),
        }
        let until = std::time::Instant::now() + gate.config.reconcile_every;
        while !gate.stopping() && std::time::Instant::now() < until {
            gate.wait(Duration::from_millis(500).min(gate.config.reconcile_every));
        }
    }
}

/// Names what is wrong before the gate waits for deliveries that cannot come.
fn self_check(gate: &Gate) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = gate.client.health() {
        problems.push(format!("MLflow cannot be reached: {e}"));
        for p in &problems {
            error!("{p}");
        }
        return problems;
    }
    for model in gate.config.models.values() {
        match gate.client.aliases(&model.name) {
            Ok(_) => {}
            Err(RegistryError::NotFound { .. }) => {
                warn!(model = %model.name, "the model is not registered yet; the gate acts when it is")
            }
            Err(e @ RegistryError::Auth { .. }) => {
                problems.push(format!("the credentials are refused: {e}"))
            }
            Err(e) => problems.push(format!("model `{}`: {e}", model.name)),
        }
    }
    let url = gate.config.hook_url();
    match gate.client.webhooks() {
        Ok(hooks) => match hooks.iter().find(|h| h.url == url) {
            None => problems.push(format!("no MLflow webhook delivers to {url}: run `mltest serve --register-webhook` with admin credentials, or create it (see README)")),
            Some(h) if h.status != "ACTIVE" => problems.push(format!("the webhook {} to {url} is {}", h.id, h.status)),
            Some(h) => {
                for (entity, action) in EVENTS {
                    if !h.events.iter().any(|(e, a)| e == entity && a == action) {
                        problems.push(format!("the webhook {} does not subscribe to {entity} {action}", h.id));
                    }
                }
            }
        },
        Err(e @ RegistryError::Auth { .. }) => {
            warn!(error = %e, "cannot read webhooks with these credentials (MLflow allows it to admins only); the webhook is unverified")
        }
        Err(e) => problems.push(format!("the webhooks cannot be read: {e}")),
    }
    for p in &problems {
        error!("{p}");
    }
    if problems.is_empty() {
        info!("self-check passed");
    }
    problems
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MLTEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub(crate) fn gate_command(command: &GateCommand) -> Result<u8, GateError> {
    match command {
        GateCommand::Check(args) => check(args),
    }
}

/// `mltest gate check`: approved versions exit 0, others 1.
fn check(args: &CheckArgs) -> Result<u8, GateError> {
    let client = Mlflow::new(&args.registry);
    let alias = match (&args.model.selector, &args.alias) {
        (_, Some(a)) => a.clone(),
        (Selector::Alias(a), None) => a.clone(),
        (Selector::Version(_), None) => {
            return Err(GateError::Usage(
                "name the promotion step with --alias when MODEL is a version".into(),
            ));
        }
    };
    let version = args.model.resolve(&client)?;
    let suffixed = format!("mltest.verdict.{alias}");
    let verdict = version.tags.get(&suffixed).or_else(|| {
        (version.tags.get("mltest.alias") == Some(&alias))
            .then(|| version.tags.get("mltest.verdict"))
            .flatten()
    });
    let who = format!("{}/{}", version.name, version.version);
    if verdict.map(String::as_str) != Some("passed") {
        println!(
            "not approved: {who} has no gate pass for `{alias}` (verdict: {})",
            verdict.map_or("none", |v| v.as_str())
        );
        return Ok(mltest_report::exit_code::FAILED);
    }
    if let Some(gate) = &args.gate {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let url = format!("{}/approvals", gate.trim_end_matches('/'));
        let response = agent
            .get(&url)
            .query("model", &version.name)
            .query("version", &version.version)
            .query("alias", &alias)
            .call()
            .map_err(|e| GateError::Io(format!("cannot ask the gate at {url}: {e}")))?;
        match response.status().as_u16() {
            200 => {}
            404 => {
                println!(
                    "not approved: {who} carries a `passed` tag for `{alias}`, but the gate recorded no pass (the tag was written by someone else)"
                );
                return Ok(mltest_report::exit_code::FAILED);
            }
            s => return Err(GateError::Io(format!("the gate at {url} answered {s}"))),
        }
    }
    println!("approved: {who} passed the gate for `{alias}`");
    Ok(mltest_report::exit_code::PASSED)
}

#[cfg(test)]
mod tests {
    /// The fuzz target's seeds give the jobs they describe, and garbage
    /// gives none (and no panic).
    #[test]
    fn untrusted_deliveries_plan_what_they_say() {
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/webhook");
        let mut planned = Vec::new();
        for i in 0..6 {
            let bytes = std::fs::read(seeds.join(format!("seed-{i}"))).unwrap();
            planned.push(crate::fuzz::webhook(&bytes));
        }
        assert_eq!(planned, [1, 1, 1, 1, 1, 0]);
        for garbage in [
            &b""[..],
            b"\n\n\n",
            b"x\ny\nz\n{\"data\": []}",
            b"\xff\xfe\n\n\n\xff",
            b"a\n99999999999999999999999\nv1,\n{}",
        ] {
            assert_eq!(crate::fuzz::webhook(garbage), 0);
        }
    }
}
