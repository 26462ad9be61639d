//! The host stage: the wasmtime engine and the plugins it runs.
//!
//! The engine and linker are built once per process; each plugin is compiled
//! once (or loaded from the component cache) into an `InstancePre`; each
//! check gets a fresh `Store` with its own limits, handles and captured
//! output. Plugins hold policy; the data and the numeric work stay here.

mod bindings;
mod builtin;
mod cache;
mod clocks;
mod imports;
mod kernels;
mod limits;
mod quality;
mod state;
mod v0_1;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store, Trap};

use bindings::{Check, CheckPre};
use state::CheckState;

pub(crate) use bindings::{Finding, Outcome as WitOutcome};
pub(crate) use cache::ComponentCache;
pub(crate) use clocks::GRANTS;
pub(crate) use clocks::grant_name;

use crate::catalog::Catalog;
use crate::sources::FetchedPlugin;
use crate::suite::{CheckSpec, Limits};

/// Epoch tick: the resolution of check timeouts.
const TICK: Duration = Duration::from_millis(10);

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum HostError {
    #[error("cannot set up the wasm engine: {0}")]
    #[diagnostic(code(mltest::host::engine))]
    Engine(String),
    #[error("plugin `{name}`: {message}")]
    #[diagnostic(code(mltest::host::plugin))]
    Plugin { name: String, message: String },
}

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    Builtin,
    File(PathBuf),
    /// An OCI reference, as the suite writes it.
    Oci(String),
}

/// A loaded plugin, ready to instantiate cheaply for each check.
pub(crate) struct Plugin {
    pub(crate) name: String,
    pub(crate) digest: String,
    pub(crate) origin: Origin,
    pub(crate) version: String,
    pub(crate) summary: String,
    /// JSON Schema of the plugin's `params`.
    pub(crate) params_schema: serde_json::Value,
    /// The contract version the component was built against.
    pub(crate) contract: Contract,
    /// What `describe` declared it may use (suite grant names); always
    /// empty for 0.1, which cannot declare.
    pub(crate) capabilities: Vec<&'static str>,
    pre: Pre,
}

/// The contract versions the host serves (`wit/since_v*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contract {
    V0_1,
    /// 0.2.x: the patch is the newest the component imports from.
    V0_2(u32),
}

impl Contract {
    pub(crate) fn version(self) -> String {
        match self {
            Contract::V0_1 => "0.1.0".into(),
            Contract::V0_2(patch) => format!("0.2.{patch}"),
        }
    }

    /// The newest 0.2 patch among a component's imports
    /// (`mltest:plugin/drift@0.2.1`, say).
    fn patch(component: &Component, engine: &Engine) -> u32 {
        component
            .component_type()
            .imports(engine)
            .filter_map(|(name, _)| name.strip_prefix("mltest:plugin/")?.split_once("@0.2."))
            .filter_map(|(_, patch)| patch.parse().ok())
            .max()
            .unwrap_or(0)
    }
}

/// A component ready to instantiate, in the world of its contract version.
enum Pre {
    Current(CheckPre<CheckState>),
    V0_1(bindings::v0_1::CheckPre<CheckState>),
}

/// An instance of a component, in the world of its contract version.
enum Instance {
    Current(Check),
    V0_1(bindings::v0_1::Check),
}

/// What `describe` says, in the current contract's terms.
struct Described {
    version: String,
    summary: String,
    params_schema: String,
    capabilities: Vec<bindings::Capability>,
}

impl Pre {
    fn contract(&self, component: &Component, engine: &Engine) -> Contract {
        match self {
            Pre::Current(_) => Contract::V0_2(Contract::patch(component, engine)),
            Pre::V0_1(_) => Contract::V0_1,
        }
    }

    fn instantiate(&self, store: &mut Store<CheckState>) -> wasmtime::Result<Instance> {
        Ok(match self {
            Pre::Current(pre) => Instance::Current(pre.instantiate(store)?),
            Pre::V0_1(pre) => Instance::V0_1(pre.instantiate(store)?),
        })
    }
}

impl Instance {
    fn describe(&self, store: &mut Store<CheckState>) -> wasmtime::Result<Described> {
        Ok(match self {
            Instance::Current(check) => {
                let info = check.call_describe(store)?;
                Described {
                    version: info.version,
                    summary: info.summary,
                    params_schema: info.params_schema,
                    capabilities: info.capabilities,
                }
            }
            Instance::V0_1(check) => {
                let info = check.call_describe(store)?;
                Described {
                    version: info.version,
                    summary: info.summary,
                    params_schema: info.params_schema,
                    capabilities: Vec::new(),
                }
            }
        })
    }

    fn run(
        &self,
        store: &mut Store<CheckState>,
        params: &str,
    ) -> wasmtime::Result<Result<Vec<Finding>, bindings::WitError>> {
        match self {
            Instance::Current(check) => check.call_run(store, params),
            Instance::V0_1(check) => check.call_run(store, params).map(v0_1::run_result),
        }
    }
}

/// What became of one check's execution.
pub(crate) struct Execution {
    pub(crate) outcome: Result<Vec<bindings::Finding>, Failure>,
    pub(crate) logs: Vec<String>,
    pub(crate) logs_dropped: u64,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// Whether stdout or stderr reached its cap (later writes failed).
    pub(crate) output_truncated: bool,
    /// Time to create the store and instantiate the component.
    pub(crate) instantiate: Duration,
}

/// Why a check produced no findings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// The plugin's `run` returned `err`.
    Plugin(String),
    Timeout(Duration),
    Memory(u64),
    /// Any other trap; for a Rust panic, the panic message.
    Trap(String),
    /// The plugin broke the host contract (a kernel argument out of
    /// bounds, too many handles, too many findings).
    Contract(String),
    /// Could not instantiate or call the plugin at all.
    Internal(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Plugin(m) => write!(f, "{m}"),
            Failure::Timeout(d) => write!(
                f,
                "time limit exceeded: the check ran longer than {}",
                humantime::format_duration(*d)
            ),
            Failure::Memory(b) => write!(
                f,
                "memory limit exceeded: the plugin needed more than {} of memory",
                bytesize::ByteSize(*b).display().iec()
            ),
            Failure::Trap(m) | Failure::Contract(m) => write!(f, "{m}"),
            Failure::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

pub(crate) struct Host {
    engine: Engine,
    linker: Linker<CheckState>,
    cache: ComponentCache,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

impl Host {
    pub(crate) fn new(cache_dir: Option<PathBuf>) -> Result<Host, HostError> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| HostError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| HostError::Engine(format!("{e:#}")))?;
        clocks::guard_waits(&mut linker).map_err(|e| HostError::Engine(format!("{e:#}")))?;
        Check::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(|e| HostError::Engine(format!("{e:#}")))?;
        bindings::v0_1::Check::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(|e| HostError::Engine(format!("{e:#}")))?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (weak, stop) = (engine.weak(), ticker_stop.clone());
        std::thread::Builder::new()
            .name("mltest-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|e| HostError::Engine(format!("cannot start the timeout thread: {e}")))?;
        let cache = ComponentCache::new(&engine, cache_dir);
        Ok(Host {
            engine,
            linker,
            cache,
            ticker_stop,
        })
    }

    /// Loads the built-in plugins and the declared ones the sources stage
    /// fetched, by name. A declared plugin may not shadow a built-in.
    pub(crate) fn load_plugins(
        &self,
        declared: &[FetchedPlugin],
    ) -> Result<BTreeMap<String, Arc<Plugin>>, HostError> {
        let mut plugins = BTreeMap::new();
        for builtin in builtin::BUILTINS {
            let plugin = self.load(builtin.name, builtin.wasm, Origin::Builtin)?;
            plugins.insert(builtin.name.to_string(), Arc::new(plugin));
        }
        for fetched in declared {
            if plugins.contains_key(&fetched.name) {
                return Err(HostError::Plugin {
                    name: fetched.name.clone(),
                    message: "the name is taken by a built-in plugin; choose another".into(),
                });
            }
            let plugin = self.load(&fetched.name, &fetched.wasm, fetched.origin.clone())?;
            plugins.insert(fetched.name.clone(), Arc::new(plugin));
        }
        Ok(plugins)
    }

    /// Where pulled and compiled components are cached; none with `--no-cache`.
    pub(crate) fn cache_dir(&self) -> Option<&std::path::Path> {
        self.cache.dir()
    }

    /// Compiles one component and asks it to `describe` itself; also how
    /// `mltest plugin push` refuses what is not a plugin.
    pub(crate) fn load(
        &self,
        name: &str,
        wasm: &[u8],
        origin: Origin,
    ) -> Result<Plugin, HostError> {
        let err = |message: String| HostError::Plugin {
            name: name.to_string(),
            message,
        };
        let digest = crate::files::sha256_hex(wasm);
        let component = self
            .cache
            .load(&self.engine, &digest, wasm)
            .map_err(|e| err(format!("not a valid component: {e:#}")))?;
        let pre = self.pre(&component).map_err(|e| {
            err(format!(
                "does not fit the check world of mltest:plugin@0.2 or @0.1.0: {e:#}"
            ))
        })?;
        // `describe` runs in a store of its own, with the default limits.
        let limits = Limits {
            timeout: Duration::from_secs(10),
            memory_bytes: crate::suite::DEFAULT_MEMORY_BYTES,
        };
        let mut store = self.store(Arc::new(Catalog::empty()), &limits, &[], name);
        let info = pre
            .instantiate(&mut store)
            .and_then(|instance| instance.describe(&mut store))
            .map_err(|e| {
                err(format!(
                    "describe failed: {}",
                    classify(&e, store.data(), &limits)
                ))
            })?;
        let params_schema = serde_json::from_str(&info.params_schema).map_err(|e| {
            err(format!(
                "describe returned a params schema that is not JSON: {e}"
            ))
        })?;
        Ok(Plugin {
            name: name.to_string(),
            digest,
            origin,
            version: info.version,
            summary: info.summary,
            params_schema,
            contract: pre.contract(&component, &self.engine),
            capabilities: info.capabilities.into_iter().map(grant_name).collect(),
            pre,
        })
    }

    /// The component's contract version, from the world its exports fit:
    /// the newest first, then each older one the host still serves.
    fn pre(&self, component: &Component) -> wasmtime::Result<Pre> {
        let pre = self.linker.instantiate_pre(component)?;
        match CheckPre::new(pre.clone()) {
            Ok(current) => Ok(Pre::Current(current)),
            Err(newest) => bindings::v0_1::CheckPre::new(pre)
                .map(Pre::V0_1)
                .map_err(|_| newest),
        }
    }

    fn store(
        &self,
        catalog: Arc<Catalog>,
        limits: &Limits,
        grants: &[String],
        id: &str,
    ) -> Store<CheckState> {
        let state = CheckState::new(
            catalog,
            limits.memory_bytes,
            limits.timeout,
            clocks::Grants::from_names(grants),
            id,
        );
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_hostcall_fuel(limits::MAX_CALL_BYTES);
        // Suite timeouts are at most `MAX_TIMEOUT`, so this cannot wrap.
        let ticks = u64::try_from(limits.timeout.as_millis() / TICK.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        store.set_epoch_deadline(ticks);
        // At the deadline, give back the time the check spent waiting for
        // suite commands (they have their own timeout); otherwise stop it.
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            let owed = state
                .command_time
                .saturating_sub(state.command_time_granted);
            let owed_ticks = (owed.as_millis() / TICK.as_millis()) as u64;
            if owed_ticks == 0 {
                return Err(Trap::Interrupt.into());
            }
            state.command_time_granted = state.command_time;
            Ok(wasmtime::UpdateDeadline::Continue(owed_ticks))
        });
        store
    }

    /// Runs one check in a fresh store. Never panics: every way a plugin can
    /// fail comes back as a [`Failure`].
    pub(crate) fn execute(
        &self,
        plugin: &Plugin,
        catalog: Arc<Catalog>,
        check: &CheckSpec,
    ) -> Execution {
        let (params, limits) = (&check.params, &check.limits);
        let started = Instant::now();
        let mut store = self.store(catalog, limits, &check.grants, &check.id);
        let instance = plugin.pre.instantiate(&mut store);
        let instantiate = started.elapsed();
        let outcome = match instance {
            // A limit can already be hit here (memory below the plugin's initial size).
            Err(e) => Err(match classify(&e, store.data(), limits) {
                Failure::Trap(_) => {
                    Failure::Internal(format!("cannot instantiate: {}", e.root_cause()))
                }
                limit => limit,
            }),
            Ok(instance) => match instance.run(&mut store, &params.to_string()) {
                Ok(Ok(findings)) => Ok(findings),
                // A guest whose allocator reports the failed growth (Python's
                // MemoryError) returns an error rather than trapping: it is
                // still the memory limit.
                Ok(Err(bindings::WitError::Other(m)))
                    if store.data().limiter.exceeded && m.starts_with("MemoryError") =>
                {
                    Err(Failure::Memory(limits.memory_bytes))
                }
                Ok(Err(error)) => Err(Failure::Plugin(error.message().to_string())),
                Err(e) => Err(classify(&e, store.data(), limits)),
            },
        };
        let state = store.into_data();
        let (stdout, stderr) = (state.stdout.contents(), state.stderr.contents());
        let full = |bytes: &[u8]| bytes.len() >= state::OUTPUT_CAPACITY;
        Execution {
            outcome,
            logs: state.logs,
            logs_dropped: state.logs_dropped,
            output_truncated: full(&stdout) || full(&stderr),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            instantiate,
        }
    }
}

/// Names the limit or fault behind a trap.
fn classify(error: &wasmtime::Error, state: &CheckState, limits: &Limits) -> Failure {
    let trap = error.downcast_ref::<Trap>();
    if trap == Some(&Trap::Interrupt) || error.downcast_ref::<limits::HostTimeout>().is_some() {
        return Failure::Timeout(limits.timeout);
    }
    if let Some(violation) = error.downcast_ref::<limits::ContractViolation>() {
        return Failure::Contract(violation.to_string());
    }
    if state.limiter.exceeded {
        return Failure::Memory(limits.memory_bytes);
    }
    let stderr = String::from_utf8_lossy(&state.stderr.contents()).into_owned();
    if let Some(panic) = panic_message(&stderr) {
        return Failure::Trap(format!("plugin panicked: {panic}"));
    }
    // The root cause is the trap itself; the outer layers are a wasm backtrace.
    match trap {
        Some(trap) => Failure::Trap(format!("plugin trapped: {trap}")),
        None => Failure::Trap(format!("plugin failed: {}", error.root_cause())),
    }
}

/// The message of a Rust panic, from the default hook's stderr output:
/// `thread '<unnamed>' panicked at src/lib.rs:1:2:\n<message>`.
fn panic_message(stderr: &str) -> Option<String> {
    let start = stderr.rfind("panicked at ")?;
    let mut lines = stderr[start..].lines();
    let location = lines
        .next()?
        .trim_start_matches("panicked at ")
        .trim_end_matches(':');
    let message: Vec<&str> = lines.take_while(|l| !l.starts_with("note:")).collect();
    Some(format!("{} (at {location})", message.join("\n").trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_panic_messages() {
        let stderr = "hello\nthread '<unnamed>' panicked at src/lib.rs:41:30:\nboom: 3\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_message(stderr).as_deref(),
            Some("boom: 3 (at src/lib.rs:41:30)")
        );
        assert_eq!(panic_message("no panic here"), None);
    }
}
