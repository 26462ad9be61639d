//! Time and entropy, as the suite grants them.
//!
//! A check must not depend on when it runs or on luck, so by default a
//! plugin sees no ambient clock or entropy: the wall clock reads the Unix
//! epoch, the monotonic clock stands still, randomness is a fixed stream
//! derived from the check's id (so `HashMap` and friends still work, the
//! same way every run), and a sleep or a wait on a clock traps at once as a
//! contract violation instead of blocking the host thread, which the epoch
//! deadline cannot interrupt.
//!
//! A plugin declares the capabilities it may use (`describe`'s
//! `capabilities`); a check grants them with `grants = ["clock", "random"]`,
//! only those its plugin declared (a 0.1 plugin cannot declare, so any is
//! accepted for it), and the report records the grants. A granted clock is the real one, but a wait that
//! would end after the check's deadline traps as the timeout it would be,
//! so no sleep outlives the check's time limit.

use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

use super::bindings::Capability;
use super::limits::{ContractViolation, HostTimeout};
use super::state::CheckState;

/// The capabilities a suite can grant a check.
pub(crate) const GRANTS: &[&str] = &["clock", "random"];

/// What one check was granted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Grants {
    pub(crate) clock: bool,
    pub(crate) random: bool,
}

impl Grants {
    pub(crate) fn from_names(names: &[String]) -> Grants {
        Grants {
            clock: names.iter().any(|n| n == "clock"),
            random: names.iter().any(|n| n == "random"),
        }
    }

    /// The grants, as the contract names them (`sandbox.granted`).
    pub(crate) fn capabilities(self) -> Vec<Capability> {
        [
            (self.clock, Capability::Clock),
            (self.random, Capability::Random),
        ]
        .into_iter()
        .filter_map(|(granted, c)| granted.then_some(c))
        .collect()
    }
}

/// The suite's name for a capability a plugin declares.
pub(crate) fn grant_name(capability: Capability) -> &'static str {
    match capability {
        Capability::Clock => "clock",
        Capability::Random => "random",
    }
}

/// The interface the guest's clocks come from, as wasmtime-wasi registers it.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// Sets up the clocks and randomness a check's context gets. A granted
/// monotonic clock counts from `start`, which `subscribe-instant` needs to
/// turn an instant into a wait.
pub(crate) fn configure(
    builder: &mut WasiCtxBuilder,
    grants: Grants,
    start: std::time::Instant,
    seed_from: &str,
) {
    if grants.clock {
        builder.monotonic_clock(Monotonic(start));
    } else {
        builder.wall_clock(Frozen).monotonic_clock(Frozen);
    }
    if !grants.random {
        let seed: [u8; 32] = Sha256::digest(format!("mltest random for {seed_from}")).into();
        builder
            .secure_random(wasmtime_wasi::Deterministic::new(seed.to_vec()))
            .insecure_random(wasmtime_wasi::Deterministic::new(seed.to_vec()))
            .insecure_random_seed(u128::from_le_bytes(
                seed[..16].try_into().unwrap_or([0; 16]),
            ));
    }
}

/// Replaces the monotonic clock's `subscribe-*` functions, the only way a
/// guest can wait on time, with ones that follow the check's grant.
pub(crate) fn guard_waits(linker: &mut Linker<CheckState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap(
        "subscribe-duration",
        |mut store: StoreContextMut<'_, CheckState>, (nanos,): (u64,)| {
            wait(store.data_mut(), Duration::from_nanos(nanos)).map(|p| (p,))
        },
    )?;
    clock.func_wrap(
        "subscribe-instant",
        |mut store: StoreContextMut<'_, CheckState>, (when,): (u64,)| {
            let state = store.data_mut();
            let now = if state.grants.clock {
                Monotonic(state.clock_start).now()
            } else {
                0
            };
            wait(state, Duration::from_nanos(when.saturating_sub(now))).map(|p| (p,))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// A pollable that is ready after `duration`, if the grant and the
/// deadline allow the wait at all.
fn wait(state: &mut CheckState, duration: Duration) -> wasmtime::Result<Resource<DynPollable>> {
    if duration.is_zero() {
        let ready = state.table.push(Sleep(None))?;
        return subscribe(&mut state.table, ready);
    }
    if !state.grants.clock {
        return Err(ContractViolation(format!(
            "the plugin waited on a clock ({}), but this check has no clock grant (add `grants = [\"clock\"]` to the check)",
            humantime::format_duration(duration)
        ))
        .into());
    }
    let until = std::time::Instant::now()
        .checked_add(duration)
        .filter(|until| *until <= state.deadline())
        .ok_or(HostTimeout)?;
    let sleep = state.table.push(Sleep(Some(until.into())))?;
    subscribe(&mut state.table, sleep)
}

/// Ready at its instant (or at once).
struct Sleep(Option<tokio::time::Instant>);

#[wasmtime_wasi::async_trait]
impl Pollable for Sleep {
    async fn ready(&mut self) {
        if let Some(until) = self.0 {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// The real monotonic clock, in nanoseconds since the check's store began.
struct Monotonic(std::time::Instant);

impl HostMonotonicClock for Monotonic {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that reads zero: the epoch for the wall clock, a standstill for
/// the monotonic one.
struct Frozen;

impl HostWallClock for Frozen {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for Frozen {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}
