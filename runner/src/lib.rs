//! mltest: a test runner for machine-learning artifacts.
//!
//! Data flows one way, one module per stage:
//! [`suite`] (parse and validate `mltest.toml`) → [`catalog`] (artifacts,
//! loaded lazily) → [`host`] (sandboxed wasm plugins; the numeric work is in
//! the `mltest-kernels` crate) → [`run`] (checks in parallel) → [`report`]
//! (JUnit, JSON, terminal, rendered from the `mltest-report` model), with
//! [`registry`] between suite and catalog for artifacts that live in a model
//! registry and [`notify`] after the run. Declared plugins come through
//! [`sources`] (files and OCI registries, pinned by digest, and by the
//! [`lock`]file) before the host compiles them. [`pipeline`] is that path, once;
//! [`cli`] and the registry [`gate`] (`mltest serve`) both drive it.
//!
//! Everything is crate-private except [`main`], which the binary calls.

mod catalog;
mod cli;
mod files;
#[doc(hidden)]
pub mod fuzz;
mod gate;
mod host;
mod init;
mod lock;
mod notify;
mod panics;
mod pipeline;
mod profile;
mod registry;
mod report;
mod run;
mod scaffold;
mod signing;
mod sources;
mod suite;

pub use cli::main;
