//! What a plugin may ask of the host, and for how long.
//!
//! Epoch interruption stops guest code, but not a host call in progress: a
//! kernel over 10⁸ rows, a Parquet decode, or any host function a plugin
//! can make slow. So work a plugin asks the host for runs through
//! [`bounded`], which gives up at the check's deadline: the check fails
//! with its timeout at the deadline, not when the work happens to end (the
//! abandoned work finishes on its own thread and is dropped).
//!
//! Every argument that sizes an allocation is checked against a bound
//! before anything is allocated ([`at_most`]). Going past one breaks the
//! plugin contract: the call traps with [`ContractViolation`], which the
//! report shows as that check's `contract` error.

use std::time::Instant;

/// Most bin edges (and bins + 1) a histogram or binning may use.
pub(crate) const MAX_EDGES: usize = mltest_kernels::MAX_BINS + 1;
/// Most quantiles one call may ask for.
pub(crate) const MAX_QUANTILES: usize = 100_000;
/// Most example values or rows a call may return.
pub(crate) const MAX_EXAMPLES: usize = 10_000;
/// Most distinct values a profile counts before it stops counting.
pub(crate) const MAX_DISTINCT_LIMIT: usize = 1_000_000;
/// Most columns or requests in one batch call.
pub(crate) const MAX_BATCH: usize = 100_000;
/// Most group columns one confusion request may cross.
pub(crate) const MAX_GROUPS: usize = 16;
/// Most table and column handles a check may hold at once; below
/// wasmtime's own store-wide cap (100,000 live handles, borrows included),
/// so ours is the one a plugin meets, with a message that says so.
pub(crate) const MAX_HANDLES: usize = 50_000;
/// Most bytes a plugin may pass to the host in one call (wasmtime's
/// hostcall fuel): what one call can make the host allocate.
pub(crate) const MAX_CALL_BYTES: usize = 64 << 20;

/// A plugin asked for something the contract does not allow.
#[derive(Debug, thiserror::Error)]
#[error("plugin broke the host contract: {0}")]
pub(crate) struct ContractViolation(pub(crate) String);

/// A host call was still running at the check's deadline.
#[derive(Debug, thiserror::Error)]
#[error("time limit reached during a host call")]
pub(crate) struct HostTimeout;

/// Traps unless `value <= max`.
pub(crate) fn at_most(what: &str, value: usize, max: usize) -> wasmtime::Result<()> {
    if value > max {
        return Err(
            ContractViolation(format!("{what} is {value}, at most {max} is allowed")).into(),
        );
    }
    Ok(())
}

/// Runs `work` on a thread of its own and waits for it until `deadline`.
/// Past the deadline the call traps with [`HostTimeout`]; the work is left
/// to finish and its result is dropped.
pub(crate) fn bounded<T: Send + 'static>(
    deadline: Instant,
    work: impl FnOnce() -> T + Send + 'static,
) -> wasmtime::Result<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("mltest-kernel".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| wasmtime::Error::msg(format!("cannot start a kernel thread: {e}")))?;
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(value) => Ok(value),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(HostTimeout.into()),
        // The work panicked; the panic is the host's, reported as such.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(wasmtime::Error::msg(
            "internal error: a host kernel panicked",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bounded_work_gives_up_at_the_deadline() {
        let started = Instant::now();
        let slow = bounded(Instant::now() + Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(5));
        });
        assert!(slow.unwrap_err().downcast_ref::<HostTimeout>().is_some());
        assert!(started.elapsed() < Duration::from_secs(4));
        assert_eq!(
            bounded(Instant::now() + Duration::from_secs(5), || 7).unwrap(),
            7
        );
    }

    #[test]
    fn bounds_name_the_argument() {
        let e = at_most("binning bins", 4_294_967_295, 100_000).unwrap_err();
        assert_eq!(
            e.to_string(),
            "plugin broke the host contract: binning bins is 4294967295, at most 100000 is allowed"
        );
        assert!(at_most("bins", 10, 10).is_ok());
    }
}
