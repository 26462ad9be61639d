//! Containing panics from dependencies.
//!
//! The runner never panics on purpose, but a decoder fed a corrupt file can
//! (Parquet's RLE and conversion code, Arrow's buffers). Such a panic must
//! cost one artifact read, reported with its file and column, not the run;
//! and stderr stays clean: the default hook's message and backtrace are
//! not printed for a panic that is contained.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs contained work.
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Installs a panic hook that stays silent for contained panics and
/// otherwise defers to the default one. Idempotent.
pub(crate) fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs `work`; a panic inside it comes back as its message.
pub(crate) fn contain<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = CONTAINED.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(work));
    CONTAINED.with(|c| c.set(was));
    result.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contained_panic_becomes_its_message() {
        let r: Result<(), String> = contain(|| panic!("index out of bounds: {}", 3));
        assert_eq!(r.unwrap_err(), "index out of bounds: 3");
        assert_eq!(contain(|| 5).unwrap(), 5);
        assert!(!CONTAINED.with(Cell::get));
    }
}
