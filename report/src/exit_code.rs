//! Process exit codes: a stable, documented contract (README, "Exit codes").

use crate::Outcome;

/// Every check passed; warnings and skips allowed.
pub const PASSED: u8 = 0;
/// At least one check failed.
pub const FAILED: u8 = 1;
/// The suite file or the command line is invalid; nothing ran.
pub const INVALID: u8 = 2;
/// At least one check could not be evaluated (plugin error, limit hit, bad
/// data), or mltest itself failed (e.g. could not write a report). Takes
/// precedence over `FAILED`: the verdict is incomplete.
pub const ERROR: u8 = 3;

pub fn for_outcome(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Pass | Outcome::Warn | Outcome::Skip => PASSED,
        Outcome::Fail => FAILED,
        Outcome::Error => ERROR,
    }
}
