//! mltest: a test runner for machine-learning artifacts.
//!
//! Data flows one way, one module per stage:
//! [`suite`] (parse and validate `mltest.toml`) → [`catalog`] (artifacts,
//! loaded lazily) → [`host`] (sandboxed wasm plugins; the numeric work is in
//! the `mltest-kernels` crate) → [`run`] (checks in parallel) → [`report`]
//! (JUnit, JSON, terminal, rendered from the `mltest-report` model). [`cli`]
//! wires them together for the `mltest` binary.
//!
//! Everything is crate-private except [`main`], which the binary calls.

mod catalog;
mod cli;
mod files;
#[doc(hidden)]
pub mod fuzz;
mod host;
mod panics;
mod report;
mod run;
mod suite;

pub use cli::main;
